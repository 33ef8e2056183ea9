"""Parked events: list them, and retry them in order once the cause is fixed.

Rejected messages (no event at all: garbage, foreign JSON, an envelope contradicting its subject)
are listed beside them; there is nothing to retry in them, they stay as evidence.
"""

from dataclasses import dataclass, replace
from datetime import datetime

import asyncpg

from jingzhang.shared.applier import Applier, Delivery, Outcome
from jingzhang.shared.projection import Projection


@dataclass(frozen=True, slots=True)
class ParkedEvent:
    projection: str
    stream_key: str
    version: int
    subject: str
    error: str
    parked_at: datetime


async def list_parked(conn: asyncpg.Connection | asyncpg.Pool, projection: Projection) -> list[ParkedEvent]:
    rows = await conn.fetch(
        f'SELECT stream_key, version, subject, error, parked_at FROM "{projection.schema}"._parked'
        " ORDER BY stream_key, version"
    )
    return [
        ParkedEvent(projection.name, r["stream_key"], r["version"], r["subject"], r["error"], r["parked_at"])
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class RejectedMessage:
    projection: str
    subject: str
    origin: str | None
    """`<stream>:<sequence>` of the message in the service stream, when known."""
    size: int
    error: str
    rejected_at: datetime


async def list_rejected(conn: asyncpg.Connection | asyncpg.Pool, projection: Projection) -> list[RejectedMessage]:
    rows = await conn.fetch(
        f'SELECT subject, origin, size, error, rejected_at FROM "{projection.schema}"._rejected ORDER BY id'
    )
    return [
        RejectedMessage(projection.name, r["subject"], r["origin"], r["size"], r["error"], r["rejected_at"])
        for r in rows
    ]


async def retry_parked(
    conn: asyncpg.Connection, applier: Applier, stream_key: str | None = None
) -> dict[str, list[Outcome]]:
    """Re-apply each parked stream's events in version order; what fails again is parked again."""
    schema = applier.projection.schema
    keys = (
        [stream_key]
        if stream_key
        else [r["stream_key"] for r in await conn.fetch(f'SELECT stream_key FROM "{schema}"._parked_streams')]
    )
    retrying = replace(applier, park_immediately=True)
    results: dict[str, list[Outcome]] = {}
    for key in keys:
        async with conn.transaction():  # un-park and re-apply commit together, or not at all
            await conn.execute("SELECT pg_advisory_xact_lock($1)", applier.projection.lock_key)
            rows = await conn.fetch(
                f'DELETE FROM "{schema}"._parked WHERE stream_key = $1 RETURNING version, subject, body', key
            )
            await conn.execute(f'DELETE FROM "{schema}"._parked_streams WHERE stream_key = $1', key)
            batch = [Delivery(r["subject"], bytes(r["body"])) for r in sorted(rows, key=lambda r: r["version"])]
            results[key] = await retrying.apply_batch(conn, batch) if batch else []
    return results
