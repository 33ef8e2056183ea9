"""The subjects check from memory (`projections.subjects.SubjectsCache`), on a real PostgreSQL.

Two replicas' `PostgresSubjects` share one database. What the table answered is remembered only while
a replica listens; an end (a closure, a retirement) applied by any replica's projection is forgotten
everywhere when its transaction commits; an id the table lacks is never remembered; a lost listening
connection empties the cache and leaves it off until it listens again; closing the pool gives the
listening connection back."""

import asyncio
import time
import uuid
from datetime import date, datetime
from typing import Any

import asyncpg
import pytest

from jingzhang.patrols.domain.common import ZONE_TZ
from jingzhang.patrols.domain.subjects import Claim, Known, KnownEnterprise, Mention, SubjectKind
from jingzhang.patrols.projections import subjects
from jingzhang.patrols.projections.subjects import PROJECTION, PostgresSubjects, SubjectsCache, apply
from jingzhang.patrols.upstream.assignment import EnterpriseClosed, EnterpriseRegistered, OfficerEnrolled
from jingzhang.shared.envelope import Envelope, StreamId
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.projection import Tx, install, use_schema
from tests.kernel.helpers import eventually

BEGAN = date(2025, 1, 6)
CLOSING = datetime(2025, 3, 4, 15, tzinfo=ZONE_TZ)


