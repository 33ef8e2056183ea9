"""Who exists: every enterprise assignment registered and every officer it enrolled, with the business
day each began and when each ended (closure, retirement), so a report naming them can be checked.

Its own projection, apart from `assignments` (who answers for what, for the cadence): a new durable
consumer reads assignment's streams from their first event, so a service upgraded to it learns every
enterprise and officer already published without a replay. An event recorded before assignment
published business days has none: the day assignment recorded it stands in (the cross-service rule).
An enterprise's closure has no business time of its own: the instant it was recorded closes it.

A report's check asks this table on every command; what it answered is remembered (`SubjectsCache`)
while this process listens on `CHANNEL`. A row only ever changes by ending (a closure, a retirement:
`coalesce` keeps the first), and the transaction that ends one notifies every replica, so a remembered
row is forgotten when the end commits, wherever the partition was applied. An id the table does not
hold is never remembered (it may be registered a moment later), and with the listening connection lost
the cache is emptied and left off until it listens again.
"""

import asyncio
import time
from collections.abc import Callable, Collection

import asyncpg
import nats.errors
import structlog

from jingzhang.patrols.domain.common import local_date
from jingzhang.patrols.domain.subjects import Claim, Known, KnownEnterprise, KnownOfficer, SubjectKind
from jingzhang.patrols.upstream.assignment import (
    PRODUCER,
    READS,
    EnterpriseClosed,
    EnterpriseRegistered,
    OfficerEnrolled,
    OfficerRetired,
)
from jingzhang.shared.envelope import Envelope
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.notified import NotifiedCache
from jingzhang.shared.projection import Projection, Source, Tx
from jingzhang.shared.subjects import CaughtUp

log = structlog.get_logger(__name__)

CHANNEL = "jz_patrols_subject_ended"
"""Where the projection announces, in the transaction that records it, that an enterprise closed or an
officer retired (payload `enterprise:<id>` or `officer:<id>`), to every process remembering subjects."""
MOST = 50_000
"""How many subjects are remembered; the oldest is forgotten first."""
SECONDS = 30.0
"""How long a row is taken from memory: a bound should a notice ever go astray while listening (a replica
of an older build applying an end without notifying, during a rolling upgrade)."""
POLL_SECONDS = 0.25
"""How often the listening task looks whether its pool is closing (it must give the connection back)."""
RETRY_SECONDS = 5.0
"""After a lost listening connection, how long until the next attempt to listen again."""
_clock = time.monotonic

SQL = """
CREATE TABLE IF NOT EXISTS enterprise (
    enterprise_id text PRIMARY KEY,
    registered_on date NOT NULL,
    closed_at     timestamptz
);
CREATE TABLE IF NOT EXISTS officer (
    officer_id  text PRIMARY KEY,
    enrolled_on date NOT NULL,
    retired_at  timestamptz
);
"""


async def apply(tx: Tx, env: Envelope, payload: DomainEvent) -> None:
    match payload:
        case EnterpriseRegistered():
            await tx.conn.execute(
                "INSERT INTO enterprise VALUES ($1, $2, NULL) ON CONFLICT (enterprise_id) DO NOTHING",
                payload.enterprise_id,
                payload.registered_on or local_date(env.occurred_at),
            )
        case EnterpriseClosed():
            await tx.conn.execute(
                "UPDATE enterprise SET closed_at = coalesce(closed_at, $2) WHERE enterprise_id = $1",
                payload.enterprise_id,
                env.occurred_at,
            )
            await _ended(tx, SubjectKind.ENTERPRISE, payload.enterprise_id)
        case OfficerEnrolled():
            await tx.conn.execute(
                "INSERT INTO officer VALUES ($1, $2, NULL) ON CONFLICT (officer_id) DO NOTHING",
                payload.officer_id,
                payload.enrolled_on or local_date(env.occurred_at),
            )
        case OfficerRetired():
            await tx.conn.execute(
                "UPDATE officer SET retired_at = coalesce(retired_at, $2) WHERE officer_id = $1",
                payload.officer_id,
                payload.effective_from,
            )
            await _ended(tx, SubjectKind.OFFICER, payload.officer_id)
        case _:
            return


async def _ended(tx: Tx, kind: SubjectKind, ident: str) -> None:
    """Every listening replica forgets the subject when this transaction commits (not before: a cache
    refilled in between reads the row as it was, and is told again by the commit)."""
    await tx.conn.execute("SELECT pg_notify($1, $2)", CHANNEL, f"{kind.value}:{ident}")


PROJECTION = Projection(
    name="patrols_subjects",
    schema_sql=SQL,
    sources=(Source(PRODUCER, "enterprise"), Source(PRODUCER, "officer")),
    registry=READS,
    apply=apply,
    description="Every registered enterprise and enrolled officer, with the days they began and ended",
)


_KNOWN = f"""
SELECT true AS enterprise, enterprise_id AS id, registered_on AS began_on, closed_at AS ended_at
FROM "{PROJECTION.schema}".enterprise WHERE enterprise_id = any($1::text[])
UNION ALL
SELECT false, officer_id, enrolled_on, retired_at FROM "{PROJECTION.schema}".officer WHERE officer_id = any($2::text[])
"""


Remembered = KnownEnterprise | KnownOfficer


