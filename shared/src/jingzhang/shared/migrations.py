"""Read models that change shape are rebuilt on start, never patched in place or silently kept.

Every projection's tables are fingerprinted (its DDL with the kernel's bookkeeping tables). The
fingerprint installed is recorded per projection in `jz_meta.projection_schemas`. At start, before a
consumer runs, each projection is checked under a lock of its own (two replicas starting together
decide once):
- installed with this fingerprint: nothing to do (its `CREATE … IF NOT EXISTS` runs again);
- never installed: installed and recorded;
- installed with another fingerprint (a column added, a table reshaped between two releases):
  rebuilt by replay from the retained JetStream streams into a shadow schema and swapped in
  (blue/green, as `jingzhang replay` does) before it serves, then recorded;
- a reactor (it records events, so a replay would publish them again) whose tables changed: the
  service refuses to start and says what to do, rather than run on tables of another shape;
- installed before fingerprints were recorded (an earlier release): rebuilt once the same way, a
  reactor adopted as it is.
"""

import hashlib
from collections.abc import Sequence

import asyncpg
import structlog
from nats.aio.client import Client as NATS

from jingzhang.shared import sessions
from jingzhang.shared.projection import KERNEL_TABLES, Projection, install
from jingzhang.shared.replay import rebuild

log = structlog.get_logger(__name__)

META_SQL = """
CREATE SCHEMA IF NOT EXISTS jz_meta;
CREATE TABLE IF NOT EXISTS jz_meta.projection_schemas (
    projection   text PRIMARY KEY,
    fingerprint  text NOT NULL,
    installed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
"""


class ProjectionSchemaChanged(RuntimeError):
    """A reactor's tables changed: it cannot be rebuilt by replay, so the service does not start."""


def fingerprint(projection: Projection) -> str:
    text = "\n".join(" ".join(part.split()) for part in (KERNEL_TABLES, projection.schema_sql))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _lock_key(projection: Projection) -> int:
    digest = hashlib.blake2b(f"migrate:{projection.schema}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


async def prepare(pool: asyncpg.Pool, nc: NATS, projections: Sequence[Projection]) -> list[str]:
    """Make every projection's tables the shape this code declares; returns those rebuilt."""
    async with pool.acquire() as conn:
        await conn.execute(META_SQL)
    rebuilt = []
    for projection in projections:
        if await _prepare_one(pool, nc, projection):
            rebuilt.append(projection.name)
    return rebuilt


async def _prepare_one(pool: asyncpg.Pool, nc: NATS, projection: Projection) -> bool:
    current = fingerprint(projection)
    async with pool.acquire() as conn:
        sessions.holds_session_state(conn)
        await conn.execute("SELECT pg_advisory_lock($1)", _lock_key(projection))
        try:
            recorded = await conn.fetchval(
                "SELECT fingerprint FROM jz_meta.projection_schemas WHERE projection = $1", projection.name
            )
            exists = await conn.fetchval("SELECT 1 FROM pg_namespace WHERE nspname = $1", projection.schema)
            if recorded == current or not exists or (recorded is None and projection.reactor):
                await install(conn, projection)
                await _record(conn, projection, current)
                return False
            if projection.reactor:
                raise ProjectionSchemaChanged(
                    f"the tables of {projection.name} (schema {projection.schema}) changed and it records events,"
                    " so it cannot be rebuilt by replay: migrate its tables by hand, then let the next start adopt"
                    f" them: DELETE FROM jz_meta.projection_schemas WHERE projection = '{projection.name}'"
                    " (see docs/architecture.md, Migrations)"
                )
            log.warning("projection.schema_changed", projection=projection.name, was=recorded, now=current)
            result = await rebuild(pool, nc, projection)
            log.info("projection.rebuilt", projection=projection.name, events=result.events, seconds=result.seconds)
            await _record(conn, projection, current)
            return True
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", _lock_key(projection))


async def _record(conn: asyncpg.Connection, projection: Projection, current: str) -> None:
    await conn.execute(
        "INSERT INTO jz_meta.projection_schemas (projection, fingerprint) VALUES ($1, $2)"
        " ON CONFLICT (projection) DO UPDATE SET fingerprint = $2, installed_at = clock_timestamp()",
        projection.name,
        current,
    )
