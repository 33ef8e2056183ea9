"""The assignment service's read models, one module each; `reading` opens one for queries."""

import contextlib
from collections.abc import AsyncIterator

import asyncpg

from jingzhang.shared.projection import Projection, use_schema


@contextlib.asynccontextmanager
async def reading(pool: asyncpg.Pool, projection: Projection) -> AsyncIterator[asyncpg.Connection]:
    """A connection whose unqualified table names are `projection`'s, in one read transaction."""
    async with pool.acquire() as conn, conn.transaction():
        await use_schema(conn, projection)
        yield conn
