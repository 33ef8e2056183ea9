"""Chiefs as of an instant, through real NATS and PostgreSQL: the assignment service dates each change
(`effective_from`), possibly ahead of its recording (a relief from next Monday) or behind it (an absence
declared late), and routing, the duty desk and `GET /enterprises/{id}/chiefs` follow the service's clock,
not the order the changes arrived in; the forum reactor decides as of the forum's record. The dated
history is rebuilt alike by replay, and a deployment of the undated tables is rebuilt at start."""

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from nats.aio.client import Client as NATS

from jingzhang.appeals import workers
from jingzhang.appeals.domain.routing import ChiefsSnapshot, TierChiefs
from jingzhang.appeals.domain.state import APPEAL
from jingzhang.appeals.domain.vocabulary import ChiefTier as Tier
from jingzhang.appeals.handlers import Deps
from jingzhang.appeals.projections import board, chiefs
from jingzhang.appeals.projections.chiefs import PostgresChiefs
from jingzhang.appeals.settings import AppealsSettings
from jingzhang.assignment.domain.events import ActingChiefChanged, ChiefAssigned, ChiefRelieved, ChiefTier, Slot
from jingzhang.patrols.domain.activity import collected_appeal_id
from jingzhang.shared.clock import FixedClock
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.migrations import fingerprint
from jingzhang.shared.projection import install
from jingzhang.shared.replay import rebuild

from ...conftest import ServiceEnv
from ...kernel.helpers import eventually
from ..unit.samples import DAY, ENTERPRISE, HOUR, LEADER_A, POLICE_A, POLICE_B, STATION_A, STATION_B, T0
from .conftest import Appeals, started
from .feeds import CHIEFS, Feed, enrol, feed, forum_held, register_enterprise, registered
from .samples import raise_body, types

POLICE = ChiefTier.POLICE_CHIEF
"""As the assignment service publishes it; `Tier` is ours, as the snapshot reads it."""
CHIEFS_PATH = f"/enterprises/{ENTERPRISE}/chiefs"


def assigned(tier: ChiefTier, slot: Slot, officer_id: str, at: datetime) -> ChiefAssigned:
    return ChiefAssigned(enterprise_id=ENTERPRISE, tier=tier, slot=slot, officer_id=officer_id, effective_from=at)


def relieved(tier: ChiefTier, slot: Slot, officer_id: str, at: datetime) -> ChiefRelieved:
    return ChiefRelieved(
        enterprise_id=ENTERPRISE, tier=tier, slot=slot, officer_id=officer_id, effective_from=at, reason="reassigned"
    )


def acting(tier: ChiefTier, officer_id: str | None, previous: str | None, at: datetime) -> ActingChiefChanged:
    return ActingChiefChanged(
        enterprise_id=ENTERPRISE,
        tier=tier,
        officer_id=officer_id,
        previous_officer_id=previous,
        reason="sync",
        effective_from=at,
    )


async def as_of(appeals: Appeals, at: datetime) -> ChiefsSnapshot | None:
    pool = appeals.app.state.runtime.pool
    return await PostgresChiefs(lambda: pool).snapshot(ENTERPRISE, at)


async def applied(appeals: Appeals, at: datetime, check: Callable[[ChiefsSnapshot], bool]) -> None:
    """The projection has taken in what `check` expects to hold at `at` (a future instant, so the API,
    which answers as of now, cannot tell)."""

    async def holds() -> bool:
        snapshot = await as_of(appeals, at)
        return snapshot is not None and check(snapshot)

    await eventually(holds, timeout=15)


async def holder(appeals: Appeals, appeal_id: str) -> dict[str, Any]:
    return await appeals.appeal_when(appeal_id, lambda v: v["officer_id"] is not None)


async def police_tier(appeals: Appeals) -> dict[str, Any] | None:
    tiers: list[dict[str, Any]] = await appeals.get(CHIEFS_PATH)
    return next((t for t in tiers if t["tier"] == POLICE), None)


def tier_view(a: str | None, b: str | None, acting_officer: str | None) -> dict[str, Any]:
    return {"tier": POLICE, "a_officer_id": a, "b_officer_id": b, "acting_officer_id": acting_officer}


