"""The master keys a key store knows: proving a process holds the right ones, introducing a new one.

Each master key is registered by its id with a known text sealed under it (`master_keys`), and each
wrapped data key records the id of the master key that wrapped it. A process proves itself by holding
at least one registered key (for an empty store, any key); its current key (KEYSTORE_MASTER_KEY) is
then registered if new: that is how a rotation introduces the new key. A retired key is refused as
the current one. A store of the release before rotation proved its one master key with `master_check`:
the first start of this release adopts that key, and records it on every data key it wrapped.
"""

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from jingzhang.shared.privacy.crypto import MasterKey, MasterKeyRing
from jingzhang.shared.privacy.errors import MasterKeyRetired, WrongMasterKey
from jingzhang.shared.privacy.schema import SCHEMA

_CHECK_TEXT = b"jingzhang key store"
_LEGACY_AAD = b"jz-keystore:check"


def _check_aad(key_id: str) -> bytes:
    return f"jz-keystore:master:{key_id}".encode()


@dataclass(frozen=True, slots=True)
class Registered:
    key_id: str
    introduced_at: datetime
    retired_at: datetime | None
    retired_by: str | None


async def prove(conn: asyncpg.Connection, ring: MasterKeyRing) -> None:
    """Raise `WrongMasterKey` unless `ring` holds a key this store knows (an empty store knows none
    yet), `MasterKeyRetired` if its current key was retired; then register the current key if new.
    The caller holds a transaction and the install lock."""
    rows = await _registered(conn)
    if not rows:
        await _adopt_legacy(conn, ring)
        rows = await _registered(conn)
    known = [key for key in ring if key.key_id in rows]
    if rows and not known:
        raise WrongMasterKey(
            "KEYSTORE_MASTER_KEY does not open the key store's keys: it was created with another master key"
            f" (the store knows {', '.join(sorted(rows))}; given {', '.join(sorted(ring.ids))})"
        )
    for key in known:  # an id is a hash of its key: this fails only if the row was tampered with
        key.open(rows[key.key_id]["sealed"], _check_aad(key.key_id))
    current = rows.get(ring.current.key_id)
    if current is not None and current["retired_at"] is not None:
        raise MasterKeyRetired(
            f"KEYSTORE_MASTER_KEY ({ring.current.key_id}) was retired at {current['retired_at'].isoformat()}:"
            " give the master key that replaced it"
        )
    if current is None:
        await register(conn, ring.current)


async def register(conn: asyncpg.Connection, key: MasterKey) -> None:
    await conn.execute(
        f"INSERT INTO {SCHEMA}.master_keys (key_id, sealed) VALUES ($1, $2) ON CONFLICT (key_id) DO NOTHING",
        key.key_id,
        key.seal(_CHECK_TEXT, _check_aad(key.key_id)),
    )


async def _registered(conn: asyncpg.Connection) -> dict[str, asyncpg.Record]:
    rows = await conn.fetch(f"SELECT key_id, sealed, retired_at FROM {SCHEMA}.master_keys")
    return {row["key_id"]: row for row in rows}


async def _adopt_legacy(conn: asyncpg.Connection, ring: MasterKeyRing) -> None:
    sealed = await conn.fetchval(f"SELECT sealed FROM {SCHEMA}.master_check WHERE id = 1")
    if sealed is None:
        return  # a new store
    for key in ring:
        try:
            key.open(sealed, _LEGACY_AAD)
        except WrongMasterKey:
            continue
        await register(conn, key)
        await conn.execute(
            f"UPDATE {SCHEMA}.subject_keys SET master_key_id = $1"
            " WHERE master_key_id IS NULL AND wrapped_key IS NOT NULL",
            key.key_id,
        )
        return
    raise WrongMasterKey(
        "KEYSTORE_MASTER_KEY does not open the key store's keys: it was created with another master key"
    )


async def registered(pool: asyncpg.Pool) -> list[Registered]:
    """Every master key the store knows, oldest first (no key needed to ask)."""
    rows = await pool.fetch(
        f"SELECT key_id, introduced_at, retired_at, retired_by FROM {SCHEMA}.master_keys ORDER BY introduced_at, key_id"
    )
    return [Registered(r["key_id"], r["introduced_at"], r["retired_at"], r["retired_by"]) for r in rows]
