"""Feature: a chief relieved or assigned from a later date changes the service's reads at that date.

The events are recorded when the bureau decides (`ChiefRelieved`, `ChiefAssigned` and
`ActingChiefChanged` carry the date they take effect); until that date the acting chief, the notice
card, the officer's posts and the roster still read as before, and a read `at` a later instant (or
after the clock has passed the date) reads the change. Before, each read model applied a change when it
was recorded: a relief decided on Friday for Monday took the chief off the card on Friday.
"""

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from fastapi import FastAPI

from jingzhang.assignment.domain.events import Slot
from jingzhang.assignment.projections.duty_signals import DutySignals
from jingzhang.shared.clock import FixedClock

from ..unit.samples import ENTERPRISE_ID, OFFICERS, PC, SPARE_STATION_OFFICER, day
from .scenario import assign, getter, ok, staffed, until

PC_A, PC_B = OFFICERS[(PC, Slot.A)], OFFICERS[(PC, Slot.B)]
NEWCOMER = SPARE_STATION_OFFICER
OFFICE = {"office_id": "office-1", "online": True, "offline": True, "location": "厂区北门"}


def police_chief(card: dict[str, Any]) -> tuple[list[tuple[str, str]], str | None]:
    """The card's police-chief posts (slot, officer) and who answers the chief's 110 service point."""
    posted = [(c["slot"], c["person"]["officer_id"]) for c in card["chiefs"] if c["tier"] == "police_chief"]
    channel = next(c for c in card["channels"] if c["tier"] == "police_chief")
    return posted, channel["answered_by"]["officer_id"] if channel["answered_by"] else None


def posts(rows: list[dict[str, Any]] | None) -> list[tuple[str, str, str | None]]:
    return [(r["slot"], r["since"][:16], r["until"] and r["until"][:16]) for r in rows or []]


async def test_a_relief_and_an_assignment_from_later_dates_take_effect_at_those_dates(
    client: httpx.AsyncClient, clock: FixedClock
) -> None:
    await staffed(client, Slot.A, Slot.B)
    await ok(client.post(f"/enterprises/{ENTERPRISE_ID}/police-office", json=OFFICE), 201)
    acting = getter(client, f"/enterprises/{ENTERPRISE_ID}/acting", tier="police_chief")
    await until(acting, lambda rows: bool(rows) and rows[0]["officer_id"] == PC_A)
    clock.set(day(1))
    # decided on day 1: A leaves from day 2, the newcomer takes slot A from day 3
    relief = {"tier": "police_chief", "slot": Slot.A, "reason": "调整", "effective_from": day(2).isoformat()}
    await ok(client.post(f"/enterprises/{ENTERPRISE_ID}/chiefs/relieve", json=relief))
    await ok(assign(client, PC, Slot.A, NEWCOMER, day(3)))
    await until(acting, lambda rows: bool(rows) and len(rows[0]["upcoming"]) == 2)

    [now] = await acting()
    assert now["officer_id"] == PC_A
    assert [(c["officer_id"], c["effective_from"][:16]) for c in now["upcoming"]] == [
        (PC_B, day(2).isoformat()[:16]),
        (NEWCOMER, day(3).isoformat()[:16]),
    ]
    card = await ok(client.get(f"/enterprises/{ENTERPRISE_ID}/notice-card"))
    assert police_chief(card) == ([("A", PC_A), ("B", PC_B)], PC_A)
    assert posts(await ok_list(client, f"/officers/{PC_A}/enterprises")) == [
        ("A", day(0).isoformat()[:16], day(2).isoformat()[:16])
    ]
    assert await ok_list(client, f"/officers/{NEWCOMER}/enterprises") == []
    assert await chiefs_in_roster(client) == {PC_A, PC_B}

    # the same reads at a later instant, asked for ...
    between = {"at": day(2.5).isoformat()}
    [then] = (
        await client.get(f"/enterprises/{ENTERPRISE_ID}/acting", params={**between, "tier": "police_chief"})
    ).json()
    assert (then["officer_id"], [c["officer_id"] for c in then["upcoming"]]) == (PC_B, [NEWCOMER])
    card = await ok(client.get(f"/enterprises/{ENTERPRISE_ID}/notice-card", params=between))
    assert police_chief(card) == ([("B", PC_B)], PC_B)

    # ... and once the clock has passed the dates
    clock.set(day(2.5))
    assert await chiefs_in_roster(client) == {PC_B}
    assert await ok_list(client, f"/officers/{PC_A}/enterprises") == []
    clock.set(day(4))
    [later] = await acting()
    assert (later["officer_id"], later["upcoming"]) == (NEWCOMER, [])
    card = await ok(client.get(f"/enterprises/{ENTERPRISE_ID}/notice-card"))
    assert police_chief(card) == ([("A", NEWCOMER), ("B", PC_B)], NEWCOMER)
    assert await chiefs_in_roster(client) == {NEWCOMER, PC_B}
    assert posts(await ok_list(client, f"/officers/{NEWCOMER}/enterprises")) == [("A", day(3).isoformat()[:16], None)]


