"""Feature: a chief relieved from a later date is relieved at that date, whatever is checked before it.

The relief records who acts from its date when it is decided (`ActingChiefChanged` effective then, or
`NobodyActing` since then). The acting worker's passes before that date (an absence's boundary, a
signal it settles) leave that standing: before, a pass made in between handed the tier back to the
chief on their way out, who then stayed the acting chief after their relief, since nothing looks
again at a relief's date.
"""

from datetime import timedelta

import httpx
from fastapi import FastAPI

from jingzhang.assignment.domain.events import Slot
from jingzhang.shared.clock import FixedClock
from jingzhang.shared.envelope import StreamId

from ..unit.samples import ENTERPRISE_ID, OFFICERS, PC, day
from .scenario import getter, ok, staffed, until

PC_A, PC_B = OFFICERS[(PC, Slot.A)], OFFICERS[(PC, Slot.B)]


async def recorded_acting(app: FastAPI) -> list[tuple[str | None, str]]:
    """Every police-chief acting change of the enterprise, as its stream holds them: (officer, effective from)."""
    stream = await app.state.runtime.store.read_stream(StreamId("enterprise", ENTERPRISE_ID))
    return [
        (e.data["officer_id"], e.data["effective_from"][:16])
        for e in stream
        if e.event_type == "ActingChiefChanged" and e.data["tier"] == "police_chief"
    ]


async def test_an_absence_passing_before_a_later_relief_leaves_the_partner_acting_from_its_date(
    client: httpx.AsyncClient, app: FastAPI, clock: FixedClock
) -> None:
    await staffed(client, Slot.A, Slot.B)
    acting = getter(client, f"/enterprises/{ENTERPRISE_ID}/acting", tier="police_chief")
    await until(acting, lambda rows: bool(rows) and rows[0]["officer_id"] == PC_A)
    relief = {"tier": "police_chief", "slot": Slot.A, "reason": "调整", "effective_from": day(2).isoformat()}
    await ok(client.post(f"/enterprises/{ENTERPRISE_ID}/chiefs/relieve", json=relief))
    leave = {"absence_id": "brief", "starts_at": day(0.5).isoformat(), "ends_at": day(0.6).isoformat()}
    await ok(client.post(f"/officers/{PC_B}/absences", json={**leave, "reason": "培训"}), 201)
    pool = app.state.runtime.pool

    async def boundaries(done: bool) -> int:
        return int(await pool.fetchval("SELECT count(*) FROM proj_absence_boundaries.boundaries WHERE done = $1", done))

    await until(lambda: boundaries(False), lambda n: n == 2)  # B's absence starts and ends before A leaves
    clock.set(day(0.55))
    await until(lambda: boundaries(True), lambda n: n == 1)  # the worker re-checked at the start
    clock.set(day(0.65))
    await until(lambda: boundaries(True), lambda n: n == 2)  # and at the end
    clock.set(day(2) + timedelta(hours=1))

    assert (await recorded_acting(app))[-1] == (PC_B, day(2).isoformat()[:16])
    assert [officer for officer, _ in await recorded_acting(app)] == [PC_A, PC_B]
    await until(acting, lambda rows: bool(rows) and rows[0]["officer_id"] == PC_B)  # the read model follows
