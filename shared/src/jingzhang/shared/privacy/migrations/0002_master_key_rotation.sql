-- Version 2: master-key rotation. Each wrapped key names the master key that wrapped it (NULL: one
-- of version 1, wrapped under the key `master_check` proves, adopted at the first start); the master
-- keys are registered by id with a known text sealed under each. Idempotent as well: stores made by
-- builds between rotation and this version table already have these.
ALTER TABLE keystore.subject_keys ADD COLUMN IF NOT EXISTS master_key_id text;
CREATE INDEX IF NOT EXISTS subject_keys_by_master ON keystore.subject_keys (master_key_id)
    WHERE wrapped_key IS NOT NULL;
CREATE TABLE IF NOT EXISTS keystore.master_keys (
    key_id        text PRIMARY KEY,
    sealed        bytea NOT NULL,
    introduced_at timestamptz NOT NULL DEFAULT now(),
    retired_at    timestamptz,
    retired_by    text
);
