"""The pool resets only connections that took session state (`shared.sessions`), on a real PostgreSQL."""

from collections.abc import AsyncIterator

import asyncpg
import pytest

from jingzhang.shared import sessions

LOCK = 424242


@pytest.fixture
async def one_connection(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=1, reset=sessions.reset)
    assert pool is not None
    yield pool
    await pool.close()


async def test_a_marked_connection_gives_back_its_session_locks_on_release(one_connection: asyncpg.Pool) -> None:
    async with one_connection.acquire() as conn:
        sessions.holds_session_state(conn)
        assert await conn.fetchval("SELECT pg_try_advisory_lock($1)", LOCK)
        await conn.execute("SET jz.probe = 'gone'")
    async with one_connection.acquire() as conn:  # the same connection, reset
        held = await conn.fetchval(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND pid = pg_backend_pid()", LOCK
        )
        assert held == 0
        assert await conn.fetchval("SELECT current_setting('jz.probe', true)") in (None, "")


async def test_an_unmarked_connection_is_given_back_without_a_reset_round_trip(one_connection: asyncpg.Pool) -> None:
    async with one_connection.acquire() as conn:
        await conn.execute("SET jz.probe = 'kept'")  # session state no code of ours takes unmarked
    async with one_connection.acquire() as conn:
        assert await conn.fetchval("SELECT current_setting('jz.probe', true)") == "kept"


async def test_an_open_transaction_is_rolled_back_on_release_all_the_same(one_connection: asyncpg.Pool) -> None:
    async with one_connection.acquire() as conn:
        await conn.execute("CREATE TABLE IF NOT EXISTS probe (n int)")
        tx = conn.transaction()
        await tx.start()
        await conn.execute("INSERT INTO probe VALUES (1)")
    async with one_connection.acquire() as conn:
        assert not conn.is_in_transaction()
        assert await conn.fetchval("SELECT count(*) FROM probe") == 0
