"""Feature: the acting worker is a kernel `Periodic` on the service's clock. Under the demo's controlled
clock, `PUT /clock` runs it once at the new time (an absence that began hands the tier to B at once), and
a restarted service reads no earlier than what it recorded."""

from datetime import datetime, timedelta

import httpx
from nats.aio.client import Client as NATS

from jingzhang.assignment.bootstrap import create_app
from jingzhang.assignment.domain.events import Slot
from jingzhang.assignment.settings import AssignmentSettings
from jingzhang.shared.clock import ShiftedClock
from tests.apps import running
from tests.conftest import ServiceEnv

from ..unit.samples import ENTERPRISE_ID, OFFICERS, PC, T0, day
from .scenario import getter, ok, staffed, until

PC_A, PC_B = OFFICERS[(PC, Slot.A)], OFFICERS[(PC, Slot.B)]


async def move(client: httpx.AsyncClient, to: datetime) -> dict[str, int]:
    moved = await client.put("/clock", json={"now": to.isoformat()})
    assert moved.status_code == 200, moved.text
    passes: dict[str, int] = moved.json()["passes"]
    return passes


def acting_is(officer_id: str):  # type: ignore[no-untyped-def]
    return lambda rows: bool(rows) and rows[0]["officer_id"] == officer_id


async def test_moving_the_clock_runs_the_acting_pass_and_a_restart_never_goes_back(
    service_env: ServiceEnv, nc: NATS
) -> None:
    base = await service_env.settings("assignment", clock_control=True, clock_start=T0)
    settings = AssignmentSettings.of(base).model_copy(update={"acting_poll_interval": 3600.0})  # only PUT /clock
    app = create_app(settings, ShiftedClock(T0))
    async with running(app) as client:
        await staffed(client, Slot.A, Slot.B)
        acting = getter(client, f"/enterprises/{ENTERPRISE_ID}/acting", tier="police_chief")
        await until(acting, acting_is(PC_A))
        leave = {
            "absence_id": "leave-1",
            "starts_at": day(1).isoformat(),
            "ends_at": day(2).isoformat(),
            "reason": "年休",
        }
        await ok(client.post(f"/officers/{PC_A}/absences", json=leave), 201)
        await until(getter(client, f"/officers/{PC_A}"), lambda o: o is not None and o["absences"])

        async def boundary_known() -> bool:
            pool = app.state.runtime.pool
            found = await pool.fetchval("SELECT count(*) FROM proj_absence_boundaries.boundaries")
            return bool(found)

        await until(boundary_known, bool)
        passes = await move(client, day(1) + timedelta(hours=1))
        await until(acting, acting_is(PC_B))  # recorded by that pass: the read model follows
        recorded_until = (await client.get("/clock")).json()["now"]

    assert passes == {"assignment.acting": 1}  # the absence's start, handled at the new time
    async with running(create_app(settings, ShiftedClock(T0))) as restarted:
        now = datetime.fromisoformat((await restarted.get("/clock")).json()["now"])
    assert now >= day(1) + timedelta(hours=1)
    assert datetime.fromisoformat(recorded_until) >= day(1)
