"""One partition (`PARTITIONS=1`): no partitioned copy; the projection consumers read the service stream
itself, one replica at a time runs each, and everything the copy gave (each event applied once, in its
aggregate's order; `caught_up`; rejected messages recorded once by their place in the stream) holds."""

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import nats
import pytest
from nats.aio.client import Client as NATS

from jingzhang.shared.consumer import GROUP, durable_name
from jingzhang.shared.durables import declared, stale
from jingzhang.shared.envelope import StreamId
from jingzhang.shared.local.nats import NatsServer
from jingzhang.shared.parking import list_rejected
from jingzhang.shared.runtime import Runtime, consumer_info, consumer_waiting
from jingzhang.shared.store.postgres import PostgresEventStore
from jingzhang.shared.streams import partitioned_stream_name, provision, stream_name
from jingzhang.shared.watermark import applied_through
from tests.conftest import EIGHT, ServiceEnv

from .helpers import eventually
from .projection_helpers import applied_counts
from .sample import AGGREGATE, SERVICE, meta, noted, tally
from .test_replicas import STREAMS, applied_by, applied_reaches, in_order_and_once, owned, write

ONE = 1


async def _stream_names(nc: NATS) -> set[str]:
    js = nc.jetstream()
    return {str(info.config.name) for info in await js.streams_info()}


@pytest.fixture
async def direct_nc(nats_server: NatsServer) -> AsyncIterator[NATS]:
    client = await nats.connect(nats_server.url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    await provision(client.jetstream(), (SERVICE,), partitions=ONE)
    yield client
    await client.close()


@pytest.fixture
async def pair(service_env: ServiceEnv, direct_nc: NATS) -> AsyncIterator[tuple[Runtime, Runtime, asyncpg.Pool]]:
    settings = await service_env.settings(SERVICE, consumer_batch=64, partitions=ONE)
    first, second = (Runtime(SERVICE, settings, [tally()]) for _ in range(2))
    await first.start()
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=STREAMS + 2)
    assert pool is not None
    try:
        yield first, second, pool
    finally:
        await pool.close()
        for runtime in (first, second):
            if hasattr(runtime, "pool"):  # started (the takeover test starts the second)
                await runtime.stop()


async def test_one_partition_has_no_copy_and_its_consumers_read_the_service_stream(
    pair: tuple[Runtime, Runtime, asyncpg.Pool], direct_nc: NATS
) -> None:
    first, _, pool = pair
    assert await _stream_names(direct_nc) == {stream_name(SERVICE)}
    store = PostgresEventStore(pool, SERVICE)
    await write(store, range(30))
    await eventually(applied_reaches(pool, STREAMS * 30), timeout=60)
    await in_order_and_once(pool, 30)

    (consumer,) = first.consumers
    assert consumer.stream == stream_name(SERVICE)
    assert consumer.durable == durable_name(SERVICE, GROUP, SERVICE)
    info = await direct_nc.jetstream().consumer_info(stream_name(SERVICE), consumer.durable)
    assert info.config.filter_subjects == [f"jz.{SERVICE}.evt.{AGGREGATE}.*.*"]
    assert (await first.ready())["partitions"] == "1/1 partitions owned"
    assert first.relay is not None
    assert first.relay.copy_watch is None, "no copy to watch"
    assert await first.caught_up(SERVICE), "no copy to wait for: the stream and the consumer tell"

    async def settled() -> bool:
        return await first.unsettled() == 0

    await eventually(settled, timeout=20)
    assert await _stream_names(direct_nc) == {stream_name(SERVICE)}, "nothing created a copy on the way"


async def test_with_one_partition_one_replica_runs_the_consumer_and_the_other_takes_over(
    pair: tuple[Runtime, Runtime, asyncpg.Pool],
) -> None:
    first, second, pool = pair
    await second.start()
    store = PostgresEventStore(pool, SERVICE)

    async def one_owner() -> bool:
        return owned(first) == 1 and owned(second) == 0

    await eventually(one_owner, timeout=20)
    await write(store, range(20))
    await eventually(applied_reaches(pool, STREAMS * 20), timeout=60)
    assert applied_by(second) == 0, "the standby applied nothing while the owner ran"

    writing = asyncio.create_task(write(store, range(20, 40)))  # the handover happens under traffic
    await first.stop()

    async def took_over() -> bool:
        return owned(second) == 1 and (await second.ready())["consumers"] is True

    await eventually(took_over, timeout=20)
    await writing
    await eventually(applied_reaches(pool, STREAMS * 40), timeout=60)
    await in_order_and_once(pool, 40)
    assert applied_by(second) > 0


