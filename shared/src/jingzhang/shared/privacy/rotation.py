"""Rotating the master key online: re-wrap every data key under the new one, then retire the old.

1. Every service runs with KEYSTORE_MASTER_KEY = the new key and KEYSTORE_PREVIOUS_MASTER_KEYS = the
   old one: new keys are wrapped under the new key, old ones still open.
2. `rotate` re-wraps, in batches, every key not yet under the current master key. Each batch locks its
   rows and rewrites each row's wrapped key together with the id of the key that wrapped it, in one
   transaction; a reader meanwhile sees a row either before or after and unwraps it under the key the
   row names, so services read and write throughout. Passes repeat until one finds nothing to do
   (a replica still on the old configuration may have wrapped a new key under the old master key).
3. `retire` marks the old key retired once no data key is wrapped under it; no service will take it
   as its current key again, and it can be deleted from the secret store.

Only wrapped keys change: no event, no token, no projection is touched.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg
import structlog

from jingzhang.shared.privacy import masters
from jingzhang.shared.privacy.crypto import KEY_ID_PATTERN, MasterKeyRing
from jingzhang.shared.privacy.errors import PrivacyError, UnknownMasterKey
from jingzhang.shared.privacy.keystore import unwrap
from jingzhang.shared.privacy.schema import SCHEMA, install_keystore

log = structlog.get_logger(__name__)

MAX_PASSES = 5
UNRECORDED = "unrecorded"
"""How `wrapped_by` names keys whose row records no master key (written by a release before rotation)."""


class InvalidKeyId(ValueError):
    """A master key id that is not 16 lower-case hex digits."""


class MasterKeyInUse(PrivacyError):
    """Data keys are still wrapped under the master key someone wants to retire."""


@dataclass(frozen=True, slots=True)
class Rotation:
    master_key_id: str
    rewrapped: int
    batches: int
    wrapped_by: dict[str, int] = field(default_factory=dict)
    """Data keys per master key id once done: the current key's alone unless a straggler wrote meanwhile."""
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class Retirement:
    key_id: str
    retired_at: datetime
    retired_by: str
    already: bool


async def wrapped_by(pool: asyncpg.Pool) -> dict[str, int]:
    """How many live data keys each master key wraps."""
    rows = await pool.fetch(
        f"""SELECT coalesce(master_key_id, '{UNRECORDED}') AS key_id, count(*) AS keys FROM {SCHEMA}.subject_keys
            WHERE wrapped_key IS NOT NULL GROUP BY 1 ORDER BY 1"""
    )
    return {row["key_id"]: int(row["keys"]) for row in rows}


async def rotate(
    pool: asyncpg.Pool, ring: MasterKeyRing, *, batch: int = 500, progress: Callable[[int], None] | None = None
) -> Rotation:
    """Re-wrap every data key under `ring.current`. Checks first, changing nothing, that the ring
    opens the store and holds every master key a data key is wrapped under (`UnknownMasterKey`)."""
    started = time.monotonic()
    async with pool.acquire() as conn, conn.transaction():
        await install_keystore(conn)
        await _check_held(conn, ring)
        await masters.prove(conn, ring)  # registers the new key: only now that nothing can refuse
    rewrapped = batches = 0
    for _ in range(MAX_PASSES):
        done, count = await _pass(pool, ring, batch, progress)
        rewrapped, batches = rewrapped + done, batches + count
        if not done:
            break
    await _vacuum(pool)
    return Rotation(ring.current.key_id, rewrapped, batches, await wrapped_by(pool), time.monotonic() - started)


async def _check_held(conn: asyncpg.Connection, ring: MasterKeyRing) -> None:
    rows = await conn.fetch(
        f"SELECT DISTINCT master_key_id FROM {SCHEMA}.subject_keys WHERE wrapped_key IS NOT NULL"
        " AND master_key_id IS NOT NULL"
    )
    missing = sorted({row["master_key_id"] for row in rows} - ring.ids)
    if missing:
        raise UnknownMasterKey(
            f"data keys are wrapped under master key(s) {', '.join(missing)}, which were not given:"
            " set KEYSTORE_PREVIOUS_MASTER_KEYS to the old key(s); nothing was changed"
        )


