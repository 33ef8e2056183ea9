"""Who read whose personal data, unmasked: the record PIPL asks a processor to keep of access to it.

When a response reveals a person's values in full (`reveal`: a name, a phone number the caller may
see unmasked; never a masked, hidden or erased one, nor the caller's own data), the middleware
records one row per person and response: when, who read (the actor and role), whose data (the
subject), which kinds, through which route, and why: the caller's `X-Purpose` header, by default the
route. Never the values themselves.

Rows go to the service's own database (`privacy.personal_reads`), batched off the request path: the
middleware only appends to a buffer that a background loop writes every half second (or at 500
rows). If the buffer is full (the database away for long), revealing fails closed: no unrecorded read.
"""

import asyncio
import contextlib
from collections.abc import Callable, Mapping, Set
from dataclasses import dataclass
from datetime import datetime

import asyncpg
import structlog

log = structlog.get_logger(__name__)

SCHEMA = "privacy"
FLUSH_SECONDS = 0.5
FLUSH_ROWS = 500
MAX_PENDING = 50_000
MAX_PURPOSE = 200

DDL = f"""
CREATE SCHEMA IF NOT EXISTS {SCHEMA};
CREATE TABLE IF NOT EXISTS {SCHEMA}.personal_reads (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    read_at  timestamptz NOT NULL,
    reader   text NOT NULL,   -- the actor: role:token subject
    role     text,
    subject  text NOT NULL,   -- whose data: officer/<id>, contact/<enterprise id>
    kinds    text[] NOT NULL, -- which kinds were shown unmasked: name, phone, ...
    route    text NOT NULL,   -- the method and route template: GET /officers/{{officer_id}}
    purpose  text NOT NULL    -- X-Purpose, or the route
);
CREATE INDEX IF NOT EXISTS personal_reads_by_subject ON {SCHEMA}.personal_reads (subject, id DESC);
CREATE INDEX IF NOT EXISTS personal_reads_by_reader ON {SCHEMA}.personal_reads (reader, id DESC);
"""


class ReadLogFull(RuntimeError):
    """More unrecorded reads are waiting than the buffer holds: reveal nothing until they are written."""


@dataclass(frozen=True, slots=True)
class PersonalRead:
    read_at: datetime
    reader: str
    role: str | None
    subject: str
    kinds: tuple[str, ...]
    route: str
    purpose: str


def reads_of(
    shown: Mapping[str, Set[str]], at: datetime, reader: str, role: str | None, route: str, purpose: str
) -> list[PersonalRead]:
    """One row per person whose data one response showed in full."""
    return [
        PersonalRead(at, reader, role, subject, tuple(sorted(kinds)), route, purpose)
        for subject, kinds in sorted(shown.items())
    ]


class ReadLog:
    """The buffer between the responses and the table, and the loop that empties it."""

    def __init__(self, max_pending: int = MAX_PENDING) -> None:
        self._pending: list[PersonalRead] = []
        self._max = max_pending
        self._wake = asyncio.Event()

    async def install(self, pool: asyncpg.Pool) -> None:
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(7231012)")  # replicas starting together
            await conn.execute(DDL)

    def record(self, reads: list[PersonalRead]) -> None:
        """Queue `reads` (no I/O); raises `ReadLogFull` rather than let a read go unrecorded."""
        if len(self._pending) + len(reads) > self._max:
            raise ReadLogFull(f"{len(self._pending)} personal-data reads are still waiting to be recorded")
        self._pending.extend(reads)
        if len(self._pending) >= FLUSH_ROWS:
            self._wake.set()

    @property
    def pending(self) -> int:
        return len(self._pending)

    async def flush(self, pool: asyncpg.Pool) -> int:
        """Write what is queued in one statement; on failure it stays queued for the next try."""
        batch, self._pending = self._pending, []
        if not batch:
            return 0
        try:
            await pool.execute(
                f"""INSERT INTO {SCHEMA}.personal_reads (read_at, reader, role, subject, kinds, route, purpose)
                    SELECT r.at, r.reader, r.role, r.subject, string_to_array(r.kinds, ','), r.route, r.purpose
                    FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                                $7::text[]) AS r(at, reader, role, subject, kinds, route, purpose)""",
                [r.read_at for r in batch],
                [r.reader for r in batch],
                [r.role for r in batch],
                [r.subject for r in batch],
                [",".join(r.kinds) for r in batch],
                [r.route for r in batch],
                [r.purpose for r in batch],
            )
        except BaseException:
            self._pending = batch + self._pending
            raise
        return len(batch)

    async def run(self, pool: Callable[[], asyncpg.Pool], stop: asyncio.Event) -> None:
        """Flush every half second (sooner when 500 wait) until `stop`, then once more."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), FLUSH_SECONDS)
            self._wake.clear()
            await self._flush_logged(pool())
        await self._flush_logged(pool())

    async def _flush_logged(self, pool: asyncpg.Pool) -> None:
        try:
            await self.flush(pool)
        except Exception as exc:  # the database away: the rows wait, and revealing stops when they fill up
            log.warning("privacy.reads_unrecorded", pending=self.pending, error=type(exc).__name__)


@dataclass(frozen=True, slots=True)
class ReadPage:
    reads: list[tuple[int, PersonalRead]]
    next: int | None


async def reads_page(
    pool: asyncpg.Pool, *, subject: str | None, reader: str | None, before: int | None, limit: int
) -> ReadPage:
    """Newest first; `before` is the `next` of the previous page."""
    rows = await pool.fetch(
        f"""SELECT id, read_at, reader, role, subject, kinds, route, purpose FROM {SCHEMA}.personal_reads
            WHERE ($1::text IS NULL OR subject = $1) AND ($2::text IS NULL OR reader = $2)
              AND ($3::bigint IS NULL OR id < $3)
            ORDER BY id DESC LIMIT $4""",
        subject,
        reader,
        before,
        limit + 1,
    )
    reads = [
        (
            r["id"],
            PersonalRead(
                r["read_at"], r["reader"], r["role"], r["subject"], tuple(r["kinds"]), r["route"], r["purpose"]
            ),
        )
        for r in rows[:limit]
    ]
    return ReadPage(reads, reads[-1][0] if len(rows) > limit else None)


def _read(row: asyncpg.Record) -> PersonalRead:
    r = row
    return PersonalRead(r["read_at"], r["reader"], r["role"], r["subject"], tuple(r["kinds"]), r["route"], r["purpose"])