def _key(row: Remembered) -> tuple[SubjectKind, str]:
    if isinstance(row, KnownEnterprise):
        return SubjectKind.ENTERPRISE, row.enterprise_id
    return SubjectKind.OFFICER, row.officer_id


class SubjectsCache(NotifiedCache[tuple[SubjectKind, str], Remembered]):
    """(kind, id) -> the row the table held, for `PostgresSubjects`; on only while listening on `CHANNEL`
    (see `jingzhang.shared.notified`)."""

    def __init__(self, most: int = MOST) -> None:
        super().__init__(CHANNEL, _subject_of, seconds=SECONDS, most=most, name="subjects", clock=lambda: _clock())
        self.task: asyncio.Task[None] | None = None
        """The task keeping it listening (`keep_listening`), once started."""

    def rows(self, kind: SubjectKind, idents: Collection[str]) -> tuple[list[Remembered], list[str]]:
        """What is remembered of `idents`, and the ones to ask the table for."""
        found, missing = self.get([(kind, ident) for ident in idents])
        return list(found.values()), [ident for _, ident in missing]

    def keep(self, rows: Collection[Remembered], generation: int) -> None:
        """Remember rows the table answered, if nothing ended (nor listening changed) since it was asked."""
        self.put({_key(row): row for row in rows}, generation)

    async def keep_listening(self, pool: Callable[[], asyncpg.Pool]) -> None:
        """Listen, and listen again after a lost connection (at most once per `RETRY_SECONDS`), until the
        pool closes: then give its connection back (closing waits for every connection to return)."""
        loop = asyncio.get_running_loop()
        tried = -RETRY_SECONDS
        try:
            while not pool().is_closing():
                if not self.on and loop.time() - tried >= RETRY_SECONDS:
                    tried = loop.time()
                    try:
                        await asyncio.wait_for(self.listen(pool()), RETRY_SECONDS)
                    except Exception as exc:  # the table answers (or fails) without the cache
                        log.warning("subjects.cache_off", error=repr(exc))
                await asyncio.sleep(POLL_SECONDS)
        finally:
            await self.close()


def _subject_of(notice: str) -> tuple[SubjectKind, str] | None:
    """`enterprise:<id>` or `officer:<id>`; None for a notice this build does not read."""
    kind, _, ident = notice.partition(":")
    try:
        return SubjectKind(kind), ident
    except ValueError:
        return None


_SHARED: dict[int, tuple[asyncpg.Pool, SubjectsCache]] = {}
"""One cache per pool, so one listening connection per process however many `PostgresSubjects` there are
(the routes' and the cadence worker's); dropped when its pool closes."""


def _shared_cache(pool: asyncpg.Pool) -> SubjectsCache:
    entry = _SHARED.get(id(pool))
    if entry is not None and entry[0] is pool:
        return entry[1]
    cache = SubjectsCache()
    _SHARED[id(pool)] = (pool, cache)

    async def listen() -> None:
        try:
            await cache.keep_listening(lambda: pool)
        finally:
            if _SHARED.get(id(pool), (None, None))[1] is cache:
                del _SHARED[id(pool)]

    cache.task = asyncio.create_task(listen(), name="subjects cache")
    return cache


class PostgresSubjects:
    """What this projection knows of the subjects a report names, and whether it has seen all there is.

    Rows read are remembered in the pool's `SubjectsCache`, listening from the first question on."""

    def __init__(self, pool: Callable[[], asyncpg.Pool], caught_up: CaughtUp) -> None:
        self._pool = pool
        self._caught_up = caught_up

    @property
    def cache(self) -> SubjectsCache | None:
        """The pool's cache, once a question started it."""
        entry = _SHARED.get(id(self._pool()))
        return entry[1] if entry is not None and entry[0] is self._pool() else None

    async def known(self, claim: Claim) -> Known:
        """From memory when every subject is remembered; else one statement for the rest (a request's
        check ran five: a transaction, its search path and a query per kind; the tables are named with
        their schema instead)."""
        pool = self._pool()
        cache = _shared_cache(pool)
        enterprises, asked_enterprises = cache.rows(SubjectKind.ENTERPRISE, claim.idents(SubjectKind.ENTERPRISE))
        officers, asked_officers = cache.rows(SubjectKind.OFFICER, claim.idents(SubjectKind.OFFICER))
        if asked_enterprises or asked_officers:
            generation = cache.generation
            rows = await pool.fetch(_KNOWN, asked_enterprises, asked_officers)
            read: list[Remembered] = [
                KnownEnterprise(r["id"], r["began_on"], r["ended_at"])
                if r["enterprise"]
                else KnownOfficer(r["id"], r["began_on"], r["ended_at"])
                for r in rows
            ]
            cache.keep(read, generation)
            enterprises += [r for r in read if isinstance(r, KnownEnterprise)]
            officers += [r for r in read if isinstance(r, KnownOfficer)]
        return Known(
            {e.enterprise_id: e for e in enterprises if isinstance(e, KnownEnterprise)},
            {o.officer_id: o for o in officers if isinstance(o, KnownOfficer)},
        )

    async def caught_up(self, producer: str) -> bool:
        """False also when JetStream cannot tell (a consumer not created yet, the server away): an id
        missing then may merely be late, and the caller is told to retry rather than that nobody has it."""
        try:
            return await self._caught_up(producer)
        except (nats.errors.Error, TimeoutError) as exc:
            log.info("subjects.caught_up_unknown", producer=producer, error=repr(exc))
            return False
