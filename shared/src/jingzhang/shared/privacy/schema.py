"""The key store's tables: per-subject wrapped keys, and the master keys that wrapped them.

Created idempotently by every service at start (under an advisory lock, so replicas starting together
install once); a store of an earlier release gains `master_key_id` and `master_keys` here.
"""

import asyncpg

SCHEMA = "keystore"

DDL = f"""
CREATE SCHEMA IF NOT EXISTS {SCHEMA};
CREATE TABLE IF NOT EXISTS {SCHEMA}.subject_keys (
    subject     text PRIMARY KEY,
    wrapped_key bytea,
    created_at  timestamptz NOT NULL DEFAULT now(),
    erased_at   timestamptz,
    erased_by   text,
    CONSTRAINT erased_has_no_key CHECK ((wrapped_key IS NULL) = (erased_at IS NOT NULL))
);
-- which master key wrapped the key (NULL: written by a release before rotation, the first master key)
ALTER TABLE {SCHEMA}.subject_keys ADD COLUMN IF NOT EXISTS master_key_id text;
CREATE INDEX IF NOT EXISTS subject_keys_by_master ON {SCHEMA}.subject_keys (master_key_id)
    WHERE wrapped_key IS NOT NULL;
-- an earlier release's proof of its one master key; read once to adopt that key into master_keys
CREATE TABLE IF NOT EXISTS {SCHEMA}.master_check (
    id     int PRIMARY KEY CHECK (id = 1),
    sealed bytea NOT NULL
);
CREATE TABLE IF NOT EXISTS {SCHEMA}.master_keys (
    key_id        text PRIMARY KEY,
    sealed        bytea NOT NULL,  -- a known text sealed under the key: proves a key is the one named
    introduced_at timestamptz NOT NULL DEFAULT now(),
    retired_at    timestamptz,
    retired_by    text
);
"""

INSTALL_LOCK = 7231008


async def install_keystore(conn: asyncpg.Connection) -> None:
    """Create or complete the tables; the caller holds a transaction."""
    await conn.execute("SELECT pg_advisory_xact_lock($1)", INSTALL_LOCK)  # concurrent starts install once
    await conn.execute(DDL)
