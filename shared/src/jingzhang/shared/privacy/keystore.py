"""Per-subject data keys, kept outside the event log, wrapped under the master key.

Erasing a subject destroys its wrapped key and keeps a tombstone (who, when): every token sealed
under that key becomes unreadable everywhere at once, and no new personal data is accepted for them.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import asyncpg
import structlog

from jingzhang.shared.errors import NotFound
from jingzhang.shared.privacy import masters
from jingzhang.shared.privacy.cache import CHANNEL, KeyCache
from jingzhang.shared.privacy.crypto import DataKey, MasterKey, MasterKeyRing
from jingzhang.shared.privacy.errors import PersonErased, UnknownMasterKey, WrongMasterKey
from jingzhang.shared.privacy.fields import check_subject
from jingzhang.shared.privacy.schema import SCHEMA, install_keystore

log = structlog.get_logger(__name__)

_ROW = "subject, wrapped_key, master_key_id, erased_at, erased_by"
_TOMBSTONE = "subject, erased_at, erased_by"  # what erasure reads: no key, and any release's table


@dataclass(frozen=True, slots=True)
class Tombstone:
    """What is left of an erased subject: who erased them, and when."""

    subject: str
    erased_at: datetime
    erased_by: str


KeyState = DataKey | Tombstone


class KeyStore(Protocol):
    async def get_or_create(self, subject: str) -> DataKey:
        """The subject's key, created on first use. Raises `PersonErased` for an erased subject."""
        ...

    async def get_or_create_many(self, subjects: Collection[str]) -> dict[str, DataKey]:
        """`get_or_create` for several subjects at once: one round trip when they all exist."""
        ...

    async def get_many(self, subjects: Collection[str]) -> dict[str, KeyState]:
        """Keys or tombstones of the known subjects among `subjects` (one query); unknown ones are absent."""
        ...

    async def erase(self, subject: str, actor: str, at: datetime) -> Tombstone:
        """Destroy the subject's key. Erasing twice returns the first tombstone; unknown subjects: `NotFound`."""
        ...

    async def erasure(self, subject: str) -> Tombstone | None: ...


class PostgresKeyStore:
    """The key store on PostgreSQL: its own database (KEYSTORE_URL) or schema `keystore` of the service's.

    New keys are wrapped under the ring's current master key; a key is unwrapped under whichever master
    key wrapped it (its row says which), so reads go on while a rotation re-wraps (`rotation`). With a
    `cache` (`open_keystore` gives one, listening), keys read or made a moment ago are taken from memory
    until an erasure, anywhere, drops them (`cache`)."""

    def __init__(self, pool: asyncpg.Pool, master: MasterKey | MasterKeyRing, cache: KeyCache | None = None) -> None:
        self.pool = pool
        self._ring = MasterKeyRing.of(master)
        self._cache = cache

    @property
    def cache(self) -> KeyCache | None:
        return self._cache

    async def install(self) -> None:
        """Create the tables, then prove the master keys open this store (a wrong one fails here, at
        start) and register the current one if it is new."""
        async with self.pool.acquire() as conn, conn.transaction():
            await install_keystore(conn)
            await masters.prove(conn, self._ring)

    async def get_or_create(self, subject: str) -> DataKey:
        return (await self.get_or_create_many([subject]))[subject]

    async def get_or_create_many(self, subjects: Collection[str]) -> dict[str, DataKey]:
        wanted = sorted({check_subject(s) for s in subjects})
        states = await self.get_many(wanted)
        for _ in range(3):
            missing = [s for s in wanted if s not in states]
            if not missing:
                break
            generation = self._cache.generation if self._cache is not None else 0
            created = await self._create(missing)
            if self._cache is not None:
                self._cache.put(created, generation)
            states.update(created)
        else:
            raise RuntimeError(f"key store: could not create keys for {missing}")  # pragma: no cover
        keys: dict[str, DataKey] = {}
        for subject in wanted:
            state = states[subject]
            if isinstance(state, Tombstone):
                raise PersonErased(subject)
            keys[subject] = state
        return keys

    async def _create(self, subjects: list[str]) -> dict[str, KeyState]:
        # ON CONFLICT DO NOTHING: a concurrent creator wins and we read its key on the next round
        master = self._ring.current
        wrapped = [master.wrap(DataKey.generate(), s) for s in subjects]
        rows = await self.pool.fetch(
            f"""INSERT INTO {SCHEMA}.subject_keys (subject, wrapped_key, master_key_id)
                SELECT s, w, $3 FROM unnest($1::text[], $2::bytea[]) AS u(s, w)
                ON CONFLICT (subject) DO NOTHING RETURNING {_ROW}""",
            subjects,
            wrapped,
            master.key_id,
        )
        created = {row["subject"]: self._state(row) for row in rows}
        if len(created) < len(subjects):
            created.update(await self.get_many([s for s in subjects if s not in created]))
        return created

    async def get_many(self, subjects: Collection[str]) -> dict[str, KeyState]:
        if self._cache is None:
            return await self._read(subjects)
        await self._cache.listen_again()
        found, missing = self._cache.get(subjects)
        if missing:
            generation = self._cache.generation
            read = await self._read(missing)
            self._cache.put(read, generation)
            found.update(read)
        return found

    async def _read(self, subjects: Collection[str]) -> dict[str, KeyState]:
        if not subjects:
            return {}
        rows = await self.pool.fetch(
            f"SELECT {_ROW} FROM {SCHEMA}.subject_keys WHERE subject = ANY($1::text[])", list(subjects)
        )
        return {row["subject"]: self._state(row) for row in rows}

    async def erase(self, subject: str, actor: str, at: datetime) -> Tombstone:
        try:
            return await erase_subject(self.pool, subject, actor, at)
        finally:  # here at once; every process listening (this one too) hears it at the commit
            if self._cache is not None:
                self._cache.forget(subject)

    async def erasure(self, subject: str) -> Tombstone | None:
        return await find_erasure(self.pool, subject)

    async def close(self) -> None:
        """Stop listening for erasures (the pool stays open: it is the caller's)."""
        if self._cache is not None:
            await self._cache.close()

    def _state(self, row: asyncpg.Record) -> KeyState:
        if row["wrapped_key"] is None:
            return _tombstone(row)
        return unwrap(self._ring, row["subject"], row["wrapped_key"], row["master_key_id"])

    def __repr__(self) -> str:
        return "PostgresKeyStore(<pool>)"