async def ok_list(client: httpx.AsyncClient, path: str) -> list[dict[str, Any]]:
    answered = await client.get(path)
    assert answered.status_code == 200, answered.text
    rows: list[dict[str, Any]] = answered.json()
    return rows


async def chiefs_in_roster(client: httpx.AsyncClient) -> set[str]:
    """The officers the roster lists as holding a police-chief post now."""
    page = await ok(client.get("/officers", params={"role": "police_chief"}))
    return {o["officer_id"] for o in page["officers"]}


async def test_an_absence_before_a_later_relief_hands_the_tier_to_b_and_back(
    client: httpx.AsyncClient, app: FastAPI, clock: FixedClock
) -> None:
    """The relief's change stands for its date while the absence before it is heeded: before, every check
    before the relief's date looked as of that date, so A stayed the acting chief while away."""
    await staffed(client, Slot.A, Slot.B)
    acting = getter(client, f"/enterprises/{ENTERPRISE_ID}/acting", tier="police_chief")
    await until(acting, lambda rows: bool(rows) and rows[0]["officer_id"] == PC_A)
    clock.set(day(1))
    relief = {"tier": "police_chief", "slot": Slot.A, "reason": "调整", "effective_from": day(5).isoformat()}
    await ok(client.post(f"/enterprises/{ENTERPRISE_ID}/chiefs/relieve", json=relief))
    leave = {"absence_id": "leave-a", "starts_at": day(2).isoformat(), "ends_at": day(3).isoformat()}
    await ok(client.post(f"/officers/{PC_A}/absences", json={**leave, "reason": "培训"}), 201)
    pool = app.state.runtime.pool

    async def boundaries_done() -> int:
        return int(await pool.fetchval("SELECT count(*) FROM proj_absence_boundaries.boundaries WHERE done"))

    await until(lambda: pool.fetchval("SELECT count(*) FROM proj_absence_boundaries.boundaries"), lambda n: n == 2)
    clock.set(day(2.1))
    await until(boundaries_done, lambda n: n == 1)
    away = await until(acting, lambda rows: bool(rows) and rows[0]["officer_id"] == PC_B)
    clock.set(day(3.1))
    await until(boundaries_done, lambda n: n == 2)
    back = await until(acting, lambda rows: bool(rows) and rows[0]["officer_id"] == PC_A)

    assert [(c["officer_id"], c["effective_from"][:16]) for c in away[0]["upcoming"]] == [
        (PC_B, day(5).isoformat()[:16])
    ]
    assert away[0]["effective_from"][:16] == day(2.1).isoformat()[:16]
    assert [(c["officer_id"], c["effective_from"][:16]) for c in back[0]["upcoming"]] == [
        (PC_B, day(5).isoformat()[:16])
    ]
    clock.set(day(5.1))
    [relieved] = await acting()
    assert (relieved["officer_id"], relieved["effective_from"][:16]) == (PC_B, day(5).isoformat()[:16])


