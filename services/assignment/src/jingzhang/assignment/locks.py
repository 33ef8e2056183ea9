"""Serialising decisions that read several officers' streams: the A/B double-absence check.

Declaring an absence reads the partners' absences and appends to the officer's own stream; two
partners declaring at once would each read the other as present. Both take the same per-officer
locks (sorted, so never in a deadlocking order) and append inside the transaction holding them.
"""

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import Protocol

import asyncpg

from jingzhang.shared.envelope import Envelope, Metadata, NewEvent, StreamId
from jingzhang.shared.store.memory import InMemoryEventStore
from jingzhang.shared.store.postgres import PostgresEventStore
from jingzhang.shared.store.protocol import EventStore


class OfficerLocks(Protocol):
    def hold(self, officer_ids: Iterable[str]) -> contextlib.AbstractAsyncContextManager[EventStore]:
        """Hold every officer's lock; the yielded store appends while they are held."""
        ...


def lock_key(officer_id: str) -> int:
    digest = hashlib.blake2b(f"assignment/officer/{officer_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class _TransactionStore:
    """Reads committed events, appends in the transaction that holds the locks."""

    def __init__(self, store: PostgresEventStore, conn: asyncpg.Connection) -> None:
        self.service = store.service
        self._store = store
        self._conn = conn

    async def append(self, stream: StreamId, expected_version: int, events: Sequence[NewEvent], meta: Metadata) -> int:
        return await self._store.append_in(self._conn, stream, expected_version, events, meta)

    async def read_stream(self, stream: StreamId) -> list[Envelope]:
        # Read after the locks are held: a partner's absence committed before we got them is visible.
        return await self._store.read_stream(stream)


class PostgresOfficerLocks:
    """`pg_advisory_xact_lock` per officer, released when the appending transaction ends.

    `store` gives the service's event store, which exists once the runtime has started. A holder keeps
    one pooled connection for its transaction and takes others from the same pool to read (and to seal
    personal data on append): so that holders can never take the whole pool and wait on each other for
    a connection, at most half the pool holds locks at once; the others wait their turn here."""

    def __init__(self, store: Callable[[], PostgresEventStore]) -> None:
        self._store = store
        self._turns: asyncio.Semaphore | None = None

    @contextlib.asynccontextmanager
    async def hold(self, officer_ids: Iterable[str]) -> AsyncIterator[EventStore]:
        store = self._store()
        if self._turns is None:
            self._turns = asyncio.Semaphore(max(1, store.pool.get_max_size() // 2))
        async with self._turns, store.pool.acquire() as conn, conn.transaction():
            for key in sorted({lock_key(o) for o in officer_ids}):
                await conn.execute("SELECT pg_advisory_xact_lock($1)", key)
            yield _TransactionStore(store, conn)


class MemoryOfficerLocks:
    """The same discipline for handler tests on `InMemoryEventStore`."""

    def __init__(self, store: InMemoryEventStore) -> None:
        self._store = store
        self._locks: dict[str, asyncio.Lock] = {}

    @contextlib.asynccontextmanager
    async def hold(self, officer_ids: Iterable[str]) -> AsyncIterator[EventStore]:
        async with contextlib.AsyncExitStack() as stack:
            for officer_id in sorted(set(officer_ids)):
                await stack.enter_async_context(self._locks.setdefault(officer_id, asyncio.Lock()))
            yield self._store
