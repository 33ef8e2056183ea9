"""Hazards awaiting rectification, by deadline; the cadence worker reads it to raise overdue ones."""

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date

import asyncpg

from jingzhang.patrols.domain.hazard import HazardFound, HazardRectificationOverdue, HazardRectified, HazardVerified
from jingzhang.patrols.events import REGISTRY
from jingzhang.shared.envelope import Envelope
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.projection import Projection, Source, Tx, use_schema

SQL = """
CREATE TABLE IF NOT EXISTS hazard (
    hazard_id         text PRIMARY KEY,
    enterprise_id     text NOT NULL,
    description       text NOT NULL,
    found_on          date NOT NULL,
    rectification_due date NOT NULL,
    status            text NOT NULL
);
CREATE INDEX IF NOT EXISTS hazard_by_deadline ON hazard (status, rectification_due);
"""


async def _status(tx: Tx, hazard_id: str, status: str) -> None:
    await tx.conn.execute("UPDATE hazard SET status = $2 WHERE hazard_id = $1", hazard_id, status)


async def apply(tx: Tx, env: Envelope, payload: DomainEvent) -> None:
    match payload:
        case HazardFound():
            await tx.conn.execute(
                "INSERT INTO hazard VALUES ($1, $2, $3, $4, $5, 'open') ON CONFLICT (hazard_id) DO NOTHING",
                payload.hazard_id,
                payload.enterprise_id,
                payload.description,
                payload.found_on,
                payload.rectification_due,
            )
        case HazardRectificationOverdue():
            await _status(tx, payload.hazard_id, "overdue")
        case HazardRectified():
            await _status(tx, payload.hazard_id, "rectified")
        case HazardVerified():
            await _status(tx, payload.hazard_id, "verified")
        case _:
            return


PROJECTION = Projection(
    name="patrols_hazards",
    schema_sql=SQL,
    sources=(Source("patrols", "hazard"),),
    registry=REGISTRY,
    apply=apply,
    description="Hazards and their rectification status, by deadline",
)


@dataclass(frozen=True, slots=True)
class OpenHazard:
    hazard_id: str
    enterprise_id: str
    description: str
    found_on: date
    rectification_due: date
    status: str


class PostgresHazards:
    """Hazards awaiting rectification, read from this projection."""

    def __init__(self, pool: Callable[[], asyncpg.Pool]) -> None:
        self._pool = pool

    async def open_hazards(
        self, due_before: date | None = None, only: Collection[str] | None = None
    ) -> list[OpenHazard]:
        """Hazards not yet rectified (open or overdue), nearest deadline first; or only those due before a day,
        or found at the enterprises `only`."""
        async with self._pool().acquire() as conn, conn.transaction():
            await use_schema(conn, PROJECTION)
            rows = await conn.fetch(
                "SELECT * FROM hazard WHERE status IN ('open', 'overdue')"
                " AND ($1::date IS NULL OR rectification_due < $1)"
                " AND ($2::text[] IS NULL OR enterprise_id = ANY($2)) ORDER BY rectification_due, hazard_id",
                due_before,
                None if only is None else sorted(only),
            )
        return [OpenHazard(**{f: r[f] for f in OpenHazard.__slots__}) for r in rows]