async def test_a_chief_relieved_from_a_later_date_is_still_a_partner_until_then(
    client: httpx.AsyncClient, clock: FixedClock
) -> None:
    """Their absences still meet the A/B rule before the date (B away: A may not be away too), not after it."""
    await staffed(client, Slot.A, Slot.B)
    await until(getter(client, f"/officers/{PC_A}/enterprises"), bool)
    clock.set(day(1))
    relief = {"tier": "police_chief", "slot": Slot.A, "reason": "调整", "effective_from": day(5).isoformat()}
    await ok(client.post(f"/enterprises/{ENTERPRISE_ID}/chiefs/relieve", json=relief))
    await until(getter(client, f"/officers/{PC_A}/enterprises"), lambda rows: bool(rows) and rows[0]["until"])
    b_away = {"absence_id": "leave-b", "starts_at": day(2).isoformat(), "ends_at": day(7).isoformat()}
    await ok(client.post(f"/officers/{PC_B}/absences", json={**b_away, "reason": "年休"}), 201)

    a_away = {"absence_id": "leave-a", "starts_at": day(4).isoformat(), "ends_at": day(6).isoformat()}
    refused = await client.post(f"/officers/{PC_A}/absences", json={**a_away, "reason": "年休"})
    a_after = {"absence_id": "leave-a2", "starts_at": day(5).isoformat(), "ends_at": day(6).isoformat()}
    accepted = await client.post(f"/officers/{PC_A}/absences", json={**a_after, "reason": "年休"})

    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "double_absence"
    assert ENTERPRISE_ID in refused.json()["detail"]
    assert accepted.status_code == 201, accepted.text  # from day 5 A is no longer B's partner


async def test_coverage_changes_on_the_dates_the_terms_begin_and_end(
    client: httpx.AsyncClient, app: FastAPI, clock: FixedClock
) -> None:
    """A key enterprise's police chief tier without its B is short (AB角缺位) until the B assigned from a
    later date starts, and short again from the date its A is relieved; in between, nothing is due, so
    the acting worker finds nothing to settle (it would otherwise re-check the enterprise on every pass)."""
    await staffed(client, Slot.A)
    short = getter(client, "/coverage/shortfalls")

    def police_chief_short(found: dict[str, Any] | None) -> str | None:
        rows = [s for s in (found or {}).get("shortfalls", []) if s["tier"] == "police_chief"]
        return rows[0]["vacant"] if rows else None

    await until(short, lambda found: police_chief_short(found) == "B")
    clock.set(day(1))
    await ok(assign(client, PC, Slot.B, PC_B, day(3)))
    await until(acting_upcoming(client), lambda upcoming: upcoming == [])  # B changes nobody's acting
    await until(getter(client, f"/enterprises/{ENTERPRISE_ID}"), lambda f: f and len(f["history"]) == 4)
    signals = DutySignals(lambda: app.state.runtime.pool)

    assert police_chief_short(await short()) == "B"
    assert await signals.unsettled(day(1)) == []
    clock.set(day(3.1))
    await until(short, lambda found: police_chief_short(found) is None)

    relief = {"tier": "police_chief", "slot": Slot.A, "reason": "调整", "effective_from": day(5).isoformat()}
    await ok(client.post(f"/enterprises/{ENTERPRISE_ID}/chiefs/relieve", json=relief))
    await until(acting_upcoming(client), lambda upcoming: [c["officer_id"] for c in upcoming] == [PC_B])
    assert police_chief_short(await short()) is None
    assert await signals.unsettled(day(4)) == []
    clock.set(day(5.1))
    await until(short, lambda found: police_chief_short(found) == "A")


def acting_upcoming(client: httpx.AsyncClient) -> Callable[[], Awaitable[list[dict[str, Any]] | None]]:
    fetch = getter(client, f"/enterprises/{ENTERPRISE_ID}/acting", tier="police_chief")

    async def upcoming() -> list[dict[str, Any]] | None:
        rows = await fetch()
        return rows[0]["upcoming"] if rows else None

    return upcoming
