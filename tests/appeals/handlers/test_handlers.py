"""Handlers through `execute` on the in-memory store: routing from the chiefs view, 404s, versions, the
clock and ids they are given, one load per command and authorization on the appeal they loaded."""

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from jingzhang.appeals import handlers
from jingzhang.appeals.domain import commands as c
from jingzhang.appeals.domain.matters import AssignMatter, ReportMatter
from jingzhang.appeals.domain.routing import ChiefsSnapshot
from jingzhang.appeals.domain.state import Appeal, AppealState
from jingzhang.appeals.domain.vocabulary import Category, ChiefTier, HoldReason, ReportOutcome, Status
from jingzhang.appeals.events import REGISTRY
from jingzhang.shared.auth import Forbidden
from jingzhang.shared.clock import FixedClock
from jingzhang.shared.envelope import Metadata, NewEvent, StreamId
from jingzhang.shared.errors import (
    ConcurrencyError,
    DomainRejected,
    InvalidCommand,
    NotFound,
    NotYetKnown,
    UnknownSubject,
)

from ..unit.samples import (
    APPEAL_ID,
    DAY,
    ENTERPRISE,
    HOUR,
    LEADER_A,
    POLICE_A,
    POLICE_B,
    STATION_A,
    STATION_B,
    T0,
    chiefs,
    raise_cmd,
    types,
)
from .fakes import CaughtUp, CountingStore, FakeChiefs, FakeOfficers, deps, meta


class RacingStore(CountingStore):
    """Another request raises the same appeal between this one's read and its append."""

    async def append(self, stream: StreamId, expected_version: int, events: Sequence[NewEvent], m: Metadata) -> int:
        if not self.log:
            await super().append(stream, expected_version, events, Metadata("the other request", uuid.uuid4()))
        return await super().append(stream, expected_version, events, m)


async def raised(d: handlers.Deps) -> handlers.Result:
    return await handlers.raise_appeal(d, raise_cmd(), meta())


def holder_id(done: handlers.Result) -> str | None:
    holder = getattr(done.state, "holder", None)
    return None if holder is None else str(holder.officer_id)


def store_of(d: handlers.Deps) -> CountingStore:
    assert isinstance(d.store, CountingStore)
    return d.store


async def ask_for_time(d: handlers.Deps) -> None:
    ask = c.RequestExtension(APPEAL_ID, timedelta(days=3), "waiting for the land office", POLICE_A)
    await handlers.request_extension(d, ask, meta())


