"""Time-driven work under the demo's controlled clock: `PUT /clock` moves a service's time forward
and runs every periodic worker once at the new time before it answers; the clock never goes back;
without CLOCK_CONTROL there is no such route; only the bureau drives it."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from nats.aio.client import Client as NATS
from nats.js.api import ConsumerConfig, DeliverPolicy, StreamConfig

from jingzhang.shared.auth import Role
from jingzhang.shared.auth.revocations import RECORDED_BY
from jingzhang.shared.clock import ShiftedClock
from jingzhang.shared.clock_api import first_unsettled
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
        "assignment",
        "ticks",
        settings,
        workers=[Periodic("deadlines", 3600, tick)],
        clock=clock,  # type: ignore[arg-type]
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
        # whose events it applies: here only the revocations every service follows (see `revocations`)
        assert reading["follows"] == [RECORDED_BY]
        assert (await client.get("/clock", params={"quick": "true"})).json()["unsettled"] == 0


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


@dataclass(frozen=True)
class Consumer:
    source_service: str
    stream: str
    durable: str


async def test_a_quick_reading_answers_at_the_first_part_with_something_on_its_way(nc: NATS) -> None:
    js = nc.jetstream()
    stream = f"QUICK_{uuid.uuid4().hex[:8]}"
    await js.add_stream(StreamConfig(name=stream, subjects=[f"{stream.lower()}.>"]))
    try:
        for n in range(3):
            await js.publish(f"{stream.lower()}.e", str(n).encode())
        await js.add_consumer(stream, ConsumerConfig(durable_name="busy"))  # the 3 to deliver
        await js.add_consumer(stream, ConsumerConfig(durable_name="idle", deliver_policy=DeliverPolicy.NEW))
        busy, idle = Consumer("appeals", stream, "busy"), Consumer("appeals", stream, "idle")
        missing = Consumer("patrols", stream, "not-declared")  # unknown: not settled

        async def published() -> int:
            return 0

        async def behind() -> int:
            return 2

        assert await first_unsettled(published, js, [idle]) == 0
        assert await first_unsettled(published, js, [idle, busy]) == 3  # one source's partitions at once
        assert await first_unsettled(published, js, [missing, idle]) == 1
        # the relay's backlog first, then the sources in order: what comes after is not asked
        assert await first_unsettled(behind, js, [busy, missing]) == 2
        assert await first_unsettled(published, js, [missing, busy]) == 3
    finally:
        await js.delete_stream(stream)
