"""Feature: a notified cache is off the moment its listening connection is lost, and says so.

When the server drops the listening session, asyncpg gives the connection back to its pool at once and
calls the cache's termination listener a moment later (`call_soon`). A read of `on` in between must say
"off", not fail: it is read on every command (a CI run failed one test with "cannot call
Connection.is_closed(): connection has been released back to the pool").
"""

import asyncio

import asyncpg

from jingzhang.shared.notified import NotifiedCache


async def test_a_dropped_listening_connection_reads_as_off_at_every_instant(pool: asyncpg.Pool) -> None:
    cache: NotifiedCache[str, int] = NotifiedCache("jz_test_notified", str, seconds=5.0, most=10, name="test")
    await cache.listen(pool)
    pid = cache.listener_pid
    assert pid is not None
    cache.put({"k": 1}, cache.generation)
    assert cache.get(["k"]) == ({"k": 1}, [])

    await pool.execute("SELECT pg_terminate_backend($1)", pid)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while cache.on:  # read at every turn of the loop, through the instant the connection goes back
        assert loop.time() < deadline, "the cache never noticed its connection was lost"
        await asyncio.sleep(0)
    await asyncio.sleep(0.05)  # the termination listener has run by now

    assert not cache.on
    assert cache.listener_pid is None
    assert cache.get(["k"]) == ({}, ["k"])  # off and emptied: every question goes to the database
    await cache.close()  # closing a cache whose connection was lost gives nothing back twice
