"""Republish: a lost stream is rebuilt from PostgreSQL, every event once, in order, idempotently."""

import asyncpg
import pytest
from nats.aio.client import Client as NATS

from jingzhang.shared.envelope import StreamId, encode
from jingzhang.shared.relay import Relay
from jingzhang.shared.republish import StreamDiverged, republish
from jingzhang.shared.store.postgres import PostgresEventStore
from jingzhang.shared.streams import stream_name
from jingzhang.shared.testing.sample import AGGREGATE, SERVICE, meta, noted

from ..kernel.helpers import install_store, read_stream_messages
from ..kernel.test_relay import all_event_ids, assert_exactly_once_in_order


@pytest.fixture
async def store(pool: asyncpg.Pool) -> PostgresEventStore:
    await install_store(pool)
    return PostgresEventStore(pool, SERVICE)


async def append_interleaved(store: PostgresEventStore, streams: int, per_stream: int) -> None:
    for n in range(per_stream):
        for s in range(streams):
            await store.append(StreamId(AGGREGATE, f"r{s}"), n, [noted(n)], meta())


class TestWhenTheStreamWasLost:
    async def test_republish_restores_every_event_once_in_version_order(
        self, store: PostgresEventStore, nc: NATS
    ) -> None:
        await append_interleaved(store, streams=7, per_stream=60)
        assert await Relay(store, nc).publish_pending() == 420
        await nc.jetstream().delete_stream(stream_name(SERVICE))

        result = await republish(store, nc, page=100, window=32)

        assert (result.created, result.already, result.published) == (True, 0, 420)
        assert_exactly_once_in_order(await read_stream_messages(nc, SERVICE), await all_event_ids(store.pool))

    async def test_running_it_again_publishes_nothing(self, store: PostgresEventStore, nc: NATS) -> None:
        await append_interleaved(store, streams=3, per_stream=20)
        await Relay(store, nc).publish_pending()
        await nc.jetstream().delete_stream(stream_name(SERVICE))
        await republish(store, nc)

        again = await republish(store, nc)

        assert (again.created, again.already, again.published) == (False, 60, 0)
        assert len(await read_stream_messages(nc, SERVICE)) == 60

    async def test_the_relay_does_not_publish_the_republished_events_again(
        self, store: PostgresEventStore, nc: NATS
    ) -> None:
        await append_interleaved(store, streams=2, per_stream=10)  # never relayed: republish is first
        await republish(store, nc)
        await store.append(StreamId(AGGREGATE, "r0"), 10, [noted(99)], meta())

        assert await Relay(store, nc).publish_pending() == 1
        assert_exactly_once_in_order(await read_stream_messages(nc, SERVICE), await all_event_ids(store.pool))


class TestWhenTheStreamHoldsPartOfTheEvents:
    async def test_only_the_missing_tail_is_published(self, store: PostgresEventStore, nc: NATS) -> None:
        await append_interleaved(store, streams=4, per_stream=10)
        await Relay(store, nc).publish_pending()
        await append_interleaved_more(store)
        # the relay is behind: its checkpoint still points at event 40

        result = await republish(store, nc, window=8)

        assert (result.already, result.published) == (40, 20)
        assert_exactly_once_in_order(await read_stream_messages(nc, SERVICE), await all_event_ids(store.pool))
        assert await Relay(store, nc).publish_pending() == 0

    async def test_a_later_version_ahead_of_a_missing_earlier_one_is_refused(
        self, store: PostgresEventStore, nc: NATS
    ) -> None:
        await append_interleaved(store, streams=1, per_stream=3)
        await nc.jetstream().delete_stream(stream_name(SERVICE))
        await republish(store, nc)
        stored = await store.read_stream(StreamId(AGGREGATE, "r0"))
        await nc.jetstream().purge_stream(stream_name(SERVICE))
        await nc.jetstream().publish(stored[2].subject, encode(stored[2]))

        with pytest.raises(StreamDiverged, match="up to version 3 but lacks version 1"):
            await republish(store, nc)


async def append_interleaved_more(store: PostgresEventStore) -> None:
    for n in range(10, 15):
        for s in range(4):
            await store.append(StreamId(AGGREGATE, f"r{s}"), n, [noted(n)], meta())
