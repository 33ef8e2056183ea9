"""Through real servers: a coverage gap or a tier with nobody acting tells the station chief who answers
when it is raised, by the assignment events' `effective_from`, not by when they were recorded. A chief
relieved from a later date is told until then and not after; one assigned from a later date is not told
before it; a backdated change holds at once and leaves a change recorded earlier for later standing;
the inbox rebuilt by replay holds what the reactor decided."""

from datetime import datetime, timedelta

import pytest

from jingzhang.assignment.domain.events import (
    ActingChiefChanged,
    ChiefAssigned,
    ChiefRelieved,
    CoverageGapChanged,
    CoverageGapOpened,
    EnterpriseClass,
    EnterpriseRegistered,
    NobodyActing,
)
from jingzhang.assignment.domain.events import ChiefTier as Tier
from jingzhang.assignment.domain.events import Slot as AssignmentSlot
from jingzhang.notifications.projections import inbox
from jingzhang.shared.envelope import StreamId
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.replay import rebuild
from tests.kernel.helpers import eventually
from tests.notifications.conftest import ENTERPRISE_NAME, NOW, Service, World, register_enterprise

pytestmark = pytest.mark.e2e

STATION = Tier.STATION_CHIEF
WEEK = timedelta(days=7)


def acting(enterprise_id: str, officer_id: str | None, since: datetime) -> ActingChiefChanged:
    return ActingChiefChanged(
        enterprise_id=enterprise_id,
        tier=STATION,
        officer_id=officer_id,
        previous_officer_id=None,
        reason="test",
        effective_from=since,
    )


def gap(enterprise_id: str, *missing: Tier) -> CoverageGapOpened:
    return CoverageGapOpened(enterprise_id=enterprise_id, missing=missing, reason="test")


async def emit(world: World, service: Service, enterprise_id: str, at: datetime, *events: DomainEvent) -> None:
    """Record on the enterprise's stream at `at` and wait until the reactor and the inbox have both applied it."""
    await world.assignment.emit("enterprise", enterprise_id, at, *events)
    version = world.assignment.versions[StreamId("enterprise", enterprise_id)]
    for schema in ("proj_dispatch", "proj_inbox"):
        await applied(service, schema, f"assignment/enterprise/{enterprise_id}", version)


async def applied(service: Service, schema: str, stream_key: str, version: int) -> None:
    async def reached() -> bool:
        found = await service.pool.fetchval(f"SELECT version FROM {schema}._tracking WHERE stream_key = $1", stream_key)
        return found is not None and found >= version

    await eventually(reached, timeout=20)


async def texted(service: Service, enterprise_id: str, at: datetime) -> list[str]:
    """The officers the reactor decided to text about what the enterprise's stream raised at `at`."""
    rows = await service.pool.fetch(
        "SELECT recipient FROM proj_dispatch.outbox WHERE ref = $1 AND decided_at = $2 AND channel = 'sms'"
        " ORDER BY recipient",
        enterprise_id,
        at,
    )
    return [r["recipient"] for r in rows]


async def in_inbox(service: Service, enterprise_id: str, at: datetime) -> list[str]:
    rows = await service.pool.fetch(
        "SELECT recipient FROM proj_inbox.inbox WHERE ref = $1 AND decided_at = $2 ORDER BY recipient",
        enterprise_id,
        at,
    )
    return [r["recipient"] for r in rows]


async def told(service: Service, enterprise_id: str, at: datetime) -> list[str]:
    """The officers told (by SMS from the reactor, in their inbox from the projection: the same)."""
    texts = await texted(service, enterprise_id, at)
    assert [r for r in await in_inbox(service, enterprise_id, at) if r != "console"] == texts
    return texts


async def relieved_from_next_week(world: World, service: Service, enterprise_id: str) -> None:
    """station-a (A, acting) relieved from a week after NOW, recorded at NOW; station-b (B) acts from then."""
    await register_enterprise(world, enterprise_id)
    relieved = ChiefRelieved(
        enterprise_id=enterprise_id,
        tier=STATION,
        slot=AssignmentSlot.A,
        officer_id="station-a",
        effective_from=NOW + WEEK,
        reason="reassigned",
    )
    await emit(world, service, enterprise_id, NOW, relieved, acting(enterprise_id, "station-b", NOW + WEEK))


