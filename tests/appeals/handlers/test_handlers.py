"""Handlers through `execute` on the in-memory store: routing from the chiefs view, 404s, versions."""

from datetime import timedelta

import pytest

from jingzhang.appeals import handlers
from jingzhang.appeals.domain import commands as c
from jingzhang.appeals.domain.vocabulary import ChiefTier, ReportOutcome, Status
from jingzhang.appeals.events import REGISTRY
from jingzhang.shared.errors import ConcurrencyError, DomainRejected, InvalidCommand, NotFound
from jingzhang.shared.store.memory import InMemoryEventStore

from ..unit.samples import (
    APPEAL_ID,
    DAY,
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
from .fakes import FakeChiefs, meta, new_store


async def raised(store: InMemoryEventStore, snapshot_chiefs: FakeChiefs | None = None) -> handlers.Result:
    return await handlers.raise_appeal(store, snapshot_chiefs or FakeChiefs(), raise_cmd(), meta())


def holder_id(done: handlers.Result) -> str | None:
    holder = getattr(done.state, "holder", None)
    return None if holder is None else str(holder.officer_id)


async def stored_types(store: InMemoryEventStore) -> list[str]:
    return [e.event_type for e in store.log]


class TestRaising:
    async def test_routes_to_b_while_a_is_away_as_the_chiefs_view_says(self) -> None:
        store = new_store()
        done = await raised(store, FakeChiefs(chiefs(police_acting=POLICE_B)))
        assert types(done.events) == ["AppealRaised", "AppealRouted"]
        assert done.state.holder is not None
        assert (done.state.holder.tier, done.state.holder.officer_id) == (ChiefTier.POLICE_CHIEF, POLICE_B)
        assert done.version == 2

    async def test_an_enterprise_the_chiefs_view_does_not_know_is_not_found(self) -> None:
        with pytest.raises(NotFound):
            await handlers.raise_appeal(
                new_store(), FakeChiefs(), c.RaiseAppeal(**{**_fields(raise_cmd()), "enterprise_id": "ent-x"}), meta()
            )

    async def test_an_id_that_cannot_name_a_stream_is_invalid_naming_the_field(self) -> None:
        cmd = c.RaiseAppeal(**{**_fields(raise_cmd()), "appeal_id": "has.dots"})
        with pytest.raises(InvalidCommand) as caught:
            await handlers.raise_appeal(new_store(), FakeChiefs(), cmd, meta())
        assert caught.value.field == "appeal_id"

    async def test_raising_the_same_id_twice_is_refused_and_records_nothing(self) -> None:
        store = new_store()
        await raised(store)
        with pytest.raises(DomainRejected):
            await raised(store)
        assert len(store.log) == 2


class TestCommandsOnAnAppeal:
    async def test_an_unknown_appeal_is_not_found(self) -> None:
        cmd = c.AcknowledgeAppeal(officer_id=POLICE_A, now=T0)
        with pytest.raises(NotFound):
            await handlers.acknowledge(new_store(), "ap-none", cmd, meta())

    async def test_a_stale_expected_version_conflicts(self) -> None:
        store = new_store()
        await raised(store)
        with pytest.raises(ConcurrencyError):
            await handlers.acknowledge(store, APPEAL_ID, c.AcknowledgeAppeal(POLICE_A, T0 + HOUR), meta(), 1)

    async def test_referral_stays_open_until_the_department_reports_done(self) -> None:
        store = new_store()
        await raised(store)
        refer = c.ReferAppeal("urban_management_enforcement", "illegal building", POLICE_A, T0 + HOUR)
        await handlers.refer(store, APPEAL_ID, refer, meta())
        followed = await handlers.follow_up(
            store, APPEAL_ID, c.FollowUpReferral("called them", POLICE_A, T0 + DAY), meta()
        )
        assert followed.state.status is Status.REFERRED
        report = c.RecordDepartmentReport(ReportOutcome.DONE, "demolished", POLICE_A, T0 + 2 * DAY)
        done = await handlers.report_back(store, APPEAL_ID, report, meta())
        assert done.state.status is Status.RESOLVED

    async def test_merge_loads_the_target_and_refuses_an_unknown_one(self) -> None:
        store = new_store()
        await raised(store)
        with pytest.raises(DomainRejected) as caught:
            await handlers.merge(store, APPEAL_ID, c.MergeAppeal("ap-none", POLICE_A, T0), meta())
        assert caught.value.field == "into_appeal_id"
        await handlers.raise_appeal(
            store, FakeChiefs(), c.RaiseAppeal(**{**_fields(raise_cmd()), "appeal_id": "ap-2"}), meta()
        )
        merged = await handlers.merge(store, "ap-2", c.MergeAppeal(APPEAL_ID, POLICE_A, T0 + HOUR), meta())
        assert merged.state.status is Status.MERGED


class TestExtensions:
    async def test_a_bureau_leader_from_the_chiefs_view_approves(self) -> None:
        store = new_store()
        await raised(store)
        ask = c.RequestExtension(timedelta(days=3), "waiting for the land office", POLICE_A, T0 + HOUR)
        await handlers.request_extension(store, APPEAL_ID, ask, meta())
        done = await handlers.approve_extension(
            store, FakeChiefs(), APPEAL_ID, c.ApproveExtension(LEADER_A, T0 + 2 * HOUR), meta()
        )
        assert types(done.events) == ["ExtensionApproved"]

    async def test_a_refusal_escalates_to_the_acting_station_chief(self) -> None:
        store = new_store()
        await raised(store)
        ask = c.RequestExtension(timedelta(days=3), "waiting for the land office", POLICE_A, T0 + HOUR)
        await handlers.request_extension(store, APPEAL_ID, ask, meta())
        refuse = c.RefuseExtension("do it now", LEADER_A, T0 + 2 * HOUR)
        done = await handlers.refuse_extension(store, FakeChiefs(), APPEAL_ID, refuse, meta())
        assert types(done.events) == ["ExtensionRefused", "AppealEscalated"]
        assert holder_id(done) == STATION_A


class TestDeadlineCheck:
    async def test_nothing_is_recorded_before_anything_is_due(self) -> None:
        store = new_store()
        await raised(store)
        done = await handlers.check_appeal_deadlines(store, FakeChiefs(), APPEAL_ID, T0 + HOUR, meta())
        assert done.events == []

    async def test_a_breach_escalates_one_tier_up_once(self) -> None:
        store = new_store()
        await raised(store)
        await handlers.acknowledge(store, APPEAL_ID, c.AcknowledgeAppeal(POLICE_A, T0 + HOUR), meta())
        late = T0 + 8 * DAY
        done = await handlers.check_appeal_deadlines(store, FakeChiefs(), APPEAL_ID, late, meta())
        assert types(done.events) == ["DeadlineBreached", "AppealEscalated"]
        assert holder_id(done) == STATION_A
        again = await handlers.check_appeal_deadlines(store, FakeChiefs(), APPEAL_ID, late, meta())
        assert again.events == []

    async def test_without_known_chiefs_the_breach_is_still_recorded(self) -> None:
        store = new_store()
        await raised(store)
        await handlers.acknowledge(store, APPEAL_ID, c.AcknowledgeAppeal(POLICE_A, T0 + HOUR), meta())
        nobody = FakeChiefs(chiefs())
        nobody.snapshots.clear()
        done = await handlers.check_appeal_deadlines(store, nobody, APPEAL_ID, T0 + 8 * DAY, meta())
        assert types(done.events) == ["DeadlineBreached"]

    async def test_recorded_events_round_trip_through_the_registry(self) -> None:
        store = new_store()
        await raised(store)
        await handlers.check_appeal_deadlines(store, FakeChiefs(), APPEAL_ID, T0 + 2 * DAY, meta())
        assert [env.payload(REGISTRY).event_type for env in store.log] == await stored_types(store)
        assert "DeadlineBreached" in await stored_types(store)


def _fields(cmd: c.RaiseAppeal) -> dict[str, object]:
    return {f: getattr(cmd, f) for f in cmd.__slots__}
