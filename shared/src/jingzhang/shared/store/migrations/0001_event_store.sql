-- Version 1: the event store of one service as first released (idempotent, so a database of that
-- release, which predates the version table, is version 1 exactly).
CREATE SCHEMA IF NOT EXISTS es;

CREATE TABLE IF NOT EXISTS es.events (
    position        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The writing transaction's id. Readers that must not skip events (the relay, republish)
    -- only read below the oldest transaction still running, in (tx_id, position) order:
    -- a bigserial alone is not commit order.
    tx_id           xid8 NOT NULL DEFAULT pg_current_xact_id(),
    event_id        uuid NOT NULL UNIQUE,
    aggregate_type  text NOT NULL,
    aggregate_id    text NOT NULL,
    version         integer NOT NULL CHECK (version > 0),
    event_type      text NOT NULL,
    schema_version  integer NOT NULL CHECK (schema_version > 0),
    data            jsonb NOT NULL,
    occurred_at     timestamptz NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    correlation_id  uuid NOT NULL,
    causation_id    uuid,
    actor           text NOT NULL,
    UNIQUE (aggregate_type, aggregate_id, version)
);

CREATE INDEX IF NOT EXISTS events_commit_order ON es.events (tx_id, position);

-- How far the relay has published, in commit order, and the JetStream sequence it last saw.
CREATE TABLE IF NOT EXISTS es.relay_checkpoint (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    tx_id       xid8 NOT NULL,
    position    bigint NOT NULL,
    published   bigint NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
INSERT INTO es.relay_checkpoint (tx_id, position) VALUES ('0', 0) ON CONFLICT DO NOTHING;

