"""Snapshots of the tally projection, to compare live consumption with replays."""

import asyncpg

from jingzhang.shared.projection import Projection


async def snapshot(
    pool: asyncpg.Pool | asyncpg.Connection, projection: Projection, prefix: str = ""
) -> dict[str, tuple[int, int, int]]:
    rows = await pool.fetch(
        f'SELECT aggregate_id, digest, events, last_version FROM "{projection.schema}".tally'
        " WHERE aggregate_id LIKE $1 || '%'",
        prefix,
    )
    return {r["aggregate_id"]: (r["digest"], r["events"], r["last_version"]) for r in rows}


async def applied_counts(pool: asyncpg.Pool, projection: Projection) -> tuple[int, int]:
    """(rows in the applied log, distinct event ids in it): equal when nothing was applied twice."""
    row = await pool.fetchrow(
        f'SELECT count(*) AS n, count(DISTINCT event_id) AS d FROM "{projection.schema}".applied_log'
    )
    assert row is not None
    return int(row["n"]), int(row["d"])
