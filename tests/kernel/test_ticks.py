"""Time-driven work under the demo's controlled clock: `PUT /clock` moves a service's time forward
and runs every periodic worker once at the new time before it answers; the clock never goes back;
without CLOCK_CONTROL there is no such route; only the bureau drives it."""

from datetime import UTC, datetime, timedelta

from nats.aio.client import Client as NATS

from jingzhang.shared.auth import Role
from jingzhang.shared.clock import ShiftedClock
from jingzhang.shared.runtime import Runtime
from jingzhang.shared.service import ServiceSpec, build_app
from jingzhang.shared.ticks import Periodic
from tests.apps import running
from tests.auth import bearer
from tests.conftest import ServiceEnv

START = datetime(2025, 1, 1, 8, 0, tzinfo=UTC)


def app_with(settings: object, clock: ShiftedClock, seen: list[datetime]):  # type: ignore[no-untyped-def]
    async def tick(runtime: Runtime) -> int:
        seen.append(clock.now())
        return 1

    spec = ServiceSpec(
        "assignment", "ticks", settings, workers=[Periodic("deadlines", 3600, tick)], clock=clock  # type: ignore[arg-type]
    )
    return build_app(spec)


async def test_moving_the_clock_runs_each_worker_once_at_the_new_time(
    service_env: ServiceEnv, provisioned: NATS
) -> None:
    seen: list[datetime] = []
    clock = ShiftedClock(START)
    settings = await service_env.settings("assignment", clock_control=True, clock_start=START)
    async with running(app_with(settings, clock, seen)) as client:
        day = START + timedelta(days=40)
        moved = await client.put("/clock", json={"now": day.isoformat()})
        assert moved.status_code == 200, moved.text
        assert moved.json()["passes"] == {"deadlines": 1}
        assert day <= seen[-1] < day + timedelta(seconds=5)  # the pass ran at the new time
        reading = (await client.get("/clock")).json()
        assert datetime.fromisoformat(reading["now"]) >= day
        assert reading["unsettled"] == 0


async def test_the_clock_never_goes_back(service_env: ServiceEnv, provisioned: NATS) -> None:
    clock = ShiftedClock(START)
    settings = await service_env.settings("assignment", clock_control=True, clock_start=START)
    async with running(app_with(settings, clock, [])) as client:
        refused = await client.put("/clock", json={"now": (START - timedelta(days=1)).isoformat()})
        assert refused.status_code == 409
        assert refused.json()["field"] == "now"
        assert clock.now() < START + timedelta(minutes=1)
        naive = await client.put("/clock", json={"now": "2025-03-01T09:00:00"})
        assert naive.status_code == 422  # a time without its offset is ambiguous


async def test_only_the_bureau_drives_the_clock(service_env: ServiceEnv, provisioned: NATS) -> None:
    clock = ShiftedClock(START)
    settings = await service_env.settings("assignment", clock_control=True, clock_start=START)
    officer = bearer(Role.OFFICER, "off-1", officer_id="off-1")
    async with running(app_with(settings, clock, []), headers=officer) as client:
        refused = await client.put("/clock", json={"now": (START + timedelta(days=1)).isoformat()})
        assert refused.status_code == 403
        assert clock.now() < START + timedelta(minutes=1)


async def test_production_has_no_clock_route(service_env: ServiceEnv, provisioned: NATS) -> None:
    clock = ShiftedClock(START)
    settings = await service_env.settings("assignment", clock_start=START)
    async with running(app_with(settings, clock, [])) as client:
        assert (await client.put("/clock", json={"now": (START + timedelta(days=1)).isoformat()})).status_code == 404
        assert (await client.get("/clock")).status_code == 404


async def test_services_sharing_one_clock_may_each_be_asked_for_the_same_instant(
    service_env: ServiceEnv, provisioned: NATS
) -> None:
    clock = ShiftedClock(START)
    settings = await service_env.settings("assignment", clock_control=True, clock_start=START)
    async with running(app_with(settings, clock, [])) as client:
        day = (START + timedelta(days=2)).isoformat()
        assert (await client.put("/clock", json={"now": day})).status_code == 200
        again = await client.put("/clock", json={"now": day})  # a second service on the same clock
        assert again.status_code == 200, again.text