async def test_a_relief_recorded_for_next_monday_leaves_the_chief_in_charge_until_monday(
    assignment: Feed, appeals: Appeals
) -> None:
    await register_enterprise(assignment, police_a_away=False)
    await appeals.chiefs_known(police_acting=POLICE_A)
    monday = T0 + 2 * DAY
    await assignment.write(
        "enterprise",
        ENTERPRISE,
        relieved(POLICE, Slot.A, POLICE_A, monday),
        acting(POLICE, POLICE_B, POLICE_A, monday),
    )
    await applied(appeals, monday, lambda s: s.tier(Tier.POLICE_CHIEF).acting_officer_id == POLICE_B)

    appeals.clock.advance(HOUR)
    await appeals.post("/appeals", raise_body("ap-before"), 201)
    assert (await holder(appeals, "ap-before"))["officer_id"] == POLICE_A
    assert await police_tier(appeals) == tier_view(POLICE_A, POLICE_B, POLICE_A)

    appeals.clock.set(monday)
    await appeals.post("/appeals", raise_body("ap-monday"), 201)
    on_monday = await holder(appeals, "ap-monday")
    assert on_monday["officer_id"] == POLICE_B
    assert POLICE_A not in on_monday["informed_officer_ids"]  # no longer a chief of the enterprise
    assert await police_tier(appeals) == tier_view(None, POLICE_B, POLICE_B)


async def test_an_acting_change_recorded_for_tomorrow_takes_effect_tomorrow(assignment: Feed, appeals: Appeals) -> None:
    await register_enterprise(assignment, police_a_away=False)
    await appeals.chiefs_known(police_acting=POLICE_A)
    tomorrow = T0 + DAY
    await assignment.write("enterprise", ENTERPRISE, acting(POLICE, POLICE_B, POLICE_A, tomorrow))  # A away from then
    await applied(appeals, tomorrow, lambda s: s.tier(Tier.POLICE_CHIEF).acting_officer_id == POLICE_B)

    await appeals.post("/appeals", raise_body("ap-today"), 201)
    assert (await holder(appeals, "ap-today"))["officer_id"] == POLICE_A

    appeals.clock.set(tomorrow)
    await appeals.post("/appeals", raise_body("ap-tomorrow"), 201)
    assert (await holder(appeals, "ap-tomorrow"))["officer_id"] == POLICE_B
    assert await police_tier(appeals) == tier_view(POLICE_A, POLICE_B, POLICE_B)


async def test_a_chief_assigned_from_a_later_date_gets_nothing_before_it(assignment: Feed, appeals: Appeals) -> None:
    for tier, officers in CHIEFS.items():
        for officer_id in officers:
            await enrol(assignment, officer_id, tier)
    later = T0 + DAY
    events: list[DomainEvent] = [registered()]
    for tier, (a, b) in CHIEFS.items():
        at = later if tier is POLICE else T0
        events += [assigned(tier, Slot.A, a, at), assigned(tier, Slot.B, b, at), acting(tier, a, None, at)]
    await assignment.write("enterprise", ENTERPRISE, *events)
    await applied(appeals, later, lambda s: s.tier(Tier.POLICE_CHIEF).acting_officer_id == POLICE_A)

    await appeals.post("/appeals", raise_body("ap-early"), 201)  # the police chief's channel
    early = await holder(appeals, "ap-early")
    assert early["officer_id"] == STATION_A  # nobody at the police tier yet: up one rung
    assert not {POLICE_A, POLICE_B} & set(early["informed_officer_ids"])
    assert await appeals.get(f"/officers/{POLICE_A}/queue") == []
    assert await police_tier(appeals) is None

    appeals.clock.set(later)
    await appeals.post("/appeals", raise_body("ap-later"), 201)
    assert (await holder(appeals, "ap-later"))["officer_id"] == POLICE_A
    assert await police_tier(appeals) == tier_view(POLICE_A, POLICE_B, POLICE_A)


async def test_an_absence_declared_late_applies_at_once_and_its_end_only_when_it_comes(
    assignment: Feed, appeals: Appeals
) -> None:
    await register_enterprise(assignment, police_a_away=False)
    await appeals.chiefs_known(police_acting=POLICE_A)
    appeals.clock.set(T0 + DAY)
    away_since, back_on = T0 + 12 * HOUR, T0 + 3 * DAY  # recorded a day late, and A is back in two days
    await assignment.write(
        "enterprise",
        ENTERPRISE,
        acting(POLICE, POLICE_B, POLICE_A, away_since),
        acting(POLICE, POLICE_A, POLICE_B, back_on),
    )

    async def b_acting_now() -> bool:
        return await police_tier(appeals) == tier_view(POLICE_A, POLICE_B, POLICE_B)

    await eventually(b_acting_now, timeout=15)
    await appeals.post("/appeals", raise_body("ap-away"), 201)
    assert (await holder(appeals, "ap-away"))["officer_id"] == POLICE_B

    appeals.clock.set(back_on)
    await appeals.post("/appeals", raise_body("ap-back"), 201)
    assert (await holder(appeals, "ap-back"))["officer_id"] == POLICE_A


