"""The key store on real PostgreSQL: keys made once and shared, erasure final, the master key checked."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest
from pydantic import SecretStr

from jingzhang.shared.errors import NotFound
from jingzhang.shared.local.postgres import EmbeddedPostgres, ensure_database, with_database
from jingzhang.shared.privacy import PersonalKind, PersonErased, tokens
from jingzhang.shared.privacy.cache import KeyCache
from jingzhang.shared.privacy.crypto import MasterKey
from jingzhang.shared.privacy.errors import MasterKeyMissing, WrongMasterKey
from jingzhang.shared.privacy.keystore import PostgresKeyStore, Tombstone, erase_subject
from jingzhang.shared.privacy.setup import open_keystore
from jingzhang.shared.settings import ServiceSettings
from tests.kernel.helpers import eventually

T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)
T1 = datetime(2026, 3, 2, 9, tzinfo=UTC)


async def test_a_subjects_key_is_made_once_and_every_store_instance_gets_it(
    pool: asyncpg.Pool, master: MasterKey, keystore: PostgresKeyStore
) -> None:
    other = PostgresKeyStore(pool, master)
    token = tokens.parse(
        tokens.seal(await keystore.get_or_create("officer/o-1"), PersonalKind.NAME, "officer/o-1", "x")
    )
    assert token is not None

    key = await other.get_or_create("officer/o-1")

    assert tokens.open_token(key, token) == "x"
    assert await pool.fetchval("SELECT count(*) FROM keystore.subject_keys") == 1


async def test_concurrent_first_uses_agree_on_one_key(pool: asyncpg.Pool, master: MasterKey) -> None:
    stores = [PostgresKeyStore(pool, master) for _ in range(8)]
    await stores[0].install()

    keys = await asyncio.gather(*(s.get_or_create_many(["officer/a", "officer/b"]) for s in stores))

    sealed = tokens.parse(tokens.seal(keys[0]["officer/b"], PersonalKind.NAME, "officer/b", "b"))
    assert sealed is not None
    assert {tokens.open_token(k["officer/b"], sealed) for k in keys} == {"b"}
    assert await pool.fetchval("SELECT count(*) FROM keystore.subject_keys") == 2


async def test_get_many_returns_keys_and_tombstones_and_leaves_out_unknown_subjects(keystore: PostgresKeyStore) -> None:
    await keystore.get_or_create_many(["officer/o-1", "officer/o-2"])
    await keystore.erase("officer/o-2", "bureau:b", T0)

    states = await keystore.get_many(["officer/o-1", "officer/o-2", "officer/nobody"])

    assert set(states) == {"officer/o-1", "officer/o-2"}
    assert states["officer/o-2"] == Tombstone("officer/o-2", T0, "bureau:b")
    assert not isinstance(states["officer/o-1"], Tombstone)


async def test_erasure_destroys_the_key_keeps_a_tombstone_and_is_final(
    pool: asyncpg.Pool, keystore: PostgresKeyStore
) -> None:
    await keystore.get_or_create("officer/o-1")

    first = await keystore.erase("officer/o-1", "bureau:b", T0)
    again = await keystore.erase("officer/o-1", "bureau:c", T1)

    assert first == again == Tombstone("officer/o-1", T0, "bureau:b")
    assert await keystore.erasure("officer/o-1") == first
    assert await pool.fetchval("SELECT wrapped_key FROM keystore.subject_keys WHERE subject = 'officer/o-1'") is None
    with pytest.raises(PersonErased) as refused:
        await keystore.get_or_create("officer/o-1")
    assert refused.value.code == "person_erased"


async def test_erasing_a_subject_with_no_data_is_not_found(keystore: PostgresKeyStore) -> None:
    with pytest.raises(NotFound, match="officer/nobody"):
        await keystore.erase("officer/nobody", "bureau:b", T0)
    assert await keystore.erasure("officer/nobody") is None


async def test_another_master_key_is_refused_at_start_with_a_clear_error(
    pool: asyncpg.Pool, keystore: PostgresKeyStore
) -> None:
    await keystore.get_or_create("officer/o-1")
    wrong = PostgresKeyStore(pool, MasterKey.from_base64(MasterKey.new_base64()))

    with pytest.raises(WrongMasterKey, match="KEYSTORE_MASTER_KEY does not open"):
        await wrong.install()
    with pytest.raises(WrongMasterKey):
        await wrong.get_many(["officer/o-1"])


async def test_the_store_holds_no_key_in_the_clear(
    pool: asyncpg.Pool, master: MasterKey, keystore: PostgresKeyStore
) -> None:
    key = await keystore.get_or_create("officer/o-1")
    wrapped = await pool.fetchval("SELECT wrapped_key FROM keystore.subject_keys")

    assert key._raw not in wrapped
    assert "hidden" in repr(key)
    assert "pool" in repr(keystore)
    assert master.unwrap(wrapped, "officer/o-1")._raw == key._raw


class TestOpeningFromSettings:
    async def test_without_a_master_key_a_service_refuses_to_start(self, database_url: str, pool: asyncpg.Pool) -> None:
        settings = ServiceSettings(database_url=database_url, keystore_master_key=None)

        with pytest.raises(MasterKeyMissing, match="KEYSTORE_MASTER_KEY is not set"):
            await open_keystore(settings, pool)

    async def test_keystore_url_puts_the_keys_in_their_own_database(
        self, pg_server: EmbeddedPostgres, database_url: str, pool: asyncpg.Pool
    ) -> None:
        name = f"keys_{uuid.uuid4().hex[:12]}"
        await ensure_database(pg_server.url(), name)
        keys_url = with_database(pg_server.url(), name)
        secret = SecretStr(MasterKey.new_base64())
        settings = ServiceSettings(database_url=database_url, keystore_url=keys_url, keystore_master_key=secret)

        opened = await open_keystore(settings, pool)
        try:
            await opened.keystore.get_or_create("officer/o-1")
        finally:
            await opened.close()

        keys = await asyncpg.connect(keys_url)
        try:
            assert await keys.fetchval("SELECT count(*) FROM keystore.subject_keys") == 1
        finally:
            await keys.close()
        assert await pool.fetchval("SELECT to_regclass('keystore.subject_keys')") is None


class TestTheKeyCache:
    """Keys read a moment ago come from memory; an erasure anywhere drops them when it commits."""

    @pytest.fixture
    async def cached(self, pool: asyncpg.Pool, master: MasterKey) -> AsyncIterator[PostgresKeyStore]:
        store = PostgresKeyStore(pool, master, KeyCache())
        await store.install()
        assert store.cache is not None
        await store.cache.listen(pool)
        yield store
        await store.close()

    async def test_a_key_read_once_is_taken_from_memory(self, cached: PostgresKeyStore, pool: asyncpg.Pool) -> None:
        key = await cached.get_or_create("officer/o-1")
        await pool.execute("DELETE FROM keystore.subject_keys")  # the store would not answer it now

        assert (await cached.get_or_create("officer/o-1"))._raw == key._raw

    async def test_an_erasure_by_another_process_drops_the_key_when_it_commits(
        self, cached: PostgresKeyStore, database_url: str
    ) -> None:
        await cached.get_or_create("officer/o-1")
        elsewhere = await asyncpg.create_pool(database_url, min_size=1, max_size=1)
        assert elsewhere is not None
        try:
            await erase_subject(elsewhere, "officer/o-1", "bureau:b", T0)  # as `jingzhang privacy erase` does
        finally:
            await elsewhere.close()

        async def erased() -> bool:
            return isinstance((await cached.get_many(["officer/o-1"]))["officer/o-1"], Tombstone)

        await eventually(erased, timeout=5)
        with pytest.raises(PersonErased):
            await cached.get_or_create("officer/o-1")

    async def test_an_erasure_through_the_store_drops_the_key_at_once(self, cached: PostgresKeyStore) -> None:
        await cached.get_or_create("officer/o-1")

        await cached.erase("officer/o-1", "bureau:b", T0)

        assert (await cached.get_many(["officer/o-1"]))["officer/o-1"] == Tombstone("officer/o-1", T0, "bureau:b")

    async def test_an_answer_read_before_an_erasure_notice_is_not_kept(
        self, cached: PostgresKeyStore, keystore: PostgresKeyStore
    ) -> None:
        cache = cached.cache
        assert cache is not None
        before = cache.generation
        key = await keystore.get_or_create("officer/o-1")  # as the cached store's read would answer
        cache.forget("officer/o-2")  # a notice arrives while a read was under way

        cache.put({"officer/o-1": key}, before)

        assert cache.get(["officer/o-1"]) == ({}, ["officer/o-1"])

    async def test_without_its_listening_connection_the_cache_is_off(
        self, cached: PostgresKeyStore, pool: asyncpg.Pool
    ) -> None:
        await cached.get_or_create("officer/o-1")
        listening = await pool.fetchval(
            "SELECT pid FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND datname = current_database()"
        )
        await pool.execute("SELECT pg_terminate_backend($1)", listening)
        await erase_subject(pool, "officer/o-1", "bureau:b", T0)  # nobody hears this notice

        async def off() -> bool:
            return cached.cache is not None and not cached.cache.on

        await eventually(off, timeout=5)
        assert isinstance((await cached.get_many(["officer/o-1"]))["officer/o-1"], Tombstone)

    async def test_opened_from_settings_the_store_caches_and_listens(
        self, database_url: str, pool: asyncpg.Pool
    ) -> None:
        settings = ServiceSettings(database_url=database_url, keystore_master_key=SecretStr(MasterKey.new_base64()))

        opened = await open_keystore(settings, pool)
        try:
            assert opened.keystore.cache is not None
            assert opened.keystore.cache.on
        finally:
            await opened.close()
        assert not opened.keystore.cache.on
        uncached = await open_keystore(settings.model_copy(update={"keystore_cache": False}), pool)
        await uncached.close()
        assert uncached.keystore.cache is None
