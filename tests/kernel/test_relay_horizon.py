"""The relay's horizon is its own database's: a transaction held open in another service's database
on the same server delays nobody else's events, while one in its own database still holds back
everything committed after it (commit order is never skipped)."""

from collections.abc import AsyncIterator

import asyncpg
import pytest

from jingzhang.shared.envelope import StreamId
from jingzhang.shared.local.postgres import EmbeddedPostgres, ensure_database, with_database
from jingzhang.shared.store.postgres import PostgresEventStore

from .helpers import install_store
from .sample import AGGREGATE, SERVICE, meta, noted


@pytest.fixture
async def store(pool: asyncpg.Pool) -> PostgresEventStore:
    await install_store(pool)
    return PostgresEventStore(pool, SERVICE)


@pytest.fixture
async def elsewhere(pg_server: EmbeddedPostgres, database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection to another database on the same server (another service's)."""
    name = database_url.rsplit("/", 1)[-1].split("?")[0] + "_other"
    await ensure_database(pg_server.url(), name)
    conn = await asyncpg.connect(with_database(pg_server.url(), name))
    yield conn
    await conn.close()


async def append(store: PostgresEventStore, aggregate_id: str, version: int, amount: int) -> None:
    await store.append(StreamId(AGGREGATE, aggregate_id), version, [noted(amount)], meta())


async def read_amounts(store: PostgresEventStore) -> list[int]:
    return [env.data["amount"] for _, env in await store.read_committed((0, 0), 100)]


async def test_a_transaction_held_open_in_another_database_delays_nothing(
    store: PostgresEventStore, elsewhere: asyncpg.Connection
) -> None:
    stuck = elsewhere.transaction()
    await stuck.start()
    try:
        await elsewhere.fetchval("SELECT pg_current_xact_id()")  # an xid older than every event below
        await append(store, "a", 0, 1)
        await append(store, "b", 0, 2)
        assert await read_amounts(store) == [1, 2]
    finally:
        await stuck.rollback()


async def test_a_transaction_held_open_in_its_own_database_still_holds_back_later_commits(
    store: PostgresEventStore,
) -> None:
    async with store.pool.acquire() as late:
        held = late.transaction()
        await held.start()
        await store.append_in(late, StreamId(AGGREGATE, "late"), 0, [noted(10)], meta())  # older xid, not committed
        await append(store, "early", 0, 20)  # a younger transaction commits first
        assert await read_amounts(store) == []
        await held.commit()
    assert await read_amounts(store) == [10, 20]  # commit-safe order: the older transaction first
