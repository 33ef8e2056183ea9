"""A read model whose tables changed between two releases is rebuilt on start, before it serves; a
reactor whose tables changed stops the start with what to do; an unchanged one is left alone."""

import dataclasses

import asyncpg
import pytest
from nats.aio.client import Client as NATS

from jingzhang.shared.envelope import Envelope, StreamId
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.migrations import ProjectionSchemaChanged, fingerprint
from jingzhang.shared.projection import Projection, Tx
from jingzhang.shared.runtime import Runtime
from jingzhang.shared.testing.sample import AGGREGATE, TALLY_SQL, Noted, meta, noted, tally
from tests.conftest import ServiceEnv
from tests.kernel.helpers import eventually

RESHAPED_SQL = """
CREATE TABLE IF NOT EXISTS tally_v2 (
    aggregate_id text PRIMARY KEY,
    total        bigint NOT NULL,   -- a new shape: the sum, which the old tables never held
    events       integer NOT NULL
);
"""


async def apply_v2(tx: Tx, env: Envelope, payload: DomainEvent) -> None:
    if isinstance(payload, Noted):
        await tx.conn.execute(
            "INSERT INTO tally_v2 AS t VALUES ($1, $2, 1)"
            " ON CONFLICT (aggregate_id) DO UPDATE SET total = t.total + $2, events = t.events + 1",
            env.stream.aggregate_id,
            payload.amount,
        )


def reshaped(old: Projection) -> Projection:
    return dataclasses.replace(old, schema_sql=RESHAPED_SQL, apply=apply_v2)


async def started(service_env: ServiceEnv, settings: object, projection: Projection) -> Runtime:
    runtime = Runtime("assignment", settings, (projection,))  # type: ignore[arg-type]
    await runtime.start()
    return runtime


async def test_a_changed_projection_is_rebuilt_by_replay_before_it_serves(
    service_env: ServiceEnv, provisioned: NATS
) -> None:
    settings = await service_env.settings("assignment")
    old = tally("migrating")
    runtime = await started(service_env, settings, old)
    try:
        for n, amount in enumerate((5, 7, 11)):
            await runtime.store.append(StreamId(AGGREGATE, "m1"), n, [noted(amount)], meta())

        async def applied() -> bool:
            return await runtime.pool.fetchval("SELECT events FROM proj_migrating.tally WHERE aggregate_id = 'm1'") == 3

        await eventually(applied, timeout=30)
    finally:
        await runtime.stop()

    new = reshaped(old)
    assert fingerprint(new) != fingerprint(old)
    runtime = await started(service_env, settings, new)
    try:
        assert runtime.rebuilt == ["migrating"]
        row = await runtime.pool.fetchrow("SELECT total, events FROM proj_migrating.tally_v2 WHERE aggregate_id = 'm1'")
        assert (row["total"], row["events"]) == (23, 3)  # there at once: rebuilt before serving
        assert not await runtime.pool.fetchval("SELECT to_regclass('proj_migrating.tally') IS NOT NULL")
    finally:
        await runtime.stop()

    runtime = await started(service_env, settings, new)  # a third start: nothing to do
    try:
        assert runtime.rebuilt == []
    finally:
        await runtime.stop()


async def test_a_reactor_whose_tables_changed_refuses_to_start(service_env: ServiceEnv, provisioned: NATS) -> None:
    settings = await service_env.settings("assignment")
    reactor = dataclasses.replace(tally("reacting"), reactor=True)
    runtime = await started(service_env, settings, reactor)
    await runtime.stop()
    changed = dataclasses.replace(reactor, schema_sql=TALLY_SQL + "\nCREATE TABLE IF NOT EXISTS extra (x int);")
    runtime = Runtime("assignment", settings, (changed,))
    with pytest.raises(ProjectionSchemaChanged, match=r"reacting.*DELETE FROM jz_meta\.projection_schemas"):
        await runtime.start()
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=1)
    try:
        assert not await pool.fetchval("SELECT to_regclass('proj_reacting.extra') IS NOT NULL")  # nothing changed
    finally:
        await pool.close()
        await runtime.stop()
