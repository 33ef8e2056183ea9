"""The event store: optimistic concurrency and commit-safe reading order."""

import asyncio

import asyncpg
import pytest

from jingzhang.shared.envelope import StreamId
from jingzhang.shared.errors import ConcurrencyError
from jingzhang.shared.store.postgres import ORIGIN, PostgresEventStore

from .helpers import install_store
from .sample import AGGREGATE, SERVICE, meta, noted


@pytest.fixture
async def store(pool: asyncpg.Pool) -> PostgresEventStore:
    await install_store(pool)
    return PostgresEventStore(pool, SERVICE)


class TestAppend:
    async def test_versions_follow_each_other_and_metadata_is_kept(self, store: PostgresEventStore) -> None:
        stream = StreamId(AGGREGATE, "a1")
        m = meta("officer-7")
        assert await store.append(stream, 0, [noted(1), noted(2)], m) == 2
        assert await store.append(stream, 2, [noted(3)], m) == 3
        history = await store.read_stream(stream)
        assert [e.version for e in history] == [1, 2, 3]
        assert [e.data["amount"] for e in history] == [1, 2, 3]
        assert {e.actor for e in history} == {"officer-7"}
        assert {e.correlation_id for e in history} == {m.correlation_id}

    async def test_two_appends_at_the_same_expected_version_exactly_one_wins(self, store: PostgresEventStore) -> None:
        stream = StreamId(AGGREGATE, "race")
        await store.append(stream, 0, [noted(0)], meta())
        results = await asyncio.gather(
            *(store.append(stream, 1, [noted(i)], meta()) for i in range(8)), return_exceptions=True
        )
        winners = [r for r in results if r == 2]
        losers = [r for r in results if isinstance(r, ConcurrencyError)]
        assert len(winners) == 1
        assert len(losers) == 7
        assert [e.version for e in await store.read_stream(stream)] == [1, 2]

    async def test_a_stale_expected_version_names_the_actual_one(self, store: PostgresEventStore) -> None:
        stream = StreamId(AGGREGATE, "stale")
        await store.append(stream, 0, [noted(1), noted(2)], meta())
        with pytest.raises(ConcurrencyError) as caught:
            await store.append(stream, 1, [noted(3)], meta())
        assert caught.value.actual == 2
        assert "expected 1" in str(caught.value)

    @pytest.mark.parametrize("count", [1, 2], ids=["one event", "several events"])
    async def test_an_event_id_recorded_before_is_refused_as_such_and_nothing_is_written(
        self, store: PostgresEventStore, count: int
    ) -> None:
        first = noted(1)
        await store.append(StreamId(AGGREGATE, "first"), 0, [first], meta())
        again = [noted(i) for i in range(1, count)] + [first]  # the reused id last: nothing before it stays
        with pytest.raises(ValueError, match="event id already recorded"):
            await store.append(StreamId(AGGREGATE, "second"), 0, again, meta())
        assert await store.count() == 1

    async def test_an_empty_append_changes_nothing(self, store: PostgresEventStore) -> None:
        assert await store.append(StreamId(AGGREGATE, "none"), 0, [], meta()) == 0
        assert await store.count() == 0


class TestCommitOrder:
    async def test_an_event_committed_after_a_higher_position_is_not_skipped(
        self, store: PostgresEventStore, pool: asyncpg.Pool
    ) -> None:
        slow = await pool.acquire()
        try:
            tx = slow.transaction()
            await tx.start()
            await store.append_in(slow, StreamId(AGGREGATE, "slow"), 0, [noted(1)], meta())
            await store.append(StreamId(AGGREGATE, "fast"), 0, [noted(2)], meta())
            # The fast event has the higher position and is committed, but the slow transaction
            # holds a lower id: a reader must wait rather than read past it.
            assert await store.read_committed(ORIGIN, 100) == []
            await tx.commit()
        finally:
            await pool.release(slow)
        read = await store.read_committed(ORIGIN, 100)
        assert [e.stream.aggregate_id for _, e in read] == ["slow", "fast"]
        positions = [p for p, _ in read]
        assert positions == sorted(positions)
        assert await store.read_committed(positions[-1], 100) == []

    @pytest.mark.parametrize("count", [1, 2], ids=["one event", "several events"])  # two statements
    async def test_a_writer_holding_an_older_transaction_id_cannot_put_a_stream_out_of_order(
        self, store: PostgresEventStore, pool: asyncpg.Pool, count: int
    ) -> None:
        stream = StreamId(AGGREGATE, "ordered")
        early = await pool.acquire()
        try:
            tx = early.transaction()
            await tx.start()
            await store.append_in(early, StreamId(AGGREGATE, "other"), 0, [noted(9)], meta())  # takes its id now
            await store.append(stream, 0, [noted(1)], meta())  # a later transaction writes version 1
            with pytest.raises(ConcurrencyError):
                await store.append_in(early, stream, 1, [noted(i) for i in range(count)], meta())
            await tx.rollback()
        finally:
            await pool.release(early)
        # a fresh transaction succeeds
        assert await store.append(stream, 1, [noted(i) for i in range(count)], meta()) == 1 + count
        read = await store.read_committed(ORIGIN, 100)
        assert [(e.stream.aggregate_id, e.version) for _, e in read] == [("ordered", v) for v in range(1, 2 + count)]
