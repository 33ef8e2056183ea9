"""The chiefs as of now: a relief or assignment the assignment service dates later takes effect at its date.

Assignment records `ChiefAssigned` and `ChiefRelieved` with `effective_from`, in the past or ahead of
time (relieved from Friday, assigned from Friday). Patrols' cadence pass reads the chiefs as of its
business clock's now, so duties stay with the chief who holds the post until the date and follow the
new holder from a pass at the date; a backdated change holds at once; the projection rebuilt from the
events, by replay or by the start of a release whose tables changed, answers the same. Each test runs
the passes itself (no periodic pass) and moves the test clock.
"""

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from nats.aio.client import Client as NATS

from jingzhang.assignment.domain.events import ChiefAssigned, ChiefRelieved, ChiefTier, Slot
from jingzhang.patrols.bootstrap import create_app
from jingzhang.patrols.domain import vocabulary
from jingzhang.patrols.domain.common import ZONE_TZ
from jingzhang.patrols.domain.snapshot import AssignmentSnapshot, TierChiefs
from jingzhang.patrols.projections.assignments import PROJECTION, PostgresAssignments
from jingzhang.patrols.settings import PatrolsSettings
from jingzhang.patrols.workers import PassReport, cadence_pass
from jingzhang.shared.clock import FixedClock
from jingzhang.shared.migrations import fingerprint
from jingzhang.shared.projection import install
from jingzhang.shared.replay import rebuild
from tests.apps import running
from tests.conftest import ServiceEnv
from tests.kernel.helpers import eventually

from .conftest import CHIEFS, IDS, NOW, REGISTERED_AT, AssignmentFeed, Patrols

FRIDAY = datetime(2025, 3, 7, 9, tzinfo=ZONE_TZ)  # two days after NOW, before W10's revisit falls due
BACKDATED = datetime(2025, 3, 4, 9, tzinfo=ZONE_TZ)  # the day before NOW, after the chiefs were assigned
WEEKLY = {"ent-1-weekly_revisit-2025-W10", "ent-1-weekly_revisit-2025-W11"}  # the police chief's
INSPECTIONS = {"ent-1-inspection-2025-03", "ent-1-inspection-2025-04"}  # the station chief's
POLICE, STATION = ChiefTier.POLICE_CHIEF, ChiefTier.STATION_CHIEF


@pytest.fixture
async def patrols_by_hand(service_env: ServiceEnv, nc: NATS) -> AsyncIterator[Patrols]:
    """The patrols app with no cadence pass but those a test runs (`run_pass`)."""
    base = await service_env.settings("patrols")
    settings = PatrolsSettings(**{**base.model_dump(), "cadence_poll_interval": 3600, "subject_wait": 0.5})
    clock = FixedClock(NOW)
    app = create_app(settings, clock, IDS.factory())
    async with running(app) as client:
        yield Patrols(client, clock, app.state.runtime)


async def run_pass(patrols: Patrols) -> PassReport:
    return await cadence_pass(patrols.runtime, patrols.clock, IDS.factory()).run()


async def snapshot(patrols: Patrols, at: datetime) -> AssignmentSnapshot:
    return await PostgresAssignments(patrols.runtime.pool_of).snapshot(at)


async def tier_at(patrols: Patrols, tier: ChiefTier, at: datetime, enterprise_id: str = "ent-1") -> TierChiefs:
    enterprise = (await snapshot(patrols, at)).enterprise(enterprise_id)
    return enterprise.tier(vocabulary.ChiefTier(tier.value)) if enterprise else TierChiefs()


async def projected(patrols: Patrols, tier: ChiefTier, at: datetime, expected: TierChiefs) -> None:
    """Wait until the assignments projection says `expected` holds `tier` at `at` (the events applied)."""

    async def holds() -> bool:
        return await tier_at(patrols, tier, at) == expected

    holds.__name__ = f"{tier} at {at.isoformat()} is {expected}"
    await eventually(holds, timeout=20)


async def assignees(patrols: Patrols, duty_ids: set[str]) -> dict[str, str]:
    """Each duty's assignee as its own stream says (the last `DutyScheduled` or `DutyReassigned`)."""
    rows = await patrols.runtime.pool.fetch(
        "SELECT aggregate_id, coalesce(data->>'to_officer_id', data->>'assignee_officer_id') AS officer"
        " FROM es.events WHERE aggregate_type = 'duty' AND aggregate_id = any($1::text[])"
        " AND event_type IN ('DutyScheduled', 'DutyReassigned') ORDER BY aggregate_id, version",
        sorted(duty_ids),
    )
    return {r["aggregate_id"]: r["officer"] for r in rows}