async def test_a_forums_appeal_goes_to_the_chief_in_charge_when_patrols_recorded_the_forum(
    service_env: ServiceEnv, nc: NATS, assignment: Feed, appeals: Appeals
) -> None:
    await register_enterprise(assignment, police_a_away=False)
    await appeals.chiefs_known(police_acting=POLICE_A)
    tomorrow = T0 + DAY
    await assignment.write(
        "enterprise",
        ENTERPRISE,
        relieved(POLICE, Slot.A, POLICE_A, tomorrow),
        acting(POLICE, POLICE_B, POLICE_A, tomorrow),
    )
    await applied(appeals, tomorrow, lambda s: s.tier(Tier.POLICE_CHIEF).acting_officer_id == POLICE_B)
    appeals.clock.set(T0 + 2 * DAY)  # this service's clock has moved on; the reactor decides as of the record

    async with feed(service_env, nc, "patrols") as patrols:
        await patrols.write("activity", "forum-9", forum_held("forum-9", ["r1"]))  # recorded at T0
        raised = await holder(appeals, collected_appeal_id("forum-9", "r1"))

    # the routing itself, not who holds it now: at this service's clock (two days on) the deadline worker
    # may already have escalated the appeal one rung up, to the station chief
    routed = next(entry["data"] for entry in raised["history"] if "routed_at" in entry["data"])
    assert (routed["tier"], routed["officer_id"]) == ("police_chief", POLICE_A)
    assert routed["routed_at"] == "2026-03-02T09:00:00Z"


async def test_the_duty_desk_routes_a_held_appeal_only_once_someone_acts_as_of_now(
    assignment: Feed, appeals: Appeals
) -> None:
    for tier, officers in CHIEFS.items():
        for officer_id in officers:
            await enrol(assignment, officer_id, tier)
    await assignment.write("enterprise", ENTERPRISE, registered())  # no chief appointed yet

    async def enterprise_known() -> bool:
        return (await appeals.client.get(CHIEFS_PATH)).status_code == 200

    await eventually(enterprise_known, timeout=15)
    await appeals.post("/appeals", raise_body("ap-held"), 201)
    await appeals.appeal_when("ap-held", lambda v: v["held_reason"] == "no_acting_chief")

    starts = T0 + 12 * HOUR  # the chiefs are appointed now, from tonight (within the first answer's 24 h)
    appointed = []
    for tier, (a, b) in CHIEFS.items():
        appointed += [
            assigned(tier, Slot.A, a, starts),
            assigned(tier, Slot.B, b, starts),
            acting(tier, a, None, starts),
        ]
    await assignment.write("enterprise", ENTERPRISE, *appointed)
    await applied(appeals, starts, lambda s: s.tier(Tier.POLICE_CHIEF).acting_officer_id == POLICE_A)

    pool = appeals.app.state.runtime.pool
    assert await board.routable(pool, T0) == []
    assert await board.routable(pool, starts) == ["ap-held"]
    deps: Deps = appeals.app.state.provided[Deps]
    assert await workers.route_held(appeals.app.state.runtime, deps) == 0  # a pass now: nobody acts yet
    recorded = await appeals.app.state.runtime.store.read_stream(APPEAL.stream("ap-held"))
    assert [e.event_type for e in recorded] == ["AppealRaised", "AppealHeldAtDutyDesk"]

    appeals.clock.set(starts)  # the worker's next pass runs at the new time
    view = await appeals.appeal_when("ap-held", lambda v: v["officer_id"] is not None)
    assert types(view) == ["AppealRaised", "AppealHeldAtDutyDesk", "AppealRouted"]
    assert (view["officer_id"], view["history"][-1]["data"]["routed_at"]) == (POLICE_A, "2026-03-02T21:00:00Z")


