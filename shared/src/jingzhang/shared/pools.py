"""The services' connection pool: asyncpg's, with one race in giving a connection back closed.

When PostgreSQL closes a connection (a restart, a fast shutdown, a terminated backend) asyncpg's cleanup
returns the connection's slot to the pool at once. If that cleanup runs in the moment between our
`release` (leaving `async with pool.acquire()`) and the release task it starts, that task finds its slot
already free and raises `InternalClientError` ("release() called on a free connection holder"): the work
inside the block may have committed, and the caller is told it failed with an error nobody can act on
(a chaos run saw a committed `POST /appeals` answered 500 this way). The slot is back in the pool either
way, so `Pool.release` here recognises exactly that case (its connection already detached by the cleanup)
and lets the block's own outcome stand.
"""

from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import structlog

log = structlog.get_logger(__name__)


class Pool(asyncpg.Pool):  # type: ignore[misc]  # asyncpg ships no types
    async def release(self, connection: Any, *, timeout: float | None = None) -> None:  # noqa: ASYNC109 asyncpg's signature
        try:
            await super().release(connection, timeout=timeout)
        except asyncpg.InternalClientError:
            if getattr(connection, "_con", True) is not None:  # still attached: not the race above
                raise
            log.info("pool.released_by_close", error="the connection closed while it was being released")


async def create(
    dsn: str,
    *,
    min_size: int,
    max_size: int,
    connect_timeout: float = 60.0,
    reset: Callable[[asyncpg.Connection], Awaitable[None]] | None = None,
) -> Pool:
    """`asyncpg.create_pool` with this module's `Pool` and asyncpg's own defaults for everything else."""
    pool = Pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        max_queries=50000,
        max_inactive_connection_lifetime=300.0,
        reset=reset,
        loop=None,
        connection_class=asyncpg.Connection,
        record_class=asyncpg.Record,
        timeout=connect_timeout,
    )
    await pool
    return pool