class TestRaising:
    async def test_a_new_appeal_is_recorded_without_reading_its_stream_and_its_retry_reads_it_once(self) -> None:
        d = deps()
        first = await raised(d)
        assert store_of(d).reads[APPEAL_ID] == 0  # appended at version 0 on the initial state
        again = await raised(d)
        assert store_of(d).reads[APPEAL_ID] == 1  # the retry's append conflicted: it read, and answers as the first
        assert (again.version, types(again.events)) == (first.version, types(first.events))
        assert len(store_of(d).log) == 2

    async def test_routes_to_b_while_a_is_away_as_the_chiefs_view_says(self) -> None:
        done = await raised(deps(view=FakeChiefs(chiefs(police_acting=POLICE_B))))
        assert types(done.events) == ["AppealRaised", "AppealRouted"]
        assert done.state.holder is not None
        assert (done.state.holder.tier, done.state.holder.officer_id) == (ChiefTier.POLICE_CHIEF, POLICE_B)
        assert done.version == 2

    async def test_an_enterprise_nobody_registered_is_unknown_naming_the_field_once_all_is_applied(self) -> None:
        d = deps()
        with pytest.raises(UnknownSubject) as caught:
            await handlers.raise_appeal(d, replace(raise_cmd(), enterprise_id="ent-x"), meta())
        assert (caught.value.field, caught.value.code) == ("enterprise_id", "unknown_enterprise")
        assert store_of(d).log == []

    async def test_an_enterprise_not_known_here_while_events_arrive_is_accepted_and_held(self) -> None:
        arriving = CaughtUp(False)
        d = deps(view=FakeChiefs(ChiefsSnapshot("ent-other")), caught_up=arriving)
        done = await raised(d)
        assert types(done.events) == ["AppealRaised", "AppealHeldAtDutyDesk"]
        assert isinstance(done.state, Appeal)
        assert (done.state.held, done.state.unrouted) == (HoldReason.ENTERPRISE_NOT_YET_KNOWN, True)
        assert arriving.asked == ["assignment"]

    async def test_an_enterprise_with_nobody_acting_is_held_for_want_of_a_chief(self) -> None:
        gap = ChiefsSnapshot(ENTERPRISE)
        done = await raised(deps(view=FakeChiefs(gap)))
        assert types(done.events) == ["AppealRaised", "AppealHeldAtDutyDesk"]
        assert isinstance(done.state, Appeal)
        assert done.state.held is HoldReason.NO_ACTING_CHIEF

    async def test_an_id_that_cannot_name_a_stream_is_invalid_naming_the_field(self) -> None:
        cmd = replace(raise_cmd(), appeal_id="has.dots")
        with pytest.raises(InvalidCommand) as caught:
            await handlers.raise_appeal(deps(), cmd, meta())
        assert caught.value.field == "appeal_id"

    async def test_a_retry_answers_what_the_first_answered_and_records_nothing(self) -> None:
        clock = FixedClock(T0)
        d = deps(clock=clock)
        first = await handlers.raise_appeal(d, raise_cmd(emergency=True), meta())
        clock.set(T0 + HOUR)
        await handlers.acknowledge(d, c.AcknowledgeAppeal(APPEAL_ID, POLICE_A), meta())  # the stream moves on
        again = await handlers.raise_appeal(d, raise_cmd(emergency=True), meta())
        assert (again.version, list(again.events)) == (first.version, list(first.events))
        assert again.version == 3
        assert types(again.events) == ["AppealRaised", "AppealDivertedTo110", "AppealRouted"]
        assert len(store_of(d).log) == 4

    async def test_other_content_under_a_known_id_is_a_duplicate_and_records_nothing(self) -> None:
        d = deps()
        await raised(d)
        with pytest.raises(DomainRejected) as caught:
            await handlers.raise_appeal(d, replace(raise_cmd(), category=Category.OTHER), meta())
        assert (caught.value.code, caught.value.field) == ("duplicate", "appeal_id")
        assert len(store_of(d).log) == 2

    async def test_a_held_appeals_retry_answers_the_hold_even_once_it_was_routed(self) -> None:
        view = FakeChiefs(ChiefsSnapshot(ENTERPRISE))
        d = deps(view=view)
        first = await raised(d)
        view.snapshots[ENTERPRISE] = chiefs()
        await handlers.route_held(d, c.RouteHeldAppeal(APPEAL_ID), meta())
        again = await raised(d)
        assert (again.version, types(again.events)) == (first.version, ["AppealRaised", "AppealHeldAtDutyDesk"])

    async def test_a_raise_racing_another_of_the_same_appeal_answers_as_its_retry(self) -> None:
        store = RacingStore()
        d = deps(store=store)
        done = await raised(d)
        assert (done.version, types(done.events)) == (2, ["AppealRaised", "AppealRouted"])
        assert [e.actor for e in store.log] == ["the other request"] * 2

    async def test_an_expected_version_other_than_the_streams_conflicts_and_records_nothing(self) -> None:
        d = deps()
        with pytest.raises(ConcurrencyError):
            await handlers.raise_appeal(d, replace(raise_cmd(), expected_version=2), meta())
        assert store_of(d).log == []
        new = await handlers.raise_appeal(d, replace(raise_cmd(), expected_version=0), meta())
        again = await handlers.raise_appeal(d, replace(raise_cmd(), expected_version=0), meta())
        assert new.version == again.version == 2
        with pytest.raises(ConcurrencyError):
            await handlers.raise_appeal(d, replace(raise_cmd(), expected_version=1), meta())

    async def test_the_receipt_is_checked_against_the_registration_the_chiefs_view_knows(self) -> None:
        view = FakeChiefs(replace(chiefs(), registered_on=date(2026, 3, 2)))
        d = deps(view=view, clock=FixedClock(T0 + DAY))
        with pytest.raises(InvalidCommand) as caught:
            await handlers.raise_appeal(d, replace(raise_cmd(), received_at=T0 - DAY), meta())
        assert caught.value.field == "received_at"
        done = await handlers.raise_appeal(d, replace(raise_cmd(), received_at=T0), meta())
        assert isinstance(done.state, Appeal)
        assert (done.state.raised_at, done.state.received_at) == (T0 + DAY, T0)

    async def test_it_is_raised_at_the_instant_the_clock_gives(self) -> None:
        d = deps(clock=FixedClock(T0 + 5 * HOUR))
        done = await raised(d)
        assert isinstance(done.state, Appeal)
        assert done.state.raised_at == T0 + 5 * HOUR
        assert [e.occurred_at for e in store_of(d).log] == [T0 + 5 * HOUR] * 2

    async def test_without_an_id_from_the_caller_it_is_raised_under_a_new_one_from_the_id_factory(self) -> None:
        d = deps()
        first = await handlers.raise_appeal(d, replace(raise_cmd(), appeal_id=None), meta())
        second = await handlers.raise_appeal(d, replace(raise_cmd(), appeal_id=None), meta())
        assert isinstance(first.state, Appeal)
        assert isinstance(second.state, Appeal)
        expected = [str(uuid.UUID(int=(7 << 64) | n)) for n in (1, 2)]
        assert [first.state.appeal_id, second.state.appeal_id] == expected
        assert [env.stream.aggregate_id for env in store_of(d).log] == [expected[0]] * 2 + [expected[1]] * 2


