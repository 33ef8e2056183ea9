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
from jingzhang.shared.privacy.crypto import DataKey, MasterKey
from jingzhang.shared.privacy.errors import PersonErased
from jingzhang.shared.privacy.fields import check_subject

log = structlog.get_logger(__name__)

SCHEMA = "keystore"

_DDL = f"""
CREATE SCHEMA IF NOT EXISTS {SCHEMA};
CREATE TABLE IF NOT EXISTS {SCHEMA}.subject_keys (
    subject     text PRIMARY KEY,
    wrapped_key bytea,
    created_at  timestamptz NOT NULL DEFAULT now(),
    erased_at   timestamptz,
    erased_by   text,
    CONSTRAINT erased_has_no_key CHECK ((wrapped_key IS NULL) = (erased_at IS NOT NULL))
);
CREATE TABLE IF NOT EXISTS {SCHEMA}.master_check (
    id     int PRIMARY KEY CHECK (id = 1),
    sealed bytea NOT NULL
);
"""
_CHECK_TEXT = b"jingzhang key store"
_CHECK_AAD = b"jz-keystore:check"
_ROW = "subject, wrapped_key, erased_at, erased_by"


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


async def install_keystore(conn: asyncpg.Connection) -> None:
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(7231008)")  # concurrent starts install once
        await conn.execute(_DDL)


class PostgresKeyStore:
    """The key store on PostgreSQL: its own database (KEYSTORE_URL) or schema `keystore` of the service's."""

    def __init__(self, pool: asyncpg.Pool, master: MasterKey) -> None:
        self.pool = pool
        self._master = master

    async def install(self) -> None:
        """Create the tables, then prove the master key opens this store (a wrong one fails here, at start)."""
        async with self.pool.acquire() as conn:
            await install_keystore(conn)
            await conn.execute(
                f"INSERT INTO {SCHEMA}.master_check (id, sealed) VALUES (1, $1) ON CONFLICT (id) DO NOTHING",
                self._master.seal(_CHECK_TEXT, _CHECK_AAD),
            )
            sealed = await conn.fetchval(f"SELECT sealed FROM {SCHEMA}.master_check WHERE id = 1")
        self._master.open(sealed, _CHECK_AAD)

    async def get_or_create(self, subject: str) -> DataKey:
        return (await self.get_or_create_many([subject]))[subject]

    async def get_or_create_many(self, subjects: Collection[str]) -> dict[str, DataKey]:
        wanted = sorted({check_subject(s) for s in subjects})
        states = await self.get_many(wanted)
        for _ in range(3):
            missing = [s for s in wanted if s not in states]
            if not missing:
                break
            states.update(await self._create(missing))
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
        wrapped = [self._master.wrap(DataKey.generate(), s) for s in subjects]
        rows = await self.pool.fetch(
            f"""INSERT INTO {SCHEMA}.subject_keys (subject, wrapped_key)
                SELECT * FROM unnest($1::text[], $2::bytea[])
                ON CONFLICT (subject) DO NOTHING RETURNING {_ROW}""",
            subjects,
            wrapped,
        )
        created = {row["subject"]: self._state(row) for row in rows}
        if len(created) < len(subjects):
            created.update(await self.get_many([s for s in subjects if s not in created]))
        return created

    async def get_many(self, subjects: Collection[str]) -> dict[str, KeyState]:
        if not subjects:
            return {}
        rows = await self.pool.fetch(
            f"SELECT {_ROW} FROM {SCHEMA}.subject_keys WHERE subject = ANY($1::text[])", list(subjects)
        )
        return {row["subject"]: self._state(row) for row in rows}

    async def erase(self, subject: str, actor: str, at: datetime) -> Tombstone:
        return await erase_subject(self.pool, subject, actor, at)

    async def erasure(self, subject: str) -> Tombstone | None:
        return await find_erasure(self.pool, subject)

    def _state(self, row: asyncpg.Record) -> KeyState:
        if row["wrapped_key"] is None:
            return _tombstone(row)
        return self._master.unwrap(row["wrapped_key"], row["subject"])

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


async def erase_subject(pool: asyncpg.Pool, subject: str, actor: str, at: datetime) -> Tombstone:
    """Destroy `subject`'s key, keeping a tombstone; needs no master key (operators erase, they never decrypt)."""
    check_subject(subject)
    row = await pool.fetchrow(
        f"""UPDATE {SCHEMA}.subject_keys
            SET wrapped_key = NULL, erased_at = coalesce(erased_at, $2), erased_by = coalesce(erased_by, $3)
            WHERE subject = $1 RETURNING {_ROW}""",
        subject,
        at,
        actor,
    )
    if row is None:
        raise NotFound("data subject", subject)
    await _vacuum(pool)
    return _tombstone(row)


async def find_erasure(pool: asyncpg.Pool, subject: str) -> Tombstone | None:
    check_subject(subject)
    row = await pool.fetchrow(f"SELECT {_ROW} FROM {SCHEMA}.subject_keys WHERE subject = $1", subject)
    return _tombstone(row) if row is not None and row["erased_at"] is not None else None


async def _vacuum(pool: asyncpg.Pool) -> None:
    # best effort: drop the dead row version that still holds the wrapped key now, not at autovacuum
    try:
        await pool.execute(f"VACUUM {SCHEMA}.subject_keys")
    except asyncpg.PostgresError as exc:
        log.warning("keystore.vacuum_failed", error=type(exc).__name__)


def _tombstone(row: asyncpg.Record) -> Tombstone:
    return Tombstone(row["subject"], row["erased_at"], row["erased_by"])
