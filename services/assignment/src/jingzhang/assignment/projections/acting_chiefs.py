"""Who acts for each tier of each enterprise now, as recorded by `ActingChiefChanged`.

Appeals and patrols keep their own copy of this from the same events; this one answers the API.
"""

from typing import Any

from jingzhang.assignment.domain.events import ActingChiefChanged, EnterpriseRegistered
from jingzhang.assignment.events import REGISTRY, SERVICE
from jingzhang.assignment.projections import Queries
from jingzhang.shared.envelope import Envelope
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.projection import Projection, Source, Tx

SQL = """
CREATE TABLE IF NOT EXISTS enterprises (enterprise_id text PRIMARY KEY);
CREATE TABLE IF NOT EXISTS acting (
    enterprise_id       text NOT NULL,
    tier                text NOT NULL,
    officer_id          text,
    previous_officer_id text,
    reason              text NOT NULL,
    effective_from      timestamptz NOT NULL,
    PRIMARY KEY (enterprise_id, tier)
);
"""

TIERS = ("bureau_leader", "station_chief", "police_chief")


async def apply(tx: Tx, env: Envelope, payload: DomainEvent) -> None:
    match payload:
        case EnterpriseRegistered(enterprise_id=eid):
            await tx.conn.execute("INSERT INTO enterprises VALUES ($1) ON CONFLICT DO NOTHING", eid)
        case ActingChiefChanged():
            await tx.conn.execute(
                "INSERT INTO acting VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (enterprise_id, tier) DO UPDATE"
                " SET officer_id = EXCLUDED.officer_id, previous_officer_id = EXCLUDED.previous_officer_id,"
                " reason = EXCLUDED.reason, effective_from = EXCLUDED.effective_from",
                payload.enterprise_id, payload.tier, payload.officer_id, payload.previous_officer_id, payload.reason,
                payload.effective_from,
            )  # fmt: skip
        case _:
            return


PROJECTION = Projection(
    name="acting_chiefs",
    schema_sql=SQL,
    sources=(Source(SERVICE, "enterprise"),),
    registry=REGISTRY,
    apply=apply,
    description="the acting chief per tier of every enterprise",
)


class ActingChiefs(Queries):
    projection = PROJECTION

    async def acting(self, enterprise_id: str, tier: str | None = None) -> list[dict[str, Any]] | None:
        """One row per tier (all three unless `tier`); a tier nobody ever acted for has `officer_id` None."""
        async with self.reading() as conn:
            if not await conn.fetchval("SELECT 1 FROM enterprises WHERE enterprise_id = $1", enterprise_id):
                return None
            rows = await conn.fetch("SELECT * FROM acting WHERE enterprise_id = $1", enterprise_id)
        recorded = {r["tier"]: dict(r) for r in rows}
        tiers = [tier] if tier else list(TIERS)
        return [recorded.get(t, {"enterprise_id": enterprise_id, "tier": t, "officer_id": None}) for t in tiers]
