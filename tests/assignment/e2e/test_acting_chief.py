"""Feature: A away -> B acts -> A returns, published as `ActingChiefChanged` on JetStream."""

from datetime import timedelta

import httpx
from nats.aio.client import Client as NATS

from jingzhang.assignment.domain.events import Slot
from jingzhang.shared.clock import FixedClock
from tests.kernel.helpers import read_stream_messages

from ..unit.samples import ENTERPRISE_ID, OFFICERS, PC, T0
from .scenario import getter, ok, staffed, until

PC_A, PC_B = OFFICERS[(PC, Slot.A)], OFFICERS[(PC, Slot.B)]


def acting_officer(rows: list[dict[str, object]] | None) -> object:
    return rows[0]["officer_id"] if rows else None


def answers(card: dict[str, list[dict[str, dict[str, str] | None]]] | None) -> str | None:
    """Who answers the police chief's 110 service point on the notice card."""
    channel = next(c for c in (card or {}).get("channels", []) if c["tier"] == "police_chief") if card else None
    person = channel["answered_by"] if channel else None
    return person["officer_id"] if person else None


async def test_b_acts_while_a_is_away_and_a_takes_over_when_the_absence_ends(
    client: httpx.AsyncClient, clock: FixedClock, nc: NATS
) -> None:
    await staffed(client, Slot.A, Slot.B)
    acting = getter(client, f"/enterprises/{ENTERPRISE_ID}/acting", tier="police_chief")
    await until(acting, lambda rows: acting_officer(rows) == PC_A)

    office = {"office_id": "office-1", "online": True, "offline": True, "location": "厂区北门"}
    await ok(client.post(f"/enterprises/{ENTERPRISE_ID}/police-office", json=office), 201)
    body = {"absence_id": "leave-1", "starts_at": T0.isoformat(), "ends_at": (T0 + timedelta(hours=2)).isoformat()}
    await ok(client.post(f"/officers/{PC_A}/absences", json={**body, "reason": "training"}), 201)
    away = await until(acting, lambda rows: acting_officer(rows) == PC_B)
    card = await until(getter(client, f"/enterprises/{ENTERPRISE_ID}/notice-card"), lambda c: answers(c) == PC_B)
    clock.advance(timedelta(hours=2))  # the worker notices the absence's end, from its boundaries
    back = await until(acting, lambda rows: acting_officer(rows) == PC_A)

    assert [(c["tier"], c["slot"]) for c in card["chiefs"]][-2:] == [("police_chief", "A"), ("police_chief", "B")]
    # the declaring request re-checks acting chiefs right after recording the absence; the worker may
    # notice the absence's start from its boundaries first: either way B acts, for that absence
    handed_over = {"absence leave-1 declared", "absence leave-1 started"}
    assert away[0]["reason"] in handed_over
    assert back[0]["reason"] == "absence leave-1 ended"
    published = [
        (env.data["officer_id"], env.data["reason"])
        for _, env in await read_stream_messages(nc, "assignment")
        if env.event_type == "ActingChiefChanged" and env.data["tier"] == "police_chief"
    ]
    assert [officer for officer, _ in published[-2:]] == [PC_B, PC_A]
    assert published[-2][1] in handed_over
    assert published[-1][1] == "absence leave-1 ended"
