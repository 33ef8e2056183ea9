"""Never silence: tiers with nobody acting, and key enterprises short of a B (AB角), as recorded.

`NobodyActing` / `NobodyActingEnded` and `CoverageShortfallOpened` / `CoverageShortfallClosed` fill the
two lists (and the gauges in `metrics.py`). Beside them it keeps what those events follow from (each
enterprise's class and status, its chiefs, who acts), so `unsettled` finds the enterprises whose
events are still due: data recorded before these rules, which the acting worker settles.
"""

import json
from collections.abc import Collection
from typing import Any

from jingzhang.assignment.domain.events import (
    ActingChiefChanged,
    ChiefAssigned,
    ChiefRelieved,
    CoverageShortfallClosed,
    CoverageShortfallOpened,
    EnterpriseClass,
    EnterpriseClosed,
    EnterpriseReclassified,
    EnterpriseRegistered,
    EnterpriseReinstated,
    EnterpriseSuspended,
    NobodyActing,
    NobodyActingEnded,
)
from jingzhang.assignment.events import REGISTRY, SERVICE
from jingzhang.assignment.projections import Queries
from jingzhang.shared.envelope import Envelope
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.projection import Projection, Source, Tx

SQL = """
CREATE TABLE IF NOT EXISTS enterprises (
    enterprise_id    text PRIMARY KEY,
    name             text NOT NULL,
    enterprise_class text NOT NULL,
    status           text NOT NULL
);
CREATE TABLE IF NOT EXISTS chiefs (
    enterprise_id text NOT NULL,
    tier          text NOT NULL,
    slot          text NOT NULL,
    officer_id    text NOT NULL,
    PRIMARY KEY (enterprise_id, tier, slot)
);
CREATE TABLE IF NOT EXISTS acting (
    enterprise_id text NOT NULL,
    tier          text NOT NULL,
    officer_id    text,
    PRIMARY KEY (enterprise_id, tier)
);
CREATE TABLE IF NOT EXISTS nobody_acting (
    enterprise_id text NOT NULL,
    tier          text NOT NULL,
    since         timestamptz NOT NULL,
    reason        text NOT NULL,
    recorded_at   timestamptz NOT NULL,
    PRIMARY KEY (enterprise_id, tier)
);
CREATE TABLE IF NOT EXISTS shortfalls (
    enterprise_id text NOT NULL,
    tier          text NOT NULL,
    vacant        text NOT NULL,
    reason        text NOT NULL,
    since         timestamptz NOT NULL,
    PRIMARY KEY (enterprise_id, tier)
);
"""


async def apply(tx: Tx, env: Envelope, payload: DomainEvent) -> None:
    conn = tx.conn
    match payload:
        case EnterpriseRegistered(enterprise_id=eid, name=name, enterprise_class=cls):
            await conn.execute(
                "INSERT INTO enterprises VALUES ($1, $2, $3, 'active') ON CONFLICT DO NOTHING", eid, name, cls
            )
        case EnterpriseReclassified(enterprise_id=eid, enterprise_class=cls):
            await conn.execute("UPDATE enterprises SET enterprise_class = $2 WHERE enterprise_id = $1", eid, cls)
        case EnterpriseSuspended(enterprise_id=eid):
            await _status(tx, eid, "suspended")
        case EnterpriseReinstated(enterprise_id=eid):
            await _status(tx, eid, "active")
        case EnterpriseClosed(enterprise_id=eid):
            await _status(tx, eid, "closed")
        case ChiefAssigned(enterprise_id=eid, tier=tier, slot=slot, officer_id=oid):
            await conn.execute(
                "INSERT INTO chiefs VALUES ($1, $2, $3, $4) ON CONFLICT (enterprise_id, tier, slot)"
                " DO UPDATE SET officer_id = EXCLUDED.officer_id",
                eid, tier, slot, oid,
            )  # fmt: skip
        case ChiefRelieved(enterprise_id=eid, tier=tier, slot=slot, officer_id=oid):
            await conn.execute(
                "DELETE FROM chiefs WHERE enterprise_id = $1 AND tier = $2 AND slot = $3 AND officer_id = $4",
                eid, tier, slot, oid,
            )  # fmt: skip
        case ActingChiefChanged(enterprise_id=eid, tier=tier, officer_id=oid):
            await conn.execute(
                "INSERT INTO acting VALUES ($1, $2, $3) ON CONFLICT (enterprise_id, tier)"
                " DO UPDATE SET officer_id = EXCLUDED.officer_id",
                eid, tier, oid,
            )  # fmt: skip
        case NobodyActing(enterprise_id=eid, tier=tier, since=since, reason=reason):
            await conn.execute(
                "INSERT INTO nobody_acting VALUES ($1, $2, $3, $4, $5) ON CONFLICT (enterprise_id, tier)"
                " DO UPDATE SET since = EXCLUDED.since, reason = EXCLUDED.reason, recorded_at = EXCLUDED.recorded_at",
                eid, tier, since, reason, env.occurred_at,
            )  # fmt: skip
        case NobodyActingEnded(enterprise_id=eid, tier=tier):
            await conn.execute("DELETE FROM nobody_acting WHERE enterprise_id = $1 AND tier = $2", eid, tier)
        case CoverageShortfallOpened(enterprise_id=eid, tier=tier, vacant=vacant, reason=reason):
            await conn.execute(
                "INSERT INTO shortfalls VALUES ($1, $2, $3, $4, $5) ON CONFLICT (enterprise_id, tier)"
                " DO UPDATE SET vacant = EXCLUDED.vacant, reason = EXCLUDED.reason, since = EXCLUDED.since",
                eid, tier, vacant, reason, env.occurred_at,
            )  # fmt: skip
        case CoverageShortfallClosed(enterprise_id=eid, tier=tier):
            await conn.execute("DELETE FROM shortfalls WHERE enterprise_id = $1 AND tier = $2", eid, tier)
        case _:
            return