async def passes_until(patrols: Patrols, duty_ids: set[str], officer: str) -> None:
    """Run passes until every duty named is assigned to `officer` in its stream (a pass that cannot show
    its own events applied leaves its moves to the next)."""

    async def assigned() -> bool:
        await run_pass(patrols)
        return await assignees(patrols, duty_ids) == dict.fromkeys(duty_ids, officer)

    assigned.__name__ = f"{sorted(duty_ids)} assigned to {officer}"
    await eventually(assigned, timeout=20)


async def planned(patrols: Patrols, police: TierChiefs) -> None:
    """The police chiefs known as of now, and the weekly revisits planned for whoever answers of them."""
    await projected(patrols, POLICE, NOW, police)
    officer = police.a or police.b
    assert officer is not None
    await passes_until(patrols, WEEKLY, officer)


def nothing_moved(report: PassReport) -> bool:
    """No duty moved, and none left for a later pass to move."""
    return (report.reassigned, report.deferred) == (0, 0)


def relieved(officer: str, at: datetime, tier: ChiefTier = POLICE, slot: Slot = Slot.A) -> ChiefRelieved:
    return ChiefRelieved(
        enterprise_id="ent-1", tier=tier, slot=slot, officer_id=officer, effective_from=at, reason="transferred"
    )


def assigned(officer: str, at: datetime, tier: ChiefTier = POLICE, slot: Slot = Slot.A) -> ChiefAssigned:
    return ChiefAssigned(enterprise_id="ent-1", tier=tier, slot=slot, officer_id=officer, effective_from=at)


async def test_a_relief_dated_later_leaves_the_duties_with_the_chief_until_that_date_then_moves_them(
    feed: AssignmentFeed, patrols_by_hand: Patrols, nc: NATS
) -> None:
    patrols = patrols_by_hand
    await feed.register_with_chiefs()
    await planned(patrols, TierChiefs("chief-a", "chief-b"))
    await feed.emit("enterprise", "ent-1", NOW, relieved("chief-a", FRIDAY))
    await projected(patrols, POLICE, FRIDAY, TierChiefs(None, "chief-b"))

    assert await tier_at(patrols, POLICE, NOW) == TierChiefs("chief-a", "chief-b")
    for before in (NOW, FRIDAY - timedelta(minutes=1)):
        patrols.clock.set(before)
        assert nothing_moved(await run_pass(patrols))
        assert await assignees(patrols, WEEKLY) == dict.fromkeys(WEEKLY, "chief-a")

    patrols.clock.set(FRIDAY)
    await passes_until(patrols, WEEKLY, "chief-b")


async def test_a_chief_assigned_from_a_later_date_is_given_nothing_before_it_and_the_duties_at_it(
    feed: AssignmentFeed, patrols_by_hand: Patrols, nc: NATS
) -> None:
    patrols = patrols_by_hand
    await feed.register_with_chiefs(chiefs={t: CHIEFS[t] for t in ChiefTier if t is not POLICE})
    # the police chief's B from the start, its A (vacant until then) from Friday, both recorded now
    await feed.emit(
        "enterprise", "ent-1", NOW, assigned("chief-b", REGISTERED_AT, slot=Slot.B), assigned("chief-d", FRIDAY)
    )
    await projected(patrols, POLICE, FRIDAY, TierChiefs("chief-d", "chief-b"))
    await planned(patrols, TierChiefs(None, "chief-b"))

    patrols.clock.set(FRIDAY - timedelta(minutes=1))
    assert nothing_moved(await run_pass(patrols))
    assert await assignees(patrols, WEEKLY) == dict.fromkeys(WEEKLY, "chief-b")

    patrols.clock.set(FRIDAY)
    await passes_until(patrols, WEEKLY, "chief-d")


async def test_a_backdated_reassignment_moves_the_duties_at_once_while_one_dated_later_waits(
    feed: AssignmentFeed, patrols_by_hand: Patrols, nc: NATS
) -> None:
    patrols = patrols_by_hand
    await feed.register_with_chiefs()
    await planned(patrols, TierChiefs("chief-a", "chief-b"))
    await passes_until(patrols, INSPECTIONS, "station-a")
    backdated = (relieved("station-a", BACKDATED, STATION), assigned("station-c", BACKDATED, STATION))
    later = (relieved("chief-a", FRIDAY), assigned("chief-c", FRIDAY))
    await feed.emit("enterprise", "ent-1", NOW, *backdated, *later)
    await projected(patrols, POLICE, FRIDAY, TierChiefs("chief-c", "chief-b"))

    assert await tier_at(patrols, STATION, NOW) == TierChiefs("station-c", "station-b")
    assert await tier_at(patrols, POLICE, NOW) == TierChiefs("chief-a", "chief-b")
    await passes_until(patrols, INSPECTIONS, "station-c")
    assert await assignees(patrols, WEEKLY) == dict.fromkeys(WEEKLY, "chief-a")


