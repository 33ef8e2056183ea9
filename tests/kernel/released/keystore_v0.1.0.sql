-- The key store as release v0.1.0 created it (before master-key rotation and the version table):
-- one wrapped key per data subject, and `master_check` proving the one master key.
CREATE SCHEMA IF NOT EXISTS keystore;
CREATE TABLE IF NOT EXISTS keystore.subject_keys (
    subject     text PRIMARY KEY,
    wrapped_key bytea,
    created_at  timestamptz NOT NULL DEFAULT now(),
    erased_at   timestamptz,
    erased_by   text,
    CONSTRAINT erased_has_no_key CHECK ((wrapped_key IS NULL) = (erased_at IS NOT NULL))
);
CREATE TABLE IF NOT EXISTS keystore.master_check (
    id     int PRIMARY KEY CHECK (id = 1),
    sealed bytea NOT NULL
);