class CountingPool:
    """The pool, counting the statements the check sends (everything else passes through)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self.fetches = 0

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        self.fetches += 1
        rows: list[asyncpg.Record] = await self.pool.fetch(query, *args)
        return rows

    def __getattr__(self, name: str) -> Any:
        return getattr(self.pool, name)


async def never_caught_up(producer: str) -> bool:
    return False


def claim(*enterprises: str, officers: tuple[str, ...] = ()) -> Claim:
    mentions = [Mention(SubjectKind.ENTERPRISE, e, "enterprise_id") for e in enterprises]
    mentions += [Mention(SubjectKind.OFFICER, o, f"officer_ids.{n}") for n, o in enumerate(officers)]
    return Claim(tuple(mentions), CLOSING, "occurred_on")


async def applied(pool: asyncpg.Pool, payload: DomainEvent, at: datetime = CLOSING) -> None:
    """As the projection's applier runs it: in a transaction, with the projection's search path."""
    env = Envelope(
        event_id=uuid.uuid4(),
        service="assignment",
        stream=StreamId("enterprise", "any"),
        version=1,
        event_type=payload.event_type,
        schema_version=payload.schema_version,
        data={},
        occurred_at=at,
        recorded_at=at,
        correlation_id=uuid.uuid4(),
        causation_id=None,
        actor="test",
    )
    async with pool.acquire() as conn, conn.transaction():
        await use_schema(conn, PROJECTION)
        await apply(Tx(conn, None), env, payload)


def registered(enterprise_id: str) -> EnterpriseRegistered:
    return EnterpriseRegistered(enterprise_id=enterprise_id, enterprise_class="above_scale", registered_on=BEGAN)


@pytest.fixture
async def table(pool: asyncpg.Pool) -> asyncpg.Pool:
    async with pool.acquire() as conn:
        await install(conn, PROJECTION)
    await applied(
        pool, EnterpriseRegistered(enterprise_id="ent-1", enterprise_class="above_scale", registered_on=BEGAN)
    )
    await applied(pool, OfficerEnrolled(officer_id="chief-a", enrolled_on=BEGAN))
    return pool


async def listening(replica: PostgresSubjects) -> SubjectsCache:
    await replica.known(claim())  # the first question starts the listening task

    async def on() -> bool:
        return replica.cache is not None and replica.cache.on

    await eventually(on, timeout=10)
    assert replica.cache is not None
    return replica.cache


def ended(known: Known, enterprise_id: str) -> datetime | None:
    return known.enterprises[enterprise_id].closed_at


async def test_remembered_subjects_are_answered_without_a_round_trip(table: asyncpg.Pool) -> None:
    counted = CountingPool(table)
    replica = PostgresSubjects(lambda: counted, never_caught_up)
    await listening(replica)
    before = counted.fetches
    first = await replica.known(claim("ent-1", officers=("chief-a",)))
    again = await replica.known(claim("ent-1", officers=("chief-a",)))
    assert first == again
    assert first.enterprises == {"ent-1": KnownEnterprise("ent-1", BEGAN)}
    assert set(first.officers) == {"chief-a"}
    assert counted.fetches - before == 1
    # an id nobody has is asked every time (it may be registered a moment later), the others are not
    assert not (await replica.known(claim("ent-1", "ent-9"))).has(Mention(SubjectKind.ENTERPRISE, "ent-9", "x"))
    await applied(
        table, EnterpriseRegistered(enterprise_id="ent-9", enterprise_class="above_scale", registered_on=BEGAN)
    )
    assert set((await replica.known(claim("ent-1", "ent-9"))).enterprises) == {"ent-1", "ent-9"}
    assert counted.fetches - before == 3


async def test_one_process_listens_once_and_an_end_applied_by_any_replica_is_forgotten_by_every_one_at_its_commit(
    table: asyncpg.Pool, database_url: str
) -> None:
    routes, worker = PostgresSubjects(lambda: table, never_caught_up), PostgresSubjects(lambda: table, never_caught_up)
    cache = await listening(routes)
    await worker.known(claim("ent-1"))
    assert worker.cache is cache  # one listening connection per process (per pool)
    other_pool = await asyncpg.create_pool(database_url, min_size=1, max_size=3)
    try:
        await _forgotten_everywhere(table, routes, PostgresSubjects(lambda: other_pool, never_caught_up))
    finally:
        await asyncio.wait_for(other_pool.close(), 10)


async def _forgotten_everywhere(table: asyncpg.Pool, a: PostgresSubjects, b: PostgresSubjects) -> None:
    """`a` and `b` are two replicas (two pools); the end is applied on a third connection."""
    for replica in (a, b):
        await listening(replica)
        assert ended(await replica.known(claim("ent-1")), "ent-1") is None  # remembered open
    # the closure, applied by a third replica's consumer: not yet committed, still open everywhere
    async with table.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        await use_schema(conn, PROJECTION)
        env_at = CLOSING
        await apply(Tx(conn, None), _envelope(env_at), EnterpriseClosed(enterprise_id="ent-1"))
        assert [ended(await r.known(claim("ent-1")), "ent-1") for r in (a, b)] == [None, None]
        await tx.commit()

    async def both_see_it() -> bool:
        return [ended(await r.known(claim("ent-1")), "ent-1") for r in (a, b)] == [CLOSING, CLOSING]

    await eventually(both_see_it, timeout=10)


def _envelope(at: datetime) -> Envelope:
    return Envelope(
        event_id=uuid.uuid4(),
        service="assignment",
        stream=StreamId("enterprise", "ent-1"),
        version=2,
        event_type="EnterpriseClosed",
        schema_version=1,
        data={},
        occurred_at=at,
        recorded_at=at,
        correlation_id=uuid.uuid4(),
        causation_id=None,
        actor="test",
    )


async def test_a_lost_listening_connection_empties_the_cache_until_it_listens_again(
    table: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    counted = CountingPool(table)
    replica = PostgresSubjects(lambda: counted, never_caught_up)
    cache = await listening(replica)
    await replica.known(claim("ent-1"))
    pid = cache.listener_pid
    assert pid is not None
    monkeypatch.setattr(subjects, "RETRY_SECONDS", 3600.0)  # it stays off until the test says
    # PostgreSQL drops the listening session (a restart, a failover, an operator): the end it would have
    # announced is applied while nobody listens
    await table.execute("SELECT pg_terminate_backend($1)", pid)

    async def off() -> bool:
        return not cache.on

    await eventually(off, timeout=10)
    await applied(table, EnterpriseClosed(enterprise_id="ent-1"))
    before = counted.fetches
    for _ in range(2):
        assert ended(await replica.known(claim("ent-1")), "ent-1") == CLOSING
    assert counted.fetches - before == 2  # off: every question goes to the table
    monkeypatch.setattr(subjects, "RETRY_SECONDS", 0.1)
    assert await listening(replica) is cache  # it listens again on its own
    assert cache.listener_pid not in (None, pid)
    for _ in range(2):
        assert ended(await replica.known(claim("ent-1")), "ent-1") == CLOSING
    assert counted.fetches - before == 3  # remembered again


async def test_closing_the_pool_gives_the_listening_connection_back(database_url: str) -> None:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=3)
    async with pool.acquire() as conn:
        await install(conn, PROJECTION)
    replica = PostgresSubjects(lambda: pool, never_caught_up)
    cache = await listening(replica)
    await asyncio.wait_for(pool.close(), 10)  # closing waits for every connection to come back
    assert not cache.on
    assert cache.task is not None
    await asyncio.wait_for(cache.task, 10)  # the listening task ends with its pool
    assert replica.cache is None


async def test_a_row_read_before_a_notice_is_not_kept(table: asyncpg.Pool) -> None:
    """A question that read the row while the end was committing comes back after the notice: its answer
    is not remembered (the table has moved on), and the next question reads the end."""
    replica = PostgresSubjects(lambda: table, never_caught_up)
    cache = await listening(replica)
    generation = cache.generation
    read_before = KnownEnterprise("ent-1", BEGAN)  # what the table answered before the closure committed
    await applied(table, EnterpriseClosed(enterprise_id="ent-1"))

    async def noticed() -> bool:
        return cache.generation != generation

    await eventually(noticed, timeout=10)
    cache.keep([read_before], generation)
    assert cache.rows(SubjectKind.ENTERPRISE, ["ent-1"]) == ([], ["ent-1"])
    assert ended(await replica.known(claim("ent-1")), "ent-1") == CLOSING


async def test_a_row_is_taken_from_memory_only_for_a_while(
    table: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should a notice go astray (an older replica applying an end without notifying), the row is read
    again after `SECONDS`."""
    later = [0.0]
    monkeypatch.setattr(subjects, "_clock", lambda: time.monotonic() + later[0])
    counted = CountingPool(table)
    replica = PostgresSubjects(lambda: counted, never_caught_up)
    await listening(replica)
    before = counted.fetches
    await replica.known(claim("ent-1"))
    await replica.known(claim("ent-1"))
    assert counted.fetches - before == 1
    closed = "UPDATE proj_patrols_subjects.enterprise SET closed_at = $1 WHERE enterprise_id = 'ent-1'"
    await table.execute(closed, CLOSING)  # behind the cache's back: no notice
    later[0] = subjects.SECONDS  # the row's time in memory is over
    assert ended(await replica.known(claim("ent-1")), "ent-1") == CLOSING
    assert counted.fetches - before == 2
