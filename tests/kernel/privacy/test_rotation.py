"""Rotating the master key online, on real PostgreSQL: every data key re-wrapped in batches while other
stores read and write, a key read mid-rotation opened under whichever master key wrapped it; the old
key retired only once nothing is wrapped under it; bad keys and ids refused with nothing changed."""

import asyncio
from datetime import UTC, datetime

import asyncpg
import pytest
from pydantic import SecretStr

from jingzhang.shared.privacy import PersonalKind, PersonErased, tokens
from jingzhang.shared.privacy.crypto import DataKey, MasterKey, MasterKeyRing
from jingzhang.shared.privacy.errors import MasterKeyRetired, UnknownMasterKey, WrongMasterKey
from jingzhang.shared.privacy.keystore import PostgresKeyStore, Tombstone
from jingzhang.shared.privacy.rotation import InvalidKeyId, MasterKeyInUse, retire, rotate, wrapped_by
from jingzhang.shared.privacy.setup import master_keys
from jingzhang.shared.settings import ServiceSettings

T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)
SUBJECTS = [f"officer/o-{n:03d}" for n in range(240)]


def new_key() -> MasterKey:
    return MasterKey.from_base64(MasterKey.new_base64())


async def sealed_for(store: PostgresKeyStore, subjects: list[str]) -> dict[str, tokens.Token]:
    keys = await store.get_or_create_many(subjects)
    found = {s: tokens.parse(tokens.seal(keys[s], PersonalKind.NAME, s, f"name of {s}")) for s in subjects}
    return {s: t for s, t in found.items() if t is not None}


async def opened(store: PostgresKeyStore, sealed: dict[str, tokens.Token]) -> dict[str, str]:
    states = await store.get_many(list(sealed))
    return {s: tokens.open_token(k, sealed[s]) for s, k in states.items() if not isinstance(k, Tombstone)}


async def test_every_key_is_rewrapped_while_stores_read_and_write_and_the_old_key_then_retires(
    pool: asyncpg.Pool, master: MasterKey, keystore: PostgresKeyStore
) -> None:
    old, new = master, new_key()
    sealed = await sealed_for(keystore, SUBJECTS)
    during = PostgresKeyStore(pool, MasterKeyRing(new, [old]))  # a service restarted with the new key
    await during.install()
    rotating = asyncio.Event()
    reads: list[int] = []  # how many master keys wrapped the store's keys at each read

    async def reader() -> None:
        await rotating.wait()
        while rotating.is_set():
            reads.append(await pool.fetchval("SELECT count(DISTINCT master_key_id) FROM keystore.subject_keys"))
            assert await opened(during, sealed) == {s: f"name of {s}" for s in SUBJECTS if s != "officer/o-100"}

    async def writer() -> dict[str, tokens.Token]:
        written: dict[str, tokens.Token] = {}
        await rotating.wait()
        for n in range(20):  # new people arrive during the rotation, wrapped under the new key
            written |= await sealed_for(during, [f"contact/e-{n}"])
        return written

    async def rotation() -> None:
        rotating.set()
        try:
            await keystore.erase("officer/o-100", "bureau:b", T0)  # an erasure meanwhile stays one
            result = await rotate(pool, MasterKeyRing(new, [old]), batch=7)
            assert result.rewrapped >= len(SUBJECTS) - 1
            assert result.batches >= 34
        finally:
            rotating.clear()

    _, _, written = await asyncio.gather(reader(), rotation(), writer())

    assert max(reads) == 2, "no read saw the store half re-wrapped"
    assert len(reads) > 5
    assert await wrapped_by(pool) == {new.key_id: len(SUBJECTS) - 1 + 20}
    after = PostgresKeyStore(pool, new)  # the old key is no longer needed for anything
    await after.install()
    assert await opened(after, sealed | written) == {
        s: f"name of {s}" for s in [*SUBJECTS, *written] if s != "officer/o-100"
    }
    with pytest.raises(PersonErased):
        await after.get_or_create("officer/o-100")
    with pytest.raises(UnknownMasterKey, match="KEYSTORE_PREVIOUS_MASTER_KEYS"):
        await PostgresKeyStore(pool, old).get_many(["officer/o-001"])

    retired = await retire(pool, old.key_id, "ops:li", T0)
    assert (retired.key_id, retired.retired_by, retired.already) == (old.key_id, "ops:li", False)
    assert (await retire(pool, old.key_id, "ops:wang", T0)).retired_by == "ops:li"
    with pytest.raises(MasterKeyRetired, match="was retired"):
        await PostgresKeyStore(pool, MasterKeyRing(old, [new])).install()