class TestCommandsOnAnAppeal:
    async def test_an_unknown_appeal_is_not_found(self) -> None:
        with pytest.raises(NotFound):
            await handlers.acknowledge(deps(), c.AcknowledgeAppeal("ap-none", POLICE_A), meta())

    async def test_an_id_that_cannot_name_a_stream_is_not_found(self) -> None:
        with pytest.raises(NotFound):
            await handlers.acknowledge(deps(), c.AcknowledgeAppeal("has.dots", POLICE_A), meta())

    async def test_a_stale_expected_version_conflicts(self) -> None:
        d = deps()
        await raised(d)
        with pytest.raises(ConcurrencyError):
            await handlers.acknowledge(d, c.AcknowledgeAppeal(APPEAL_ID, POLICE_A, expected_version=1), meta())

    async def test_the_decision_is_taken_at_the_instant_the_clock_gives(self) -> None:
        clock = FixedClock(T0)
        d = deps(clock=clock)
        await raised(d)
        clock.set(T0 + 3 * HOUR)
        done = await handlers.acknowledge(d, c.AcknowledgeAppeal(APPEAL_ID, POLICE_A, "on my way"), meta())
        [acknowledged] = done.events
        assert acknowledged.model_dump()["acknowledged_at"] == T0 + 3 * HOUR
        assert store_of(d).log[-1].occurred_at == T0 + 3 * HOUR

    async def test_referral_stays_open_until_the_department_reports_done(self) -> None:
        clock = FixedClock(T0)
        d = deps(clock=clock)
        await raised(d)
        clock.set(T0 + HOUR)
        refer = c.ReferAppeal(APPEAL_ID, "urban_management_enforcement", "illegal building", POLICE_A)
        await handlers.refer(d, refer, meta())
        clock.set(T0 + DAY)
        followed = await handlers.follow_up(d, c.FollowUpReferral(APPEAL_ID, "called them", POLICE_A), meta())
        assert followed.state.status is Status.REFERRED
        clock.set(T0 + 2 * DAY)
        report = c.RecordDepartmentReport(APPEAL_ID, ReportOutcome.DONE, "demolished", POLICE_A)
        done = await handlers.report_back(d, report, meta())
        assert done.state.status is Status.RESOLVED

    async def test_merge_loads_the_target_and_refuses_an_unknown_one(self) -> None:
        d = deps()
        await raised(d)
        with pytest.raises(DomainRejected) as caught:
            await handlers.merge(d, c.MergeAppeal(APPEAL_ID, "ap-none", POLICE_A), meta())
        assert caught.value.field == "into_appeal_id"
        await handlers.raise_appeal(d, replace(raise_cmd(), appeal_id="ap-2"), meta())
        merged = await handlers.merge(d, c.MergeAppeal("ap-2", APPEAL_ID, POLICE_A), meta())
        assert merged.state.status is Status.MERGED

    async def test_merging_into_an_id_that_cannot_name_a_stream_names_the_field(self) -> None:
        d = deps()
        await raised(d)
        with pytest.raises(InvalidCommand) as caught:
            await handlers.merge(d, c.MergeAppeal(APPEAL_ID, "has.dots", POLICE_A), meta())
        assert caught.value.field == "into_appeal_id"


