"""Handlers through `execute` on the in-memory store: routing from the chiefs view, 404s, versions, the
clock and ids they are given, one load per command and authorization on the appeal they loaded."""

import uuid
from dataclasses import replace
from datetime import timedelta

import pytest

from jingzhang.appeals import handlers
from jingzhang.appeals.domain import commands as c
from jingzhang.appeals.domain.state import Appeal, AppealState
from jingzhang.appeals.domain.vocabulary import ChiefTier, ReportOutcome, Status
from jingzhang.appeals.events import REGISTRY
from jingzhang.shared.auth import Forbidden
from jingzhang.shared.clock import FixedClock
from jingzhang.shared.errors import ConcurrencyError, DomainRejected, InvalidCommand, NotFound

from ..unit.samples import (
    APPEAL_ID,
    DAY,
    ENTERPRISE,
    HOUR,
    LEADER_A,
    POLICE_A,
    POLICE_B,
    STATION_A,
    T0,
    chiefs,
    raise_cmd,
    types,
)
from .fakes import CountingStore, FakeChiefs, deps, meta


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
    async def test_routes_to_b_while_a_is_away_as_the_chiefs_view_says(self) -> None:
        done = await raised(deps(view=FakeChiefs(chiefs(police_acting=POLICE_B))))
        assert types(done.events) == ["AppealRaised", "AppealRouted"]
        assert done.state.holder is not None
        assert (done.state.holder.tier, done.state.holder.officer_id) == (ChiefTier.POLICE_CHIEF, POLICE_B)
        assert done.version == 2

    async def test_an_enterprise_the_chiefs_view_does_not_know_is_not_found(self) -> None:
        with pytest.raises(NotFound):
            await handlers.raise_appeal(deps(), replace(raise_cmd(), enterprise_id="ent-x"), meta())

    async def test_an_id_that_cannot_name_a_stream_is_invalid_naming_the_field(self) -> None:
        cmd = replace(raise_cmd(), appeal_id="has.dots")
        with pytest.raises(InvalidCommand) as caught:
            await handlers.raise_appeal(deps(), cmd, meta())
        assert caught.value.field == "appeal_id"

    async def test_raising_the_same_id_twice_is_refused_and_records_nothing(self) -> None:
        d = deps()
        await raised(d)
        with pytest.raises(DomainRejected):
            await raised(d)
        assert len(store_of(d).log) == 2

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
    async def test_a_bureau_leader_from_the_chiefs_view_approves(self) -> None:
        d = deps()
        await raised(d)
        await ask_for_time(d)
        done = await handlers.approve_extension(d, c.ApproveExtension(APPEAL_ID, LEADER_A), meta())
        assert types(done.events) == ["ExtensionApproved"]

    async def test_a_refusal_escalates_to_the_acting_station_chief(self) -> None:
        d = deps()
        await raised(d)
        await ask_for_time(d)
        done = await handlers.refuse_extension(d, c.RefuseExtension(APPEAL_ID, "do it now", LEADER_A), meta())
        assert types(done.events) == ["ExtensionRefused", "AppealEscalated"]
        assert holder_id(done) == STATION_A


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
