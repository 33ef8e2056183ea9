"""The event store evolves by numbered migrations, from a new database and from every earlier released
schema; a database at a version this build does not know is refused with nothing changed."""

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from jingzhang.shared.schema_migrations import Migration, SchemaTooNew, migrate, version_of
from jingzhang.shared.store.postgres import EVENT_STORE

RELEASED = {"v0.1.0": Path(__file__).with_name("released") / "es_v0.1.0.sql"}
"""The event store's schema as each earlier release created it (before the version table)."""

NEXT = dataclasses.replace(
    EVENT_STORE,
    migrations=(*EVENT_STORE.migrations, Migration(2, "note", "ALTER TABLE es.events ADD COLUMN note text")),
)
"""A release after this one, adding a column: what the runner must apply on top of version 1."""


@pytest.fixture
async def conn(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    async with pool.acquire() as connection:
        yield connection


async def functions(conn: asyncpg.Connection) -> set[str]:
    rows = await conn.fetch(
        "SELECT proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE nspname = 'es'"
    )
    return {r["proname"] for r in rows}


async def test_a_new_database_gets_every_version_and_the_functions(conn: asyncpg.Connection) -> None:
    assert await migrate(conn, EVENT_STORE) == [1]
    assert await version_of(conn, EVENT_STORE) == 1
    assert "commit_horizon" in await functions(conn)
    assert "notify_appended" not in await functions(conn)  # appends are announced by their process
    assert await migrate(conn, EVENT_STORE) == []  # a second start: nothing to do


@pytest.mark.parametrize("release", sorted(RELEASED))
async def test_an_earlier_release_is_taken_on_with_its_events(conn: asyncpg.Connection, release: str) -> None:
    await conn.execute(RELEASED[release].read_text())
    await conn.execute(
        "INSERT INTO es.events (event_id, aggregate_type, aggregate_id, version, event_type, schema_version, data,"
        " occurred_at, correlation_id, actor) VALUES (gen_random_uuid(), 'sample', 'a', 1, 'Noted', 1, '{}',"
        " now(), gen_random_uuid(), 'test')"
    )
    assert await version_of(conn, EVENT_STORE) == 1  # no version table: the first release's tables
    assert await migrate(conn, NEXT) == [2]
    assert await version_of(conn, NEXT) == 2
    assert await conn.fetchval("SELECT count(*) FROM es.events WHERE note IS NULL") == 1
    assert "commit_horizon" in await functions(conn)  # this build's functions, which that release lacked
    assert "notify_appended" not in await functions(conn)
    triggers = await conn.fetchval("SELECT count(*) FROM pg_trigger WHERE tgname = 'events_appended'")
    assert triggers == 0  # no notification on every commit, whatever the release had


async def test_this_release_moves_on_to_the_next(conn: asyncpg.Connection) -> None:
    await migrate(conn, EVENT_STORE)
    assert await migrate(conn, NEXT) == [2]
    assert await conn.fetchval("SELECT count(*) FROM information_schema.columns WHERE column_name = 'note'") == 1


async def test_a_database_from_a_newer_release_is_refused_untouched(conn: asyncpg.Connection) -> None:
    await migrate(conn, NEXT)
    with pytest.raises(SchemaTooNew, match="version 2, this build knows versions up to 1"):
        await migrate(conn, EVENT_STORE)
    assert await conn.fetchval("SELECT max(version) FROM es.schema_migrations") == 2
