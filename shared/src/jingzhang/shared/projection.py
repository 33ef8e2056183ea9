"""Projections: read models rebuilt from events, each in its own PostgreSQL schema `proj_<name>`.

A projection declares its tables (DDL with unqualified names), the aggregates it follows and an
`apply(tx, envelope, payload)` function. It follows whole aggregates (never single event types), so
each stream's versions arrive contiguous and a gap means "out of order", never "filtered out".

`apply` runs with `search_path` set to the projection's schema, inside the transaction that also
records the checkpoint: the update and its checkpoint commit together or not at all. A live
projection and its replay into a shadow schema run the same code.

A *reactor* is a consumer whose `apply` records new events (`tx.append`) in the same transaction;
it is never replayed, because a replay must publish nothing.

A projection may also declare `apply_many(tx, events)`: the whole part of a batch that passed the
kernel's checks (in order; per stream contiguous and above its checkpoint), applied set-based, e.g.
one `INSERT … SELECT FROM unnest(…) ON CONFLICT` per table instead of a statement per event. The
applier calls it once per batch in its fast pass, live and in replay; when it fails, the batch is
applied again one event at a time (`apply`, each in a savepoint), so a failing event defers or parks
alone. Both must leave the same state; `each(apply_many)` makes the per-event `apply` of a
projection written only set-based.
"""

import hashlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import asyncpg

from jingzhang.shared.envelope import Envelope, Metadata, NewEvent, StreamId, aggregate_subjects, check_token
from jingzhang.shared.events import DomainEvent, EventRegistry
from jingzhang.shared.store.postgres import PostgresEventStore


@dataclass(frozen=True, slots=True)
class Source:
    """One aggregate type of one service's stream."""

    service: str
    aggregate_type: str

    @property
    def subject(self) -> str:
        return aggregate_subjects(self.service, self.aggregate_type)


class ReplayForbidsAppend(RuntimeError):
    """A replay rebuilds state only; it must never record or publish events."""


@dataclass(slots=True)
class Tx:
    """What an `apply` function works with: the open transaction, and (live only) the service's store."""

    conn: asyncpg.Connection
    store: PostgresEventStore | None
    replaying: bool = False

    async def append(self, stream: StreamId, expected_version: int, events: Sequence[NewEvent], meta: Metadata) -> int:
        if self.replaying or self.store is None:
            raise ReplayForbidsAppend(f"cannot append to {stream} while replaying")
        return await self.store.append_in(self.conn, stream, expected_version, events, meta)


Apply = Callable[[Tx, Envelope, DomainEvent], Awaitable[None]]
Applicable = tuple[Envelope, DomainEvent]
ApplyMany = Callable[[Tx, Sequence[Applicable]], Awaitable[None]]


def each(apply_many: ApplyMany) -> Apply:
    """The per-event `apply` of a projection written set-based: its `apply_many` with one event."""

    async def apply(tx: Tx, env: Envelope, payload: DomainEvent) -> None:
        await apply_many(tx, ((env, payload),))

    return apply


KERNEL_TABLES = """
CREATE TABLE IF NOT EXISTS _tracking (
    stream_key  text PRIMARY KEY,
    version     integer NOT NULL,
    event_id    uuid NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE TABLE IF NOT EXISTS _parked (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stream_key  text NOT NULL,
    version     integer NOT NULL,
    event_id    uuid,
    subject     text NOT NULL,
    body        bytea NOT NULL,
    error       text NOT NULL,
    parked_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    UNIQUE (stream_key, version)
);
CREATE TABLE IF NOT EXISTS _parked_streams (
    stream_key  text PRIMARY KEY,
    reason      text NOT NULL,
    parked_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE TABLE IF NOT EXISTS _rejected (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    origin      text UNIQUE,        -- '<stream>:<sequence>': a redelivered message is recorded once
    subject     text NOT NULL,
    size        integer NOT NULL,
    body        bytea,              -- NULL when over the size limit
    error       text NOT NULL,
    rejected_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE TABLE IF NOT EXISTS _failures (
    event_id    uuid PRIMARY KEY,
    attempts    integer NOT NULL,
    last_error  text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
"""


