"""Never silence: tiers with nobody acting, and key enterprises short of a B (AB角), as recorded.

`NobodyActing` / `NobodyActingEnded` and `CoverageShortfallOpened` / `CoverageShortfallClosed` fill the
two lists (and the gauges in `metrics.py`). Beside them it keeps what those events follow from (each
enterprise's class and status, its chiefs' terms and who acts, each from its `effective_from`), so
`unsettled` finds the enterprises whose events are due at an instant and not recorded, or recorded and
over: data recorded before these rules, which the acting worker settles. A change decided ahead is
not due before its date (the worker settles it then, `term_dates`), so it is not unsettled meanwhile.
"""

import json
from collections.abc import Collection
from datetime import datetime
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
from jingzhang.assignment.projections import Queries, dated_chiefs
from jingzhang.shared.envelope import Envelope
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.projection import Projection, Source, Tx

SQL = (
    dated_chiefs.SQL
    + """
CREATE TABLE IF NOT EXISTS enterprises (
    enterprise_id    text PRIMARY KEY,
    name             text NOT NULL,
    enterprise_class text NOT NULL,
    status           text NOT NULL
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
)


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
        case ChiefAssigned() | ChiefRelieved() | ActingChiefChanged():
            await dated_chiefs.apply(conn, payload)
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

# What `calendar.nobody_acting` and `coverage.shortfalls` decide at an instant ($2), said over these
# tables: an active enterprise's tier whose acting change in force then names nobody; a tier of an
# active key enterprise (every class but small and micro) held in exactly one slot then.
_HELD_AT = dated_chiefs.HELD_AT.format(at="$2")
_DUE_NOBODY = (
    f"SELECT a.enterprise_id, a.tier FROM ({dated_chiefs.ACTING_AT.format(at='$2')}) a"
    " JOIN enterprises e USING (enterprise_id) WHERE e.status = 'active' AND a.officer_id IS NULL"
)
_DUE_SHORTFALLS = (
    "SELECT c.enterprise_id, c.tier FROM chief_terms c JOIN enterprises e USING (enterprise_id)"
    f" WHERE e.status = 'active' AND e.enterprise_class <> '{EnterpriseClass.SMALL_MICRO.value}' AND {_HELD_AT}"
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

    async def nobody_acting(self, at: datetime, only: Collection[str] | None = None) -> list[dict[str, Any]]:
        """Every tier with nobody acting (or those of the enterprises among `only`), with its chiefs at `at`
        (those away, or none: every chief relieved)."""
        async with self.reading() as conn:
            rows = await conn.fetch(
                "SELECT n.enterprise_id, e.name AS enterprise_name, n.tier, n.since, n.reason, n.recorded_at,"
                " coalesce((SELECT jsonb_agg(jsonb_build_object('slot', c.slot, 'officer_id', c.officer_id)"
                " ORDER BY c.slot) FROM chief_terms c WHERE c.enterprise_id = n.enterprise_id AND c.tier = n.tier"
                f" AND {_HELD_AT}), '[]'::jsonb)::text AS chiefs"
                " FROM nobody_acting n LEFT JOIN enterprises e USING (enterprise_id)"
                " WHERE $1::text[] IS NULL OR n.enterprise_id = ANY($1)"
                f" ORDER BY n.since, n.enterprise_id, {_TIER_ORDER.format('n')}",
                None if only is None else list(only),
                at,
            )
        return [{**dict(r), "chiefs": json.loads(r["chiefs"])} for r in rows]

    async def shortfalls(self, at: datetime, only: Collection[str] | None = None) -> list[dict[str, Any]]:
        """Every tier of a key enterprise held by one chief (or those of the enterprises among `only`), with
        who holds it at `at`."""
        async with self.reading() as conn:
            rows = await conn.fetch(
                "SELECT s.enterprise_id, e.name AS enterprise_name, e.enterprise_class, s.tier, s.vacant,"
                " (SELECT c.officer_id FROM chief_terms c WHERE c.enterprise_id = s.enterprise_id AND c.tier = s.tier"
                f" AND {_HELD_AT} LIMIT 1) AS held_by, s.since, s.reason"
                " FROM shortfalls s LEFT JOIN enterprises e USING (enterprise_id)"
                " WHERE $1::text[] IS NULL OR s.enterprise_id = ANY($1)"
                f" ORDER BY s.enterprise_id, {_TIER_ORDER.format('s')}",
                None if only is None else list(only),
                at,
            )
        return [dict(r) for r in rows]

    async def unsettled(self, at: datetime, limit: int = 100) -> list[str]:
        """Enterprises whose nobody-acting or shortfall events are due at `at` but not recorded, or recorded
        but over."""
        async with self.reading() as conn:
            rows = await conn.fetch(_UNSETTLED, limit, at)
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
