"""Who acts for each tier of each enterprise at an instant, as recorded by `ActingChiefChanged`.

A change takes effect from its `effective_from`, which may be later than when it was recorded (a chief
relieved from next Monday hands the tier to B from Monday): each change is kept with its date, and a
read answers as of the instant it is given, with the changes already recorded for later. A tier's
changes may be recorded out of the order they take effect (an absence before a relief recorded for a
later date, `calendar.sync_acting`), so reads order them by `effective_from`; two at one instant: the
later recorded stands. Appeals and patrols keep their own copy of this from the same events; this
one answers the API.
"""

from datetime import datetime
from typing import Any

from jingzhang.assignment.domain.events import ActingChiefChanged, EnterpriseRegistered
from jingzhang.assignment.events import REGISTRY, SERVICE
from jingzhang.assignment.projections import Queries
from jingzhang.shared.envelope import Envelope
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.projection import Projection, Source, Tx

SQL = """
CREATE TABLE IF NOT EXISTS enterprises (enterprise_id text PRIMARY KEY);
CREATE TABLE IF NOT EXISTS acting_changes (
    enterprise_id       text NOT NULL,
    tier                text NOT NULL,
    effective_from      timestamptz NOT NULL,
    officer_id          text,
    previous_officer_id text,
    reason              text NOT NULL,
    PRIMARY KEY (enterprise_id, tier, effective_from)
);
"""

TIERS = ("bureau_leader", "station_chief", "police_chief")


async def apply(tx: Tx, env: Envelope, payload: DomainEvent) -> None:
    match payload:
        case EnterpriseRegistered(enterprise_id=eid):
            await tx.conn.execute("INSERT INTO enterprises VALUES ($1) ON CONFLICT DO NOTHING", eid)
        case ActingChiefChanged():
            await tx.conn.execute(
                "INSERT INTO acting_changes VALUES ($1, $2, $3, $4, $5, $6)"
                " ON CONFLICT (enterprise_id, tier, effective_from) DO UPDATE"
                " SET officer_id = EXCLUDED.officer_id, previous_officer_id = EXCLUDED.previous_officer_id,"
                " reason = EXCLUDED.reason",
                payload.enterprise_id, payload.tier, payload.effective_from, payload.officer_id,
                payload.previous_officer_id, payload.reason,
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


_CHANGE = ("officer_id", "previous_officer_id", "reason", "effective_from")


class ActingChiefs(Queries):
    projection = PROJECTION

    async def acting(self, enterprise_id: str, at: datetime, tier: str | None = None) -> list[dict[str, Any]] | None:
        """One row per tier (all three unless `tier`): who acts at `at` (the change in force then; a
        tier nobody acted for by then has `officer_id` None) and `upcoming`, the changes recorded to
        take effect after `at`, in order. None for an enterprise never registered."""
        async with self.reading() as conn:
            if not await conn.fetchval("SELECT 1 FROM enterprises WHERE enterprise_id = $1", enterprise_id):
                return None
            rows = await conn.fetch(
                "SELECT * FROM acting_changes WHERE enterprise_id = $1 ORDER BY tier, effective_from", enterprise_id
            )
        tiers = [tier] if tier else list(TIERS)
        return [_as_of(enterprise_id, t, [r for r in rows if r["tier"] == t], at) for t in tiers]


def _as_of(enterprise_id: str, tier: str, changes: list[Any], at: datetime) -> dict[str, Any]:
    in_force = [c for c in changes if c["effective_from"] <= at]
    now = {k: in_force[-1][k] for k in _CHANGE} if in_force else {"officer_id": None}
    upcoming = [{k: c[k] for k in _CHANGE} for c in changes if c["effective_from"] > at]
    return {"enterprise_id": enterprise_id, "tier": tier, **now, "upcoming": upcoming}
