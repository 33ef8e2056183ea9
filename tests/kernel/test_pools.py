"""The services' pool survives a connection that closes while it is being given back (`shared.pools`),
on a real PostgreSQL.

A chaos run saw it: PostgreSQL shutting down closed a connection just after an append committed on it;
asyncpg's cleanup returned the connection's slot to the pool between our release and the release task it
starts, that task raised `InternalClientError`, and a committed `POST /appeals` was answered 500. Here the
cleanup is run at exactly that moment: scheduled from inside the block, it runs as soon as the release
yields, which is what a lost connection's callback does when it is already queued.
"""

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from jingzhang.shared import pools


def _close_on_next_turn(conn: asyncpg.Connection) -> None:
    """The connection's cleanup runs on the loop's next turn, after the block has been left."""
    asyncio.get_running_loop().call_soon(conn.terminate)


async def _select_then_close(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await conn.fetchval("SELECT 1")
        _close_on_next_turn(conn)


@pytest.fixture
async def ours(database_url: str) -> AsyncIterator[pools.Pool]:
    pool = await pools.create(database_url, min_size=1, max_size=1)
    await pool.execute("CREATE TABLE IF NOT EXISTS committed (n int PRIMARY KEY)")
    yield pool
    await pool.close()


async def test_asyncpg_own_pool_raises_when_the_connection_closes_during_release(database_url: str) -> None:
    """The race this module exists for; when asyncpg closes it this test fails and `pools.Pool` can go."""
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=1)
    assert pool is not None
    try:
        with pytest.raises(asyncpg.InternalClientError, match="free connection holder"):
            await _select_then_close(pool)
    finally:
        pool.terminate()


async def test_work_that_committed_is_not_reported_failed_when_the_connection_closes_during_release(
    ours: pools.Pool,
) -> None:
    async with ours.acquire() as conn:
        await conn.execute("INSERT INTO committed VALUES (1)")
        _close_on_next_turn(conn)
    assert await ours.fetchval("SELECT count(*) FROM committed WHERE n = 1") == 1  # a new connection serves


async def test_an_error_inside_the_block_is_the_one_the_caller_sees(ours: pools.Pool) -> None:
    async def insert_close_and_fail() -> None:
        async with ours.acquire() as conn:
            await conn.execute("INSERT INTO committed VALUES (2)")
            _close_on_next_turn(conn)
            raise LookupError("the block's own failure")

    with pytest.raises(LookupError, match="the block's own failure"):
        await insert_close_and_fail()
    assert await ours.fetchval("SELECT count(*) FROM committed WHERE n = 2") == 1


async def test_releasing_a_connection_twice_is_still_harmless_and_a_foreign_one_still_refused(
    ours: pools.Pool, database_url: str
) -> None:
    conn = await ours.acquire()
    await ours.release(conn)
    await ours.release(conn)  # asyncpg: already released, nothing to do
    other = await asyncpg.connect(database_url)
    try:
        with pytest.raises(asyncpg.InterfaceError, match="not a member of this pool"):
            await ours.release(other)
    finally:
        await other.close()