async def test_a_chief_relieved_from_a_later_date_is_told_until_then_and_not_after(
    world: World, service: Service
) -> None:
    await relieved_from_next_week(world, service, "ent-r")
    before, after = NOW + timedelta(hours=1), NOW + WEEK + timedelta(hours=1)
    await emit(world, service, "ent-r", before, gap("ent-r", Tier.POLICE_CHIEF))
    nobody = NobodyActing(enterprise_id="ent-r", tier=Tier.POLICE_CHIEF, since=before, reason="test")
    await emit(world, service, "ent-r", before + timedelta(minutes=5), nobody)
    changed = CoverageGapChanged(enterprise_id="ent-r", missing=(Tier.POLICE_CHIEF, Tier.BUREAU_LEADER), reason="t")
    await emit(world, service, "ent-r", after, changed)
    later = NobodyActing(enterprise_id="ent-r", tier=Tier.BUREAU_LEADER, since=after, reason="test")
    await emit(world, service, "ent-r", after + timedelta(minutes=5), later)

    assert await told(service, "ent-r", before) == ["officer/station-a"]
    assert await told(service, "ent-r", before + timedelta(minutes=5)) == ["officer/station-a"]
    assert await told(service, "ent-r", after) == ["officer/station-b"]
    assert await told(service, "ent-r", after + timedelta(minutes=5)) == ["officer/station-b"]


async def test_a_chief_assigned_from_a_later_date_is_not_told_before_it(world: World, service: Service) -> None:
    registered = EnterpriseRegistered(
        enterprise_id="ent-n",
        name=ENTERPRISE_NAME,
        credit_code="91610900MA70000001",
        address="恒口示范区",
        industry="物流",
        contact_name="王经理",
        contact_phone="13811112222",
        enterprise_class=EnterpriseClass.SMALL_MICRO,
    )
    starts = NOW + timedelta(days=10)
    assigned = ChiefAssigned(
        enterprise_id="ent-n", tier=STATION, slot=AssignmentSlot.A, officer_id="station-c", effective_from=starts
    )
    await emit(world, service, "ent-n", NOW, registered, assigned)  # no word yet on who acts: the holder does
    await emit(world, service, "ent-n", NOW + timedelta(hours=1), gap("ent-n", Tier.POLICE_CHIEF))
    await emit(world, service, "ent-n", starts + timedelta(hours=1), gap("ent-n", Tier.POLICE_CHIEF))

    assert await told(service, "ent-n", NOW + timedelta(hours=1)) == []
    assert await in_inbox(service, "ent-n", NOW + timedelta(hours=1)) == ["console"]  # decided: nobody but it
    assert await told(service, "ent-n", starts + timedelta(hours=1)) == ["officer/station-c"]


async def test_a_backdated_change_holds_at_once_and_the_one_recorded_for_later_still_stands(
    world: World, service: Service
) -> None:
    await relieved_from_next_week(world, service, "ent-b")
    # recorded an hour after the relief: station-a has been away since an hour ago, back in three days
    away, back = (
        acting("ent-b", "station-b", NOW - timedelta(hours=1)),
        acting("ent-b", "station-a", NOW + timedelta(days=3)),
    )
    await emit(world, service, "ent-b", NOW + timedelta(hours=1), away, back)
    moments = (NOW + timedelta(hours=2), NOW + timedelta(days=4), NOW + WEEK + timedelta(hours=1))
    for at in moments:
        await emit(world, service, "ent-b", at, gap("ent-b", Tier.POLICE_CHIEF))

    assert [await told(service, "ent-b", at) for at in moments] == [
        ["officer/station-b"],  # the backdated absence, at once
        ["officer/station-a"],  # back, and not yet relieved
        ["officer/station-b"],  # relieved: the change recorded first, for later, stands
    ]


async def test_the_inbox_rebuilt_by_replay_holds_what_the_reactor_decided(world: World, service: Service) -> None:
    await relieved_from_next_week(world, service, "ent-p")
    moments = (NOW + timedelta(hours=1), NOW + WEEK + timedelta(hours=1))
    for at in moments:
        await emit(world, service, "ent-p", at, gap("ent-p", Tier.POLICE_CHIEF))
    outbox = "SELECT notification_id, recipient, decided_at FROM proj_dispatch.outbox WHERE channel = 'sms'"
    in_the_inbox = "SELECT notification_id, recipient, decided_at FROM proj_inbox.inbox WHERE recipient <> 'console'"
    ordered = " AND ref = 'ent-p' ORDER BY decided_at"
    decided = [tuple(r) for r in await service.pool.fetch(outbox + ordered)]
    assert [(r, at) for _, r, at in decided] == [("officer/station-a", moments[0]), ("officer/station-b", moments[1])]

    result = await rebuild(service.pool, world.nc, inbox.PROJECTION)

    assert result is not None
    assert [tuple(r) for r in await service.pool.fetch(in_the_inbox + ordered)] == decided