async def test_a_rotation_missing_an_old_key_changes_nothing(pool: asyncpg.Pool, keystore: PostgresKeyStore) -> None:
    await keystore.get_or_create_many(SUBJECTS[:5])
    before = await pool.fetch("SELECT * FROM keystore.subject_keys ORDER BY subject")
    stranger = new_key()

    with pytest.raises(UnknownMasterKey, match="nothing was changed"):
        await rotate(pool, MasterKeyRing(stranger))

    assert await pool.fetch("SELECT * FROM keystore.subject_keys ORDER BY subject") == before
    assert await pool.fetchval("SELECT count(*) FROM keystore.master_keys WHERE key_id = $1", stranger.key_id) == 0


async def test_a_wrong_old_key_alone_is_refused_at_start(pool: asyncpg.Pool, keystore: PostgresKeyStore) -> None:
    await keystore.get_or_create("officer/o-1")

    with pytest.raises(WrongMasterKey, match="does not open"):
        await PostgresKeyStore(pool, MasterKeyRing(new_key(), [new_key()])).install()
    assert await pool.fetchval("SELECT count(*) FROM keystore.master_keys") == 1


class TestRetiring:
    async def test_a_key_still_wrapping_data_keys_is_not_retired(
        self, pool: asyncpg.Pool, master: MasterKey, keystore: PostgresKeyStore
    ) -> None:
        await keystore.get_or_create("officer/o-1")
        await PostgresKeyStore(pool, MasterKeyRing(new_key(), [master])).install()  # a new key introduced

        with pytest.raises(MasterKeyInUse, match="1 data key"):
            await retire(pool, master.key_id, "ops:li", T0)
        assert await pool.fetchval("SELECT count(*) FROM keystore.master_keys WHERE retired_at IS NOT NULL") == 0

    async def test_the_only_key_in_service_is_not_retired(self, master: MasterKey, keystore: PostgresKeyStore) -> None:
        with pytest.raises(MasterKeyInUse, match="only one in service"):
            await retire(keystore.pool, master.key_id, "ops:li", T0)

    async def test_unknown_and_malformed_ids_are_refused(self, keystore: PostgresKeyStore) -> None:
        with pytest.raises(UnknownMasterKey, match="knows no master key 0123456789abcdef"):
            await retire(keystore.pool, "0123456789abcdef", "ops:li", T0)
        with pytest.raises(InvalidKeyId, match="16 lower-case hex digits"):
            await retire(keystore.pool, "not-a-key-id", "ops:li", T0)


async def test_a_store_of_the_release_before_rotation_is_adopted_with_its_one_master_key(
    pool: asyncpg.Pool, master: MasterKey
) -> None:
    """That release had no key ids: `master_check` proved its key, and rows named no master key."""
    data_key = DataKey.generate()
    await pool.execute(
        """CREATE SCHEMA keystore;
           CREATE TABLE keystore.subject_keys (subject text PRIMARY KEY, wrapped_key bytea,
               created_at timestamptz NOT NULL DEFAULT now(), erased_at timestamptz, erased_by text,
               CONSTRAINT erased_has_no_key CHECK ((wrapped_key IS NULL) = (erased_at IS NOT NULL)));
           CREATE TABLE keystore.master_check (id int PRIMARY KEY CHECK (id = 1), sealed bytea NOT NULL);"""
    )
    wrapped = master.wrap(data_key, "officer/o-1")
    await pool.execute("INSERT INTO keystore.subject_keys (subject, wrapped_key) VALUES ('officer/o-1', $1)", wrapped)
    await pool.execute(
        "INSERT INTO keystore.master_check VALUES (1, $1)", master.seal(b"jingzhang key store", b"jz-keystore:check")
    )
    with pytest.raises(WrongMasterKey):
        await PostgresKeyStore(pool, new_key()).install()

    store = PostgresKeyStore(pool, master)
    await store.install()

    assert await wrapped_by(pool) == {master.key_id: 1}
    sealed = tokens.parse(tokens.seal(data_key, PersonalKind.NAME, "officer/o-1", "x"))
    assert sealed is not None
    assert await opened(store, {"officer/o-1": sealed}) == {"officer/o-1": "x"}


class TestSettings:
    def test_previous_keys_are_read_comma_separated_after_the_current_one(self) -> None:
        current, old = MasterKey.new_base64(), MasterKey.new_base64()
        settings = ServiceSettings(
            keystore_master_key=SecretStr(current), keystore_previous_master_keys=SecretStr(f" {old} ,")
        )

        ring = master_keys(settings)

        assert ring.current.key_id == MasterKey.from_base64(current).key_id
        assert ring.ids == {ring.current.key_id, MasterKey.from_base64(old).key_id}
        assert current not in repr(ring)

    def test_a_malformed_previous_key_is_named(self) -> None:
        settings = ServiceSettings(
            keystore_master_key=SecretStr(MasterKey.new_base64()),
            keystore_previous_master_keys=SecretStr(f"{MasterKey.new_base64()},bm9wZQ=="),
        )

        with pytest.raises(ValueError, match=r"KEYSTORE_PREVIOUS_MASTER_KEYS \(key 2\) must be 32 bytes"):
            master_keys(settings)
