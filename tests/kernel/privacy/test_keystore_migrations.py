"""The key store evolves by numbered migrations, like the event store: from a new database, from the
released v0.1.0 schema (its keys still open), from a store of a build between rotation and the version
table; a store of a newer release is refused with nothing changed."""

import dataclasses
from pathlib import Path

import asyncpg
import pytest

from jingzhang.shared.privacy import PersonalKind, tokens
from jingzhang.shared.privacy.crypto import DataKey, MasterKey
from jingzhang.shared.privacy.keystore import PostgresKeyStore
from jingzhang.shared.privacy.rotation import wrapped_by
from jingzhang.shared.privacy.schema import KEY_STORE
from jingzhang.shared.schema_migrations import Migration, SchemaTooNew, migrate, version_of

RELEASED = {"v0.1.0": Path(__file__).parents[1] / "released" / "keystore_v0.1.0.sql"}
"""The key store's schema as each earlier release created it (before the version table)."""

NEXT = dataclasses.replace(
    KEY_STORE,
    migrations=(*KEY_STORE.migrations, Migration(3, "note", "ALTER TABLE keystore.subject_keys ADD COLUMN note text")),
)
"""A release after this one: what this build must refuse to run against."""

SUBJECT = "officer/o-1"


async def opens(store: PostgresKeyStore, data_key: DataKey) -> bool:
    token = tokens.parse(tokens.seal(data_key, PersonalKind.NAME, SUBJECT, "张三"))
    assert token is not None
    key = (await store.get_many([SUBJECT]))[SUBJECT]
    return isinstance(key, DataKey) and tokens.open_token(key, token) == "张三"


async def test_a_new_store_gets_every_version(pool: asyncpg.Pool, master: MasterKey) -> None:
    async with pool.acquire() as conn:
        assert await migrate(conn, KEY_STORE) == [1, 2]
        assert await migrate(conn, KEY_STORE) == []  # the next start: nothing to do
        assert await version_of(conn, KEY_STORE) == 2
    await PostgresKeyStore(pool, master).install()


@pytest.mark.parametrize("release", sorted(RELEASED))
async def test_a_released_store_is_taken_on_and_its_keys_still_open(
    pool: asyncpg.Pool, master: MasterKey, release: str
) -> None:
    await pool.execute(RELEASED[release].read_text())
    data_key = DataKey.generate()
    await pool.execute(
        "INSERT INTO keystore.subject_keys (subject, wrapped_key) VALUES ($1, $2)",
        SUBJECT,
        master.wrap(data_key, SUBJECT),
    )
    await pool.execute(
        "INSERT INTO keystore.master_check VALUES (1, $1)", master.seal(b"jingzhang key store", b"jz-keystore:check")
    )
    async with pool.acquire() as conn:
        assert await version_of(conn, KEY_STORE) == 1  # no version table: the first release's tables

    store = PostgresKeyStore(pool, master)
    await store.install()

    async with pool.acquire() as conn:
        assert await version_of(conn, KEY_STORE) == 2
        assert [r["version"] for r in await conn.fetch("SELECT version FROM keystore.schema_migrations")] == [1, 2]
    assert await wrapped_by(pool) == {master.key_id: 1}
    assert await opens(store, data_key)


async def test_a_store_of_a_build_before_the_version_table_is_version_2_with_nothing_lost(
    pool: asyncpg.Pool, master: MasterKey
) -> None:
    async with pool.acquire() as conn:  # that build created both versions' tables, recorded no version
        for migration in KEY_STORE.migrations:
            await conn.execute(migration.sql)
    store = PostgresKeyStore(pool, master)
    data_key = DataKey.generate()
    await pool.execute(
        "INSERT INTO keystore.subject_keys (subject, wrapped_key, master_key_id) VALUES ($1, $2, $3)",
        SUBJECT,
        master.wrap(data_key, SUBJECT),
        master.key_id,
    )

    await store.install()

    async with pool.acquire() as conn:
        assert await version_of(conn, KEY_STORE) == 2
    assert await opens(store, data_key)


async def test_a_store_of_a_newer_release_is_refused_untouched(pool: asyncpg.Pool, master: MasterKey) -> None:
    async with pool.acquire() as conn:
        await migrate(conn, NEXT)

    with pytest.raises(SchemaTooNew, match="schema keystore is at version 3, this build knows versions up to 2"):
        await PostgresKeyStore(pool, master).install()

    assert await pool.fetchval("SELECT max(version) FROM keystore.schema_migrations") == 3
    assert await pool.fetchval("SELECT count(*) FROM keystore.master_keys") == 0  # not even its key registered