class TestExtensions:
    @pytest.mark.parametrize("leader", [STATION_B, LEADER_A])
    async def test_a_station_chief_or_bureau_leader_from_the_chiefs_view_approves(self, leader: str) -> None:
        d = deps()
        await raised(d)
        await ask_for_time(d)
        done = await handlers.approve_extension(d, c.ApproveExtension(APPEAL_ID, leader), meta())
        assert types(done.events) == ["ExtensionApproved"]

    async def test_the_police_chief_b_is_no_leader_for_it(self) -> None:
        d = deps()
        await raised(d)
        await ask_for_time(d)
        with pytest.raises(DomainRejected) as caught:
            await handlers.approve_extension(d, c.ApproveExtension(APPEAL_ID, POLICE_B), meta())
        assert (caught.value.code, caught.value.field) == ("not_a_leader", "approved_by")

    async def test_a_refusal_escalates_to_the_acting_station_chief(self) -> None:
        d = deps()
        await raised(d)
        await ask_for_time(d)
        done = await handlers.refuse_extension(d, c.RefuseExtension(APPEAL_ID, "do it now", LEADER_A), meta())
        assert types(done.events) == ["ExtensionRefused", "AppealEscalated"]
        assert holder_id(done) == STATION_A


STALE = 1
"""A raised appeal is at version 2: every command given version 1 must record nothing."""

COMMANDS = [
    (handlers.acknowledge, c.AcknowledgeAppeal(APPEAL_ID, POLICE_A, expected_version=STALE)),
    (handlers.resolve, c.ResolveAppeal(APPEAL_ID, "done", POLICE_A, expected_version=STALE)),
    (handlers.refer, c.ReferAppeal(APPEAL_ID, "telecom", "theirs", POLICE_A, expected_version=STALE)),
    (handlers.follow_up, c.FollowUpReferral(APPEAL_ID, "called", POLICE_A, expected_version=STALE)),
    (
        handlers.report_back,
        c.RecordDepartmentReport(APPEAL_ID, ReportOutcome.DONE, "done", POLICE_A, expected_version=STALE),
    ),
    (handlers.close_unresolved, c.CloseUnresolved(APPEAL_ID, "no", POLICE_A, expected_version=STALE)),
    (
        handlers.request_extension,
        c.RequestExtension(APPEAL_ID, timedelta(days=1), "more", POLICE_A, expected_version=STALE),
    ),
    (handlers.approve_extension, c.ApproveExtension(APPEAL_ID, LEADER_A, expected_version=STALE)),
    (handlers.refuse_extension, c.RefuseExtension(APPEAL_ID, "no", LEADER_A, expected_version=STALE)),
    (handlers.record_callback, c.RecordCallback(APPEAL_ID, 5, True, "", "袁", expected_version=STALE)),
    (handlers.merge, c.MergeAppeal(APPEAL_ID, "ap-2", POLICE_A, expected_version=STALE)),
    (handlers.raise_appeal, replace(raise_cmd(), expected_version=STALE)),
]


