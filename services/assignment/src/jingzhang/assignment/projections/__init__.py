"""The assignment service's read models, one module each, with its query class (a `Queries`).

The composition root builds the query objects before the runtime starts, so they hold a way to the
pool (`PoolSource`), not the pool, which exists once the runtime has started.
"""

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import ClassVar

import asyncpg

from jingzhang.shared.projection import Projection, use_schema

PoolSource = Callable[[], asyncpg.Pool]
"""The service's pool, asked for at each query."""


class Queries:
    """The queries of one projection (`projection`), over the service's pool."""

    projection: ClassVar[Projection]

    def __init__(self, pool: PoolSource) -> None:
        self._pool = pool

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[asyncpg.Connection]:
        """A connection whose unqualified table names are the projection's, in one read transaction."""
        async with self._pool().acquire() as conn, conn.transaction():
            await use_schema(conn, self.projection)
            yield conn
