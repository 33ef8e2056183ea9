"""Open coverage gaps: active enterprises missing a chief in some tier (保证每个企业至少有3个警长包联)."""

from collections.abc import Collection
from typing import Any

from jingzhang.assignment.domain.events import (
    CoverageGapChanged,
    CoverageGapClosed,
    CoverageGapOpened,
    EnterpriseRegistered,
)
from jingzhang.assignment.events import REGISTRY, SERVICE
from jingzhang.assignment.projections import Queries
from jingzhang.shared.envelope import Envelope
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.projection import Projection, Source, Tx

SQL = """
CREATE TABLE IF NOT EXISTS enterprise_names (enterprise_id text PRIMARY KEY, name text NOT NULL);
CREATE TABLE IF NOT EXISTS gaps (
    enterprise_id text PRIMARY KEY,
    missing       text[] NOT NULL,
    reason        text NOT NULL,
    opened_at     timestamptz NOT NULL,
    changed_at    timestamptz NOT NULL
);
"""


async def apply(tx: Tx, env: Envelope, payload: DomainEvent) -> None:
    match payload:
        case EnterpriseRegistered(enterprise_id=eid, name=name):
            await tx.conn.execute("INSERT INTO enterprise_names VALUES ($1, $2) ON CONFLICT DO NOTHING", eid, name)
        case CoverageGapOpened(enterprise_id=eid, missing=missing, reason=reason):
            await tx.conn.execute(
                "INSERT INTO gaps VALUES ($1, $2, $3, $4, $4) ON CONFLICT (enterprise_id) DO UPDATE"
                " SET missing = EXCLUDED.missing, reason = EXCLUDED.reason, opened_at = EXCLUDED.opened_at,"
                " changed_at = EXCLUDED.changed_at",
                eid, list(missing), reason, env.occurred_at,
            )  # fmt: skip
        case CoverageGapChanged(enterprise_id=eid, missing=missing, reason=reason):
            await tx.conn.execute(
                "UPDATE gaps SET missing = $2, reason = $3, changed_at = $4 WHERE enterprise_id = $1",
                eid, list(missing), reason, env.occurred_at,
            )  # fmt: skip
        case CoverageGapClosed(enterprise_id=eid):
            await tx.conn.execute("DELETE FROM gaps WHERE enterprise_id = $1", eid)
        case _:
            return


PROJECTION = Projection(
    name="coverage_gaps",
    schema_sql=SQL,
    sources=(Source(SERVICE, "enterprise"),),
    registry=REGISTRY,
    apply=apply,
    description="open coverage gaps: enterprises missing a chief in some tier",
)


class CoverageGaps(Queries):
    projection = PROJECTION

    async def open_gaps(self, only: Collection[str] | None = None) -> list[dict[str, Any]]:
        """Every open gap, or those of the enterprises among `only`."""
        async with self.reading() as conn:
            rows = await conn.fetch(
                "SELECT g.enterprise_id, n.name AS enterprise_name, g.missing, g.reason, g.opened_at, g.changed_at"
                " FROM gaps g LEFT JOIN enterprise_names n USING (enterprise_id)"
                " WHERE $1::text[] IS NULL OR g.enterprise_id = ANY($1) ORDER BY g.opened_at, g.enterprise_id",
                None if only is None else list(only),
            )
        return [dict(r) for r in rows]