INSTANTS = (REGISTERED_AT, BACKDATED, NOW, FRIDAY - timedelta(minutes=1), FRIDAY, FRIDAY + timedelta(days=30))
HISTORY = {
    # tier -> its holders at each of INSTANTS
    STATION: [("station-a", "station-b")] + [("station-c", "station-b")] * 5,
    POLICE: [("chief-a", "chief-b")] * 4 + [("chief-c", None)] * 2,
}


async def record_history(feed: AssignmentFeed, patrols: Patrols) -> None:
    """A backdated reassignment, a reassignment and a relief dated later, and a chief assigned from
    later who leaves before that day (a term that never holds)."""
    await feed.register_with_chiefs()
    await feed.emit(
        "enterprise",
        "ent-1",
        NOW,
        relieved("station-a", BACKDATED, STATION),
        assigned("station-c", BACKDATED, STATION),
        relieved("chief-a", FRIDAY),
        assigned("chief-c", FRIDAY),
        relieved("chief-b", FRIDAY, slot=Slot.B),
        assigned("chief-d", FRIDAY + timedelta(days=7), slot=Slot.B),
        relieved("chief-d", NOW + timedelta(hours=1), slot=Slot.B),
    )

    async def recorded() -> bool:
        return await history_of(patrols) == HISTORY

    await eventually(recorded, timeout=20)


async def history_of(patrols: Patrols) -> dict[ChiefTier, list[tuple[str | None, str | None]]]:
    found: dict[ChiefTier, list[tuple[str | None, str | None]]] = {STATION: [], POLICE: []}
    for at in INSTANTS:
        for tier, holders in found.items():
            chiefs = await tier_at(patrols, tier, at)
            holders.append((chiefs.a, chiefs.b))
    return found


async def test_a_rebuild_by_replay_answers_the_same_at_every_instant(
    feed: AssignmentFeed, patrols_by_hand: Patrols, nc: NATS
) -> None:
    patrols = patrols_by_hand
    await record_history(feed, patrols)

    result = await rebuild(patrols.runtime.pool, nc, PROJECTION)
    assert result.parked == 0
    assert await history_of(patrols) == HISTORY


OLD_SQL = """
CREATE TABLE IF NOT EXISTS enterprise (
    enterprise_id    text PRIMARY KEY,
    enterprise_class text NOT NULL,
    registered_on    date NOT NULL,
    status           text NOT NULL
);
CREATE TABLE IF NOT EXISTS chief (
    enterprise_id text NOT NULL,
    tier          text NOT NULL,
    slot          text NOT NULL,
    officer_id    text NOT NULL,
    PRIMARY KEY (enterprise_id, tier, slot)
);
CREATE TABLE IF NOT EXISTS absence (
    officer_id text NOT NULL,
    absence_id text NOT NULL,
    starts_at  timestamptz NOT NULL,
    ends_at    timestamptz NOT NULL,
    PRIMARY KEY (officer_id, absence_id)
);
"""
"""The tables of the release before dated terms: one holder per slot, changed when the event was recorded."""


async def test_a_deployment_with_the_undated_tables_is_rebuilt_at_start_with_the_dated_terms(
    feed: AssignmentFeed, service_env: ServiceEnv, nc: NATS
) -> None:
    base = await service_env.settings("patrols")
    settings = PatrolsSettings(**{**base.model_dump(), "cadence_poll_interval": 3600})
    clock = FixedClock(NOW)
    earlier = replace(PROJECTION, schema_sql=OLD_SQL)
    app = create_app(settings, clock, IDS.factory())
    async with running(app) as client:
        await record_history(feed, Patrols(client, clock, app.state.runtime))
        async with app.state.runtime.pool.acquire() as conn, conn.transaction():  # as the earlier release left it
            await conn.execute(f'DROP SCHEMA "{PROJECTION.schema}" CASCADE')
            await install(conn, earlier)
            await conn.execute(
                f"INSERT INTO \"{PROJECTION.schema}\".chief VALUES ('ent-1', 'police_chief', 'A', 'chief-c')"
            )
            await conn.execute(
                "UPDATE jz_meta.projection_schemas SET fingerprint = $2 WHERE projection = $1",
                PROJECTION.name,
                fingerprint(earlier),
            )

    restarted = create_app(settings, clock, IDS.factory())
    async with running(restarted) as client:
        assert await history_of(Patrols(client, clock, restarted.state.runtime)) == HISTORY