class TestExpectedVersion:
    @pytest.mark.parametrize(("handler", "cmd"), COMMANDS, ids=lambda x: getattr(x, "__name__", ""))
    async def test_every_command_that_takes_an_expected_version_honours_it(self, handler: Any, cmd: Any) -> None:
        d = deps()
        await raised(d)
        with pytest.raises(ConcurrencyError):
            await handler(d, cmd, meta())
        assert len(store_of(d).log) == 2


class TestNamedOfficers:
    """Only facts about someone count: the officer a command records as having done the work must exist."""

    async def test_an_officer_nobody_enrolled_is_unknown_naming_the_field_and_nothing_is_recorded(self) -> None:
        d = deps()
        await raised(d)
        with pytest.raises(UnknownSubject) as caught:
            await handlers.resolve(d, c.ResolveAppeal(APPEAL_ID, "mediated", "off-nobody"), meta())
        assert (caught.value.field, caught.value.code) == ("resolved_by", "unknown_officer")
        with pytest.raises(UnknownSubject) as approving:
            await handlers.approve_extension(d, c.ApproveExtension(APPEAL_ID, "off-nobody"), meta())
        assert approving.value.field == "approved_by"
        assert len(store_of(d).log) == 2

    async def test_an_officer_not_known_while_events_arrive_is_not_yet_known(self) -> None:
        d = deps(officers=FakeOfficers([]), caught_up=CaughtUp(False))
        await raised(d)
        with pytest.raises(NotYetKnown) as caught:
            await handlers.acknowledge(d, c.AcknowledgeAppeal(APPEAL_ID, POLICE_A), meta())
        assert caught.value.field == "officer_id"

    async def test_a_retired_officer_does_no_more_work_from_the_day_it_takes_effect(self) -> None:
        officers = FakeOfficers()
        d = deps(officers=officers)
        await raised(d)
        officers.retire(POLICE_A, T0 + DAY)
        done = await handlers.acknowledge(d, c.AcknowledgeAppeal(APPEAL_ID, POLICE_A), meta())
        assert types(done.events) == ["AppealAcknowledged"]
        officers.retire(POLICE_A, T0)
        with pytest.raises(DomainRejected) as caught:
            await handlers.resolve(d, c.ResolveAppeal(APPEAL_ID, "mediated", POLICE_A), meta())
        assert (caught.value.code, caught.value.field) == ("officer_retired", "resolved_by")

    async def test_an_unknown_appeal_is_not_found_before_its_officer_is_looked_at(self) -> None:
        with pytest.raises(NotFound):
            await handlers.resolve(deps(), c.ResolveAppeal("ap-none", "x", "off-nobody"), meta())

    async def test_a_caller_refused_is_refused_before_the_officer_is_looked_at(self) -> None:
        d = deps()
        await raised(d)
        with pytest.raises(Forbidden):
            await handlers.resolve(d, c.ResolveAppeal(APPEAL_ID, "x", "off-nobody"), meta(), authorize=Gate(True))


class TestDutyDesk:
    async def test_a_held_appeal_is_routed_once_its_enterprise_has_someone_acting(self) -> None:
        view = FakeChiefs(ChiefsSnapshot(ENTERPRISE))
        clock = FixedClock(T0)
        d = deps(view=view, clock=clock)
        await raised(d)
        clock.set(T0 + HOUR)
        nobody = await handlers.route_held(d, c.RouteHeldAppeal(APPEAL_ID), meta())
        assert nobody.events == []
        view.snapshots[ENTERPRISE] = chiefs(police_acting=POLICE_B)
        done = await handlers.route_held(d, c.RouteHeldAppeal(APPEAL_ID), meta())
        assert types(done.events) == ["AppealRouted"]
        assert holder_id(done) == POLICE_B
        assert store_of(d).log[-1].occurred_at == T0 + HOUR
        again = await handlers.route_held(d, c.RouteHeldAppeal(APPEAL_ID), meta())
        assert again.events == []

    async def test_work_on_a_held_appeal_waits_for_its_chief(self) -> None:
        d = deps(view=FakeChiefs(ChiefsSnapshot(ENTERPRISE)))
        await raised(d)
        with pytest.raises(DomainRejected) as caught:
            await handlers.acknowledge(d, c.AcknowledgeAppeal(APPEAL_ID, POLICE_A), meta())
        assert caught.value.code == "not_routed"


