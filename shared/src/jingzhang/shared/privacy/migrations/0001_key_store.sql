-- Version 1: the key store as first released (v0.1.0), idempotent, so a store of that release, which
-- predates the version table, is version 1 exactly: one wrapped key per data subject (NULL once
-- erased, with who and when), and a text sealed under the one master key that proves it.
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
