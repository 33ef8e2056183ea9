"""A deployment changing its partition count, on real servers: eight partitions (copies `JZ_<SERVICE>_P8`)
to the default of one and back. The services stop, `provision` runs with the new count (it names the other
layout's copy as unused and removes its durables), the services start with it. The new durables start
from the stream's first event; each projection skips what it applied before by its per-stream
checkpoints, so every event is applied once and in its aggregate's order, including those committed
while the services were stopped."""

from collections.abc import AsyncIterator

import asyncpg
import pytest
from nats.aio.client import Client as NATS

from jingzhang.shared.applier import Outcome
from jingzhang.shared.durables import declared, remove, stale
from jingzhang.shared.projection import Projection
from jingzhang.shared.runtime import Runtime
from jingzhang.shared.settings import ServiceSettings
from jingzhang.shared.store.postgres import PostgresEventStore
from jingzhang.shared.streams import partitioned_stream_name, provision
from tests.conftest import EIGHT, ServiceEnv

from .helpers import eventually
from .sample import SERVICE, tally
from .test_replicas import STREAMS, applied_reaches, in_order_and_once, write

ONE = 1


STARTED: list[Runtime] = []


@pytest.fixture
async def eight(service_env: ServiceEnv, partitioned_nc: NATS) -> AsyncIterator[tuple[ServiceSettings, asyncpg.Pool]]:
    settings = await service_env.settings(SERVICE, consumer_batch=64, partitions=EIGHT)
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=STREAMS + 2)
    assert pool is not None
    try:
        yield settings, pool
    finally:
        for runtime in STARTED:  # a failed test leaves none running
            await runtime.stop()
        STARTED.clear()
        await pool.close()


async def switch(nc: NATS, projections: list[Projection], partitions: int) -> tuple[list[str], list[str]]:
    """What an operator runs between stopping the services and starting them with the new count."""
    js = nc.jetstream()
    lines = await provision(js, (SERVICE,), partitions=partitions)
    removed = await remove(js, await stale(js, (SERVICE,), declared(SERVICE, projections, partitions)))
    return lines, sorted(str(d) for d in removed)


async def run_until(settings: ServiceSettings, pool: asyncpg.Pool, versions: range) -> Runtime:
    """Start a replica, write `versions` of every aggregate, wait until all written so far is applied."""
    runtime = Runtime(SERVICE, settings, [tally()])
    STARTED.append(runtime)
    await runtime.start()
    await write(PostgresEventStore(pool, SERVICE), versions)
    await eventually(applied_reaches(pool, STREAMS * versions.stop), timeout=60)
    return runtime


async def stop(runtime: Runtime) -> None:
    STARTED.remove(runtime)
    await runtime.stop()


def counted(runtime: Runtime, outcome: Outcome) -> int:
    return sum(c.outcomes[outcome] for c in runtime.consumers)


async def test_eight_partitions_to_one_and_back_applies_every_event_once_and_in_order(
    eight: tuple[ServiceSettings, asyncpg.Pool], partitioned_nc: NATS
) -> None:
    settings, pool = eight
    one = settings.model_copy(update={"partitions": ONE})
    store = PostgresEventStore(pool, SERVICE)
    before = await run_until(settings, pool, range(10))
    await stop(before)
    await write(store, range(10, 15))  # committed while no service runs: its relay publishes them later

    lines, removed = await switch(partitioned_nc, [tally()], ONE)

    assert f"unused {partitioned_stream_name(SERVICE, EIGHT)} (this deployment has 1 partition(s))" in lines
    assert removed == sorted(str(d) for d in declared(SERVICE, [tally()], EIGHT)), "the eight durables on the copy"
    direct = await run_until(one, pool, range(15, 25))
    await in_order_and_once(pool, 25)
    (consumer,) = direct.consumers

    async def went_through_the_stream() -> bool:  # from its first event: those applied before, skipped
        return counted(direct, Outcome.DUPLICATE) >= STREAMS * 10

    await eventually(went_through_the_stream, timeout=30)
    assert counted(direct, Outcome.APPLIED) == STREAMS * 15, "what the eight had not applied, and only that"
    await stop(direct)

    lines, removed = await switch(partitioned_nc, [tally()], EIGHT)  # and back: the copy is there still

    assert removed == [f"{consumer.stream}/{consumer.durable}"]
    again = await run_until(settings, pool, range(25, 30))
    await in_order_and_once(pool, 30)
    assert counted(again, Outcome.APPLIED) == STREAMS * 5
    await stop(again)
