"""Replay is resumable: an interrupted run leaves its shadow, the next one continues from there."""

import asyncpg
import pytest
from nats.aio.client import Client as NATS

from jingzhang.shared.envelope import StreamId
from jingzhang.shared.projection import install
from jingzhang.shared.relay import Relay
from jingzhang.shared.replay import rebuild
from jingzhang.shared.republish import purge, republish
from jingzhang.shared.store.postgres import PostgresEventStore
from jingzhang.shared.testing.sample import AGGREGATE, SERVICE, expected_digest, meta, noted, tally

from ..kernel.helpers import install_store
from ..kernel.projection_helpers import applied_counts, snapshot


class Interrupted(Exception):
    pass


def stop_after(events: int):  # type: ignore[no-untyped-def]
    def progress(read: int, pending: int) -> None:
        if read >= events:
            raise Interrupted(f"stopped after {read} events, {pending} pending")

    return progress


@pytest.fixture
async def store(pool: asyncpg.Pool, nc: NATS) -> PostgresEventStore:
    await install_store(pool)
    events = PostgresEventStore(pool, SERVICE)
    for s in range(5):
        await events.append(StreamId(AGGREGATE, f"p{s}"), 0, [noted(s * 100 + n) for n in range(100)], meta())
    await Relay(events, nc).publish_pending()
    async with pool.acquire() as conn:
        await install(conn, tally())
    return events


def expected() -> dict[str, tuple[int, int, int]]:
    return {f"p{s}": (expected_digest([s * 100 + n for n in range(100)]), 100, 100) for s in range(5)}


class TestWhenAReplayWasInterrupted:
    async def test_the_rerun_continues_and_ends_equal_to_a_full_replay(
        self, store: PostgresEventStore, nc: NATS
    ) -> None:
        projection = tally()
        with pytest.raises(Interrupted):
            await rebuild(store.pool, nc, projection, batch=50, progress=stop_after(200))
        assert await snapshot(store.pool, projection) == {}, "the live projection is untouched"

        resumed = await rebuild(store.pool, nc, projection, batch=50)

        assert resumed.resumed
        assert resumed.events == 300
        assert await snapshot(store.pool, projection) == expected()
        assert await applied_counts(store.pool, projection) == (500, 500)

    async def test_the_live_schema_does_not_keep_the_progress_table(self, store: PostgresEventStore, nc: NATS) -> None:
        projection = tally()
        with pytest.raises(Interrupted):
            await rebuild(store.pool, nc, projection, batch=50, progress=stop_after(100))
        await rebuild(store.pool, nc, projection, batch=50)

        table = await store.pool.fetchval("SELECT to_regclass($1)", f'"{projection.schema}"._replay_progress')

        assert table is None

    async def test_restart_starts_over(self, store: PostgresEventStore, nc: NATS) -> None:
        projection = tally()
        with pytest.raises(Interrupted):
            await rebuild(store.pool, nc, projection, batch=50, progress=stop_after(200))

        again = await rebuild(store.pool, nc, projection, batch=50, restart=True)

        assert (again.resumed, again.events) == (False, 500)
        assert await snapshot(store.pool, projection) == expected()

    async def test_a_stream_renumbered_since_makes_the_rerun_start_over(
        self, store: PostgresEventStore, nc: NATS
    ) -> None:
        projection = tally()
        with pytest.raises(Interrupted):
            await rebuild(store.pool, nc, projection, batch=50, progress=stop_after(200))
        await purge(nc, SERVICE)  # the stream is emptied and refilled: same events, new sequence numbers
        refilled = await republish(store, nc)
        assert refilled.published == 500
        assert (await nc.jetstream().stream_info("JZ_ASSIGNMENT")).state.messages == 500

        again = await rebuild(store.pool, nc, projection, batch=50)

        assert (again.resumed, again.events) == (False, 500)
        assert await snapshot(store.pool, projection) == expected()
        assert await applied_counts(store.pool, projection) == (500, 500)


class TestWhenNothingWasInterrupted:
    async def test_a_replay_reads_everything(self, store: PostgresEventStore, nc: NATS) -> None:
        result = await rebuild(store.pool, nc, tally(), batch=50)

        assert (result.resumed, result.events) == (False, 500)
        assert await snapshot(store.pool, tally()) == expected()