async def _pass(
    pool: asyncpg.Pool, ring: MasterKeyRing, batch: int, progress: Callable[[int], None] | None
) -> tuple[int, int]:
    """One walk over the subjects in order, a batch per transaction: (keys re-wrapped, batches)."""
    current = ring.current
    after, done, batches = "", 0, 0
    while True:
        async with pool.acquire() as conn, conn.transaction():
            # FOR UPDATE: an erasure running now either commits first (the row drops out: it has no key)
            # or waits for this batch; either way no destroyed key comes back
            rows = await conn.fetch(
                f"""SELECT subject, wrapped_key, master_key_id FROM {SCHEMA}.subject_keys
                    WHERE subject > $1 AND wrapped_key IS NOT NULL AND master_key_id IS DISTINCT FROM $2
                    ORDER BY subject LIMIT $3 FOR UPDATE""",
                after,
                current.key_id,
                batch,
            )
            if not rows:
                return done, batches
            subjects = [row["subject"] for row in rows]
            wrapped = [
                current.wrap(unwrap(ring, row["subject"], row["wrapped_key"], row["master_key_id"]), row["subject"])
                for row in rows
            ]
            await conn.execute(
                f"""UPDATE {SCHEMA}.subject_keys k SET wrapped_key = u.w, master_key_id = $3
                    FROM unnest($1::text[], $2::bytea[]) AS u(s, w) WHERE k.subject = u.s""",
                subjects,
                wrapped,
                current.key_id,
            )
        after, done, batches = subjects[-1], done + len(rows), batches + 1
        if progress is not None:
            progress(done)


async def retire(pool: asyncpg.Pool, key_id: str, actor: str, at: datetime) -> Retirement:
    """Mark `key_id` retired: `MasterKeyInUse` while a data key is wrapped under it (or under a key no
    row names), `UnknownMasterKey` for an id the store never knew, `InvalidKeyId` for a malformed one."""
    if not KEY_ID_PATTERN.fullmatch(key_id):
        raise InvalidKeyId(f"master key id {key_id!r} must be 16 lower-case hex digits (see `privacy master-keys`)")
    async with pool.acquire() as conn, conn.transaction():
        # no key is wrapped or re-wrapped under it while we look
        await conn.execute(f"LOCK TABLE {SCHEMA}.subject_keys IN SHARE MODE")
        row = await conn.fetchrow(
            f"SELECT retired_at, retired_by FROM {SCHEMA}.master_keys WHERE key_id = $1 FOR UPDATE", key_id
        )
        if row is None:
            raise UnknownMasterKey(f"this key store knows no master key {key_id}; nothing was changed")
        if row["retired_at"] is not None:
            return Retirement(key_id, row["retired_at"], row["retired_by"], already=True)
        in_use = await conn.fetchval(
            f"""SELECT count(*) FROM {SCHEMA}.subject_keys
                WHERE wrapped_key IS NOT NULL AND (master_key_id = $1 OR master_key_id IS NULL)""",
            key_id,
        )
        others = await conn.fetchval(
            f"SELECT count(*) FROM {SCHEMA}.master_keys WHERE key_id <> $1 AND retired_at IS NULL", key_id
        )
        if not others:
            raise MasterKeyInUse(f"master key {key_id} is the only one in service: it cannot be retired")
        if in_use:
            raise MasterKeyInUse(
                f"{in_use} data key(s) may still be wrapped under master key {key_id}:"
                " run `jingzhang privacy rotate-master-key` first; nothing was changed"
            )
        await conn.execute(
            f"UPDATE {SCHEMA}.master_keys SET retired_at = $2, retired_by = $3 WHERE key_id = $1", key_id, at, actor
        )
    return Retirement(key_id, at, actor, already=False)


async def _vacuum(pool: asyncpg.Pool) -> None:
    # best effort: drop the dead row versions that still hold keys wrapped under the old master key
    try:
        await pool.execute(f"VACUUM {SCHEMA}.subject_keys")
    except asyncpg.PostgresError as exc:
        log.warning("keystore.vacuum_failed", error=type(exc).__name__)