@dataclass(frozen=True)
class Projection:
    name: str
    schema_sql: str
    sources: tuple[Source, ...]
    registry: EventRegistry
    apply: Apply
    reactor: bool = False
    description: str = field(default="", compare=False)
    apply_many: ApplyMany | None = field(default=None, compare=False)
    """Set-based apply of a batch's applicable events (see the module's text); None: `apply` each."""

    def __post_init__(self) -> None:
        check_token(self.name, "projection name")
        if not self.sources:
            raise ValueError(f"projection {self.name} follows no source")

    @property
    def schema(self) -> str:
        return f"proj_{self.name}"

    @property
    def lock_key(self) -> int:
        """Advisory lock held by every transaction that writes this projection."""
        digest = hashlib.blake2b(self.schema.encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big", signed=True)

    def services(self) -> list[str]:
        return sorted({s.service for s in self.sources})

    def subjects_for(self, service: str) -> list[str]:
        return [s.subject for s in self.sources if s.service == service]


def stream_key(env: Envelope) -> str:
    return f"{env.service}/{env.stream.aggregate_type}/{env.stream.aggregate_id}"


BEGIN_APPLY = "jz_meta.begin_apply_v1"
"""Called first in every transaction that applies events: see `BEGIN_APPLY_SQL`. Versioned by name: a
kernel that needs another body creates `…_v2` beside it, so replicas of two releases can run at once."""

BEGIN_APPLY_SQL = """
CREATE SCHEMA IF NOT EXISTS jz_meta;
CREATE OR REPLACE FUNCTION jz_meta.begin_apply_v1(lock_key bigint, target text, keys text[])
RETURNS TABLE (stream_key text, version integer, parked boolean)
LANGUAGE plpgsql VOLATILE AS $fn$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    PERFORM set_config('search_path', format('%I, public', target), true);
    -- a query of its own, after the lock: a volatile function's query takes a fresh snapshot, so it sees
    -- what the lock's previous holder committed (one statement that locked and read would not)
    RETURN QUERY EXECUTE format(
        'SELECT t.stream_key, t.version, false FROM %1$I._tracking t WHERE t.stream_key = ANY($1)'
        ' UNION ALL SELECT p.stream_key, 0, true FROM %1$I._parked_streams p WHERE p.stream_key = ANY($1)',
        target
    ) USING keys;
END
$fn$;
"""
"""One round trip where there were two: the projection's advisory lock, its schema as the transaction's
search path, then each stream's applied version and whether it is parked."""

_FUNCTIONS_LOCK = 0x6A7A_6D65_7461_0001
"""Taken while the kernel's functions are created, so concurrent installs do not race to replace them."""


async def install_functions(conn: asyncpg.Connection) -> None:
    """Create the kernel's functions in `jz_meta` if missing (in the caller's transaction)."""
    present = "SELECT to_regnamespace('jz_meta') IS NOT NULL AND to_regprocedure($1) IS NOT NULL"
    signature = f"{BEGIN_APPLY}(bigint,text,text[])"
    if await conn.fetchval(present, signature):
        return
    await conn.execute("SELECT pg_advisory_xact_lock($1)", _FUNCTIONS_LOCK)
    if not await conn.fetchval(present, signature):
        await conn.execute(BEGIN_APPLY_SQL)


async def install(conn: asyncpg.Connection, projection: Projection, schema: str | None = None) -> None:
    """Create the projection's schema, its tables and the kernel's bookkeeping tables and functions
    (idempotent)."""
    target = schema or projection.schema
    async with conn.transaction():
        await install_functions(conn)
        await conn.execute("SELECT pg_advisory_xact_lock($1)", projection.lock_key)
        await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{target}"')
        await conn.execute(f'SET LOCAL search_path TO "{target}", public')
        await conn.execute(KERNEL_TABLES)
        await conn.execute(projection.schema_sql)


async def use_schema(conn: asyncpg.Connection, projection: Projection) -> None:
    """For queries: read the projection's tables by their unqualified names in this transaction."""
    await conn.execute(f'SET LOCAL search_path TO "{projection.schema}", public')