async def test_a_rejected_message_is_recorded_once_by_its_place_in_the_service_stream(
    pair: tuple[Runtime, Runtime, asyncpg.Pool], direct_nc: NATS
) -> None:
    _, _, pool = pair
    ack = await direct_nc.jetstream().publish(f"jz.{SERVICE}.evt.{AGGREGATE}.bad.Noted", b"{not json")

    async def rejected() -> bool:
        return len(await list_rejected(pool, tally())) == 1

    await eventually(rejected, timeout=30)
    (message,) = await list_rejected(pool, tally())
    assert message.origin == f"{stream_name(SERVICE)}:{ack.seq}"


async def test_provisioning_one_partition_after_eight_names_the_unused_copy_and_the_other_layouts_durables(
    nats_server: NatsServer,
) -> None:
    client = await nats.connect(nats_server.url)
    try:
        js = client.jetstream()
        await provision(js, (SERVICE,), partitions=EIGHT)
        earlier = declared(SERVICE, [tally()], EIGHT)
        for durable in earlier:
            await js.add_consumer(durable.stream, durable_name=durable.name)
        lines = await provision(js, (SERVICE,), partitions=ONE)
        assert f"unused {partitioned_stream_name(SERVICE, EIGHT)} (this deployment has 1 partition(s))" in lines
        now = declared(SERVICE, [tally()], ONE)
        assert {str(d) for d in now} == {f"{stream_name(SERVICE)}/{SERVICE}__all__{SERVICE}"}
        assert len(earlier) == 8
        assert set(await stale(js, (SERVICE,), now)) == earlier, "the eight partitions' durables"
        for durable in now:
            await js.add_consumer(durable.stream, durable_name=durable.name)
        assert await stale(js, (SERVICE,), earlier) == sorted(now), "and the other way round"
    finally:
        await client.close()


async def test_a_consumer_busy_with_later_events_has_applied_through_an_earlier_point(
    pair: tuple[Runtime, Runtime, asyncpg.Pool], direct_nc: NATS
) -> None:
    """What `caught_up` asks of each consumer (`watermark.applied_through`): everything through the
    watermark's sequence applied, not an idle consumer, which steady traffic never leaves."""
    first, _, pool = pair
    store = PostgresEventStore(pool, SERVICE)
    js = direct_nc.jetstream()
    (consumer,) = first.consumers
    for n in range(5):
        await store.append(StreamId(AGGREGATE, f"early{n}"), 0, [noted(n)], meta())
    await eventually(applied_reaches(pool, 5), timeout=30)
    bound = int((await js.stream_info(stream_name(SERVICE))).state.last_seq)

    async with consumer.gate:  # the projection's transactions wait: later events are delivered, not acked
        for n in range(3):
            await store.append(StreamId(AGGREGATE, f"late{n}"), 0, [noted(n)], meta())

        async def in_flight() -> bool:
            info = await consumer_info(js, consumer)
            return info is not None and int(info.num_ack_pending or 0) > 0

        await eventually(in_flight, timeout=30)
        info = await consumer_info(js, consumer)
        assert info is not None
        assert await consumer_waiting(js, consumer) == 3, "not idle: the rule before would say not yet"
        assert applied_through(info, bound)
        assert not applied_through(info, int(info.delivered.stream_seq or 0))

    await eventually(applied_reaches(pool, 8), timeout=30)
    info = await consumer_info(js, consumer)
    assert info is not None
    assert applied_through(info, int((await js.stream_info(stream_name(SERVICE))).state.last_seq))


async def test_its_own_events_are_caught_up_by_its_own_relays_watermark_with_no_skew_to_wait_out(
    service_env: ServiceEnv, direct_nc: NATS
) -> None:
    """With a clock skew margin longer than the wait, a published watermark can never pass the moment
    of asking plus the margin in time; the relay leading in this process answers for its own events."""
    settings = await service_env.settings(SERVICE, partitions=ONE, clock_skew=5.0, subject_wait=1.0)
    runtime = Runtime(SERVICE, settings, [tally()])
    await runtime.start()
    try:
        store = PostgresEventStore(runtime.pool, SERVICE)
        await store.append(StreamId(AGGREGATE, "own"), 0, [noted(1)], meta())

        async def leading() -> bool:
            return runtime.relay is not None and runtime.relay.leading

        await eventually(leading, timeout=20)
        assert await runtime.caught_up(SERVICE)
        assert await applied_counts(runtime.pool, tally()) == (1, 1), "caught up means applied"
    finally:
        await runtime.stop()