class MemoryKeyStore:
    """The same contract in memory, for pure unit tests of code that needs keys."""

    def __init__(self) -> None:
        self._keys: dict[str, KeyState] = {}

    async def get_or_create(self, subject: str) -> DataKey:
        return (await self.get_or_create_many([subject]))[subject]

    async def get_or_create_many(self, subjects: Collection[str]) -> dict[str, DataKey]:
        keys: dict[str, DataKey] = {}
        for subject in sorted({check_subject(s) for s in subjects}):
            state = self._keys.setdefault(subject, DataKey.generate())
            if isinstance(state, Tombstone):
                raise PersonErased(subject)
            keys[subject] = state
        return keys

    async def get_many(self, subjects: Collection[str]) -> dict[str, KeyState]:
        return {s: self._keys[s] for s in subjects if s in self._keys}

    async def erase(self, subject: str, actor: str, at: datetime) -> Tombstone:
        state = self._keys.get(check_subject(subject))
        if state is None:
            raise NotFound("data subject", subject)
        if isinstance(state, Tombstone):
            return state
        self._keys[subject] = tombstone = Tombstone(subject, at, actor)
        return tombstone

    async def erasure(self, subject: str) -> Tombstone | None:
        state = self._keys.get(subject)
        return state if isinstance(state, Tombstone) else None


def unwrap(ring: MasterKeyRing, subject: str, wrapped: bytes, master_key_id: str | None) -> DataKey:
    """The data key under the master key its row names; a row of the release before rotation names
    none, and opens under one of the ring's keys."""
    if master_key_id is None:
        for master in ring:
            try:
                return master.unwrap(wrapped, subject)
            except WrongMasterKey:
                continue
        raise WrongMasterKey(
            "KEYSTORE_MASTER_KEY does not open the key store's keys: it was created with another master key"
        )
    named = ring.get(master_key_id)
    if named is None:
        raise UnknownMasterKey(
            f"the key of {subject} is wrapped under master key {master_key_id}, which this process was not given:"
            " add it to KEYSTORE_PREVIOUS_MASTER_KEYS (or finish the rotation)"
        )
    return named.unwrap(wrapped, subject)


async def erase_subject(pool: asyncpg.Pool, subject: str, actor: str, at: datetime) -> Tombstone:
    """Destroy `subject`'s key, keeping a tombstone; needs no master key (operators erase, they never decrypt)."""
    check_subject(subject)
    async with pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(
            f"""UPDATE {SCHEMA}.subject_keys
                SET wrapped_key = NULL, erased_at = coalesce(erased_at, $2), erased_by = coalesce(erased_by, $3)
                WHERE subject = $1 RETURNING {_TOMBSTONE}""",
            subject,
            at,
            actor,
        )
        if row is None:
            raise NotFound("data subject", subject)
        # sent at the commit, to every process caching keys (`cache`): they forget the key then
        await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, subject)
    await _vacuum(pool)
    return _tombstone(row)


async def find_erasure(pool: asyncpg.Pool, subject: str) -> Tombstone | None:
    check_subject(subject)
    row = await pool.fetchrow(f"SELECT {_TOMBSTONE} FROM {SCHEMA}.subject_keys WHERE subject = $1", subject)
    return _tombstone(row) if row is not None and row["erased_at"] is not None else None


async def _vacuum(pool: asyncpg.Pool) -> None:
    # best effort: drop the dead row version that still holds the wrapped key now, not at autovacuum
    try:
        await pool.execute(f"VACUUM {SCHEMA}.subject_keys")
    except asyncpg.PostgresError as exc:
        log.warning("keystore.vacuum_failed", error=type(exc).__name__)


def _tombstone(row: asyncpg.Record) -> Tombstone:
    return Tombstone(row["subject"], row["erased_at"], row["erased_by"])
