"""Feature: after a reassignment, "who was chief at D" is answered from the history for any past D."""

import httpx

from jingzhang.assignment.domain.events import Slot

from ..unit.samples import ENTERPRISE_ID, OFFICERS, PC, SPARE_STATION_OFFICER, day
from .scenario import assign, getter, ok, staffed, until

PC_A = OFFICERS[(PC, Slot.A)]


def police_chief_a(answer: dict[str, list[dict[str, str]]] | None) -> str | None:
    rows = (answer or {}).get("chiefs", [])
    return next((r["officer_id"] for r in rows if (r["tier"], r["slot"]) == ("police_chief", "A")), None)


async def test_a_reassignment_keeps_the_earlier_term_for_earlier_dates(client: httpx.AsyncClient) -> None:
    await staffed(client, Slot.A)
    await ok(assign(client, PC, Slot.A, SPARE_STATION_OFFICER, at=day(10)))
    chiefs = f"/enterprises/{ENTERPRISE_ID}/chiefs"
    await until(getter(client, chiefs, at=day(11).isoformat()), lambda a: police_chief_a(a) == SPARE_STATION_OFFICER)

    before = await until(getter(client, chiefs, at=day(-1).isoformat()), lambda a: a is not None)
    during = await until(getter(client, chiefs, at=day(5).isoformat()), lambda a: a is not None)
    at_change = await until(getter(client, chiefs, at=day(10).isoformat()), lambda a: a is not None)
    force = {"name": "雅纺专班", "leader_officer_id": SPARE_STATION_OFFICER}
    await ok(client.post(f"/enterprises/{ENTERPRISE_ID}/task-force", json=force), 201)
    await ok(
        client.post(f"/enterprises/{ENTERPRISE_ID}/task-force/members", json={"officer_id": PC_A, "role": "联络员"})
    )
    file = await until(
        getter(client, f"/enterprises/{ENTERPRISE_ID}"),
        lambda f: bool(f and f["task_force"] and f["task_force"]["members"]),
    )
    history = file["history"]

    assert police_chief_a(before) is None
    assert police_chief_a(during) == PC_A
    assert police_chief_a(at_change) == SPARE_STATION_OFFICER
    assert file["task_force"]["members"] == {PC_A: "联络员"}
    terms = [(t["officer_id"], t["relieved_reason"]) for t in history if t["tier"] == "police_chief"]
    assert terms == [(PC_A, "reassigned"), (SPARE_STATION_OFFICER, None)]