async def test_rebuilt_from_the_events_the_projection_answers_the_same_at_every_instant(
    assignment: Feed, appeals: Appeals
) -> None:
    await register_enterprise(assignment, police_a_away=False)
    await appeals.chiefs_known(police_acting=POLICE_A)
    monday, later = T0 + 2 * DAY, T0 + 4 * DAY
    await assignment.write(
        "enterprise",
        ENTERPRISE,
        relieved(POLICE, Slot.A, POLICE_A, monday),
        acting(POLICE, POLICE_B, POLICE_A, monday),
        relieved(ChiefTier.STATION_CHIEF, Slot.B, STATION_B, later),
        acting(POLICE, None, POLICE_B, later),
        acting(POLICE, POLICE_B, None, later),  # the same instant again: the later recorded wins
    )
    instants = (T0, monday - HOUR, monday, later)
    expected = {
        T0: (TierChiefs(POLICE_A, POLICE_B, POLICE_A), TierChiefs(STATION_A, STATION_B, STATION_A)),
        monday - HOUR: (TierChiefs(POLICE_A, POLICE_B, POLICE_A), TierChiefs(STATION_A, STATION_B, STATION_A)),
        monday: (TierChiefs(None, POLICE_B, POLICE_B), TierChiefs(STATION_A, STATION_B, STATION_A)),
        later: (TierChiefs(None, POLICE_B, POLICE_B), TierChiefs(STATION_A, None, STATION_A)),
    }

    def police_and_station(s: ChiefsSnapshot | None) -> tuple[TierChiefs, TierChiefs] | None:
        return None if s is None else (s.tier(Tier.POLICE_CHIEF), s.tier(Tier.STATION_CHIEF))

    async def answers() -> dict[datetime, tuple[TierChiefs, TierChiefs] | None]:
        return {at: police_and_station(await as_of(appeals, at)) for at in instants}

    async def all_applied() -> bool:
        return await answers() == expected

    await eventually(all_applied, timeout=15)
    before = {at: await as_of(appeals, at) for at in instants}
    leaders = before[later]
    assert leaders is not None
    assert leaders.tier(Tier.BUREAU_LEADER).acting_officer_id == LEADER_A  # untouched tiers as they were

    nc: NATS = appeals.app.state.runtime.nc
    await rebuild(appeals.app.state.runtime.pool, nc, chiefs.PROJECTION)

    assert {at: await as_of(appeals, at) for at in instants} == before


OLD_SQL = """
CREATE TABLE IF NOT EXISTS enterprises (
    enterprise_id text PRIMARY KEY,
    name          text NOT NULL,
    status        text NOT NULL,
    registered_on date NOT NULL
);
CREATE TABLE IF NOT EXISTS chiefs (
    enterprise_id      text NOT NULL,
    tier               text NOT NULL,
    a_officer_id       text,
    b_officer_id       text,
    acting_officer_id  text,
    PRIMARY KEY (enterprise_id, tier)
);
"""
"""The tables of the release before dated history: one row per tier, overwritten as each change arrived."""


async def test_a_deployment_with_the_undated_tables_is_rebuilt_at_start_with_the_dated_history(
    assignment: Feed, config: AppealsSettings
) -> None:
    clock = FixedClock(T0)
    monday = T0 + 2 * DAY
    earlier = replace(chiefs.PROJECTION, schema_sql=OLD_SQL)
    async with started(config, clock) as first:
        await register_enterprise(assignment, police_a_away=False)
        await first.chiefs_known(police_acting=POLICE_A)
        await assignment.write(
            "enterprise",
            ENTERPRISE,
            relieved(POLICE, Slot.A, POLICE_A, monday),
            acting(POLICE, POLICE_B, POLICE_A, monday),
        )
        await applied(first, monday, lambda s: s.tier(Tier.POLICE_CHIEF).acting_officer_id == POLICE_B)
        async with first.app.state.runtime.pool.acquire() as conn, conn.transaction():  # as the earlier release left it
            await conn.execute(f'DROP SCHEMA "{chiefs.PROJECTION.schema}" CASCADE')
            await install(conn, earlier)
            await conn.execute(
                f"INSERT INTO \"{chiefs.PROJECTION.schema}\".enterprises VALUES ($1, '亚方', 'active', '2026-03-02')",
                ENTERPRISE,
            )
            await conn.execute(
                f"INSERT INTO \"{chiefs.PROJECTION.schema}\".chiefs VALUES ($1, 'police_chief', NULL, $2, $2)",
                ENTERPRISE,
                POLICE_B,
            )
            await conn.execute(
                "UPDATE jz_meta.projection_schemas SET fingerprint = $2 WHERE projection = $1",
                chiefs.PROJECTION.name,
                fingerprint(earlier),
            )

    async with started(config, clock) as second:  # rebuilt by replay before it serves
        assert await police_tier(second) == tier_view(POLICE_A, POLICE_B, POLICE_A)
        await second.post("/appeals", raise_body("ap-after-upgrade"), 201)
        assert (await holder(second, "ap-after-upgrade"))["officer_id"] == POLICE_A
        monday_view = await as_of(second, monday)
        assert monday_view is not None
        assert monday_view.tier(Tier.POLICE_CHIEF) == TierChiefs(None, POLICE_B, POLICE_B)