class TestDeadlineCheck:
    async def test_nothing_is_recorded_before_anything_is_due(self) -> None:
        clock = FixedClock(T0)
        d = deps(clock=clock)
        await raised(d)
        clock.set(T0 + HOUR)
        done = await handlers.check_appeal_deadlines(d, c.CheckDeadlines(APPEAL_ID), meta())
        assert done.events == []

    async def test_a_breach_escalates_one_tier_up_once(self) -> None:
        clock = FixedClock(T0)
        d = deps(clock=clock)
        await raised(d)
        clock.set(T0 + HOUR)
        await handlers.acknowledge(d, c.AcknowledgeAppeal(APPEAL_ID, POLICE_A), meta())
        clock.set(T0 + 8 * DAY)
        done = await handlers.check_appeal_deadlines(d, c.CheckDeadlines(APPEAL_ID), meta())
        assert types(done.events) == ["DeadlineBreached", "AppealEscalated"]
        assert holder_id(done) == STATION_A
        again = await handlers.check_appeal_deadlines(d, c.CheckDeadlines(APPEAL_ID), meta())
        assert again.events == []

    async def test_without_known_chiefs_the_breach_is_still_recorded(self) -> None:
        clock = FixedClock(T0)
        nobody = FakeChiefs(chiefs())
        d = deps(view=nobody, clock=clock)
        await raised(d)
        clock.set(T0 + HOUR)
        await handlers.acknowledge(d, c.AcknowledgeAppeal(APPEAL_ID, POLICE_A), meta())
        nobody.snapshots.clear()
        clock.set(T0 + 8 * DAY)
        done = await handlers.check_appeal_deadlines(d, c.CheckDeadlines(APPEAL_ID), meta())
        assert types(done.events) == ["DeadlineBreached"]

    async def test_recorded_events_round_trip_through_the_registry(self) -> None:
        clock = FixedClock(T0)
        d = deps(clock=clock)
        await raised(d)
        clock.set(T0 + 2 * DAY)
        await handlers.check_appeal_deadlines(d, c.CheckDeadlines(APPEAL_ID), meta())
        log = store_of(d).log
        assert [env.payload(REGISTRY).event_type for env in log] == [env.event_type for env in log]
        assert "DeadlineBreached" in [env.event_type for env in log]


class TestLoadOnce:
    """A command reads its appeal's stream once: to authorize, to find the enterprise's chiefs and to decide."""

    async def test_each_command_reads_the_appeal_once(self) -> None:
        d = deps()
        await raised(d)
        store = store_of(d)
        store.reads.clear()
        await ask_for_time(d)
        await handlers.approve_extension(d, c.ApproveExtension(APPEAL_ID, LEADER_A), meta())
        await handlers.check_appeal_deadlines(d, c.CheckDeadlines(APPEAL_ID), meta())
        await handlers.resolve(d, c.ResolveAppeal(APPEAL_ID, "mediated", POLICE_A), meta())
        assert store.reads == {APPEAL_ID: 4}

    async def test_a_refusal_reads_the_appeal_once_and_asks_for_its_enterprises_chiefs(self) -> None:
        view = FakeChiefs()
        d = deps(view=view)
        await raised(d)
        await ask_for_time(d)
        store_of(d).reads.clear()
        view.asked.clear()
        await handlers.refuse_extension(d, c.RefuseExtension(APPEAL_ID, "do it now", LEADER_A), meta())
        assert (store_of(d).reads, view.asked) == ({APPEAL_ID: 1}, [ENTERPRISE])

    async def test_a_merge_reads_each_of_the_two_appeals_once(self) -> None:
        d = deps()
        await raised(d)
        await handlers.raise_appeal(d, replace(raise_cmd(), appeal_id="ap-2"), meta())
        store_of(d).reads.clear()
        await handlers.merge(d, c.MergeAppeal("ap-2", APPEAL_ID, POLICE_A), meta())
        assert store_of(d).reads == {"ap-2": 1, APPEAL_ID: 1}