async def _status(tx: Tx, enterprise_id: str, status: str) -> None:
    await tx.conn.execute("UPDATE enterprises SET status = $2 WHERE enterprise_id = $1", enterprise_id, status)


PROJECTION = Projection(
    name="duty_signals",
    schema_sql=SQL,
    sources=(Source(SERVICE, "enterprise"),),
    registry=REGISTRY,
    apply=apply,
    description="tiers with nobody acting and key enterprises short of a B, and which enterprises owe either",
)

# What `calendar.nobody_acting` and `coverage.shortfalls` decide, said over these tables: an active
# enterprise's tier that had someone acting and has nobody; a tier of an active key enterprise (every
# class but small and micro) held in exactly one slot.
_DUE_NOBODY = (
    "SELECT a.enterprise_id, a.tier FROM acting a JOIN enterprises e USING (enterprise_id)"
    " WHERE e.status = 'active' AND a.officer_id IS NULL"
)
_DUE_SHORTFALLS = (
    "SELECT c.enterprise_id, c.tier FROM chiefs c JOIN enterprises e USING (enterprise_id)"
    f" WHERE e.status = 'active' AND e.enterprise_class <> '{EnterpriseClass.SMALL_MICRO.value}'"
    " GROUP BY c.enterprise_id, c.tier HAVING count(*) = 1"
)
_RECORDED_NOBODY = "SELECT enterprise_id, tier FROM nobody_acting"
_RECORDED_SHORTFALLS = "SELECT enterprise_id, tier FROM shortfalls"
_UNSETTLED = f"""
SELECT DISTINCT enterprise_id FROM (
    ({_DUE_NOBODY} EXCEPT {_RECORDED_NOBODY}) UNION ({_RECORDED_NOBODY} EXCEPT {_DUE_NOBODY})
    UNION ({_DUE_SHORTFALLS} EXCEPT {_RECORDED_SHORTFALLS}) UNION ({_RECORDED_SHORTFALLS} EXCEPT {_DUE_SHORTFALLS})
) differ ORDER BY enterprise_id LIMIT $1
"""
_TIER_ORDER = "array_position(ARRAY['bureau_leader', 'station_chief', 'police_chief'], {}.tier)"


class DutySignals(Queries):
    projection = PROJECTION

    async def nobody_acting(self, only: Collection[str] | None = None) -> list[dict[str, Any]]:
        """Every tier with nobody acting (or those of the enterprises among `only`), with its chiefs."""
        async with self.reading() as conn:
            rows = await conn.fetch(
                "SELECT n.enterprise_id, e.name AS enterprise_name, n.tier, n.since, n.reason, n.recorded_at,"
                " coalesce((SELECT jsonb_agg(jsonb_build_object('slot', c.slot, 'officer_id', c.officer_id)"
                " ORDER BY c.slot) FROM chiefs c WHERE c.enterprise_id = n.enterprise_id AND c.tier = n.tier),"
                " '[]'::jsonb)::text AS chiefs"
                " FROM nobody_acting n LEFT JOIN enterprises e USING (enterprise_id)"
                " WHERE $1::text[] IS NULL OR n.enterprise_id = ANY($1)"
                f" ORDER BY n.since, n.enterprise_id, {_TIER_ORDER.format('n')}",
                None if only is None else list(only),
            )
        return [{**dict(r), "chiefs": json.loads(r["chiefs"])} for r in rows]

    async def shortfalls(self, only: Collection[str] | None = None) -> list[dict[str, Any]]:
        """Every tier of a key enterprise held by one chief (or those of the enterprises among `only`)."""
        async with self.reading() as conn:
            rows = await conn.fetch(
                "SELECT s.enterprise_id, e.name AS enterprise_name, e.enterprise_class, s.tier, s.vacant,"
                " (SELECT c.officer_id FROM chiefs c WHERE c.enterprise_id = s.enterprise_id AND c.tier = s.tier"
                " LIMIT 1) AS held_by, s.since, s.reason"
                " FROM shortfalls s LEFT JOIN enterprises e USING (enterprise_id)"
                " WHERE $1::text[] IS NULL OR s.enterprise_id = ANY($1)"
                f" ORDER BY s.enterprise_id, {_TIER_ORDER.format('s')}",
                None if only is None else list(only),
            )
        return [dict(r) for r in rows]

    async def unsettled(self, limit: int = 100) -> list[str]:
        """Enterprises whose nobody-acting or shortfall events are due but not recorded, or recorded but over."""
        async with self.reading() as conn:
            rows = await conn.fetch(_UNSETTLED, limit)
        return [r["enterprise_id"] for r in rows]

    async def counts(self) -> tuple[int, int, int]:
        """Tiers with nobody acting, tiers short of a B, key enterprises short of a B."""
        async with self.reading() as conn:
            row = await conn.fetchrow(COUNTS)
        return int(row["nobody"]), int(row["tiers"]), int(row["enterprises"])


COUNTS = (
    "SELECT (SELECT count(*) FROM nobody_acting) AS nobody, (SELECT count(*) FROM shortfalls) AS tiers,"
    " (SELECT count(DISTINCT enterprise_id) FROM shortfalls) AS enterprises"
)