class TestChiefsAsOfTheClock:
    """Every command reads the enterprise's chiefs as of the instant it decides at, its clock's reading, so a
    change the assignment service recorded for a later date does not count before that date."""

    async def test_each_command_asks_for_the_chiefs_as_of_its_clock(self) -> None:
        view, clock = FakeChiefs(), FixedClock(T0 + 3 * DAY)
        d = deps(view=view, clock=clock)
        await raised(d)
        await ask_for_time(d)
        clock.advance(HOUR)
        await handlers.approve_extension(d, c.ApproveExtension(APPEAL_ID, LEADER_A), meta())
        clock.advance(HOUR)
        await handlers.check_appeal_deadlines(d, c.CheckDeadlines(APPEAL_ID), meta())
        clock.advance(HOUR)
        await handlers.report_matter(d, ReportMatter("m-1", ENTERPRISE, "道路协调", POLICE_A), meta())
        clock.advance(HOUR)
        assign = AssignMatter("m-1", "economic_development_bureau", T0 + 9 * DAY, "三日内协调", LEADER_A)
        await handlers.assign_matter(d, assign, meta())
        assert view.asked_at == [T0 + 3 * DAY + n * HOUR for n in range(5)]


class Gate:
    """An authorize hook that records the states it saw and refuses when told to."""

    def __init__(self, refuse: bool = False) -> None:
        self.refuse = refuse
        self.seen: list[AppealState] = []

    async def __call__(self, state: AppealState) -> None:
        self.seen.append(state)
        if self.refuse:
            raise Forbidden("not this caller")


class TestAuthorizeHook:
    async def test_the_hook_sees_the_loaded_appeal_before_the_decision(self) -> None:
        d = deps()
        await raised(d)
        gate = Gate()
        await handlers.acknowledge(d, c.AcknowledgeAppeal(APPEAL_ID, POLICE_A), meta(), authorize=gate)
        [seen] = gate.seen
        assert isinstance(seen, Appeal)
        assert (seen.appeal_id, seen.enterprise_id, seen.status) == (APPEAL_ID, ENTERPRISE, Status.ROUTED)

    async def test_a_refusal_records_nothing_and_reads_no_chiefs(self) -> None:
        view = FakeChiefs()
        d = deps(view=view)
        await raised(d)
        await ask_for_time(d)
        view.asked.clear()
        refusal = c.RefuseExtension(APPEAL_ID, "no", LEADER_A)
        with pytest.raises(Forbidden):
            await handlers.refuse_extension(d, refusal, meta(), authorize=Gate(refuse=True))
        assert len(store_of(d).log) == 3
        assert view.asked == []

    async def test_an_unknown_appeal_is_not_found_before_anyone_is_authorized(self) -> None:
        gate = Gate(refuse=True)
        with pytest.raises(NotFound):
            await handlers.resolve(deps(), c.ResolveAppeal("ap-none", "x", POLICE_A), meta(), authorize=gate)
        assert gate.seen == []

    async def test_a_refusal_comes_before_a_stale_version(self) -> None:
        d = deps()
        await raised(d)
        stale = c.AcknowledgeAppeal(APPEAL_ID, POLICE_A, expected_version=1)
        with pytest.raises(Forbidden):
            await handlers.acknowledge(d, stale, meta(), authorize=Gate(refuse=True))

    async def test_a_merge_into_a_bad_id_is_refused_first_when_the_caller_may_not_act(self) -> None:
        d = deps()
        await raised(d)
        merge = c.MergeAppeal(APPEAL_ID, "has.dots", POLICE_A)
        with pytest.raises(Forbidden):
            await handlers.merge(d, merge, meta(), authorize=Gate(refuse=True))
