"""Police offices (驻企警务室) and their notice cards: the chiefs' photo, name, position, phone and
WeChat, and who answers each of the three 110 channels (the tier's acting chief).

It keeps its own copy of the people it shows, so a card needs one read of one schema. Chiefs' terms
and acting changes are kept with the dates they take effect (a chief relieved from next Monday stays
on the card until Monday), and a card is read as of an instant.
"""

from collections.abc import Collection
from datetime import datetime
from typing import Any

import asyncpg

from jingzhang.assignment.domain.business_time import bureau_date
from jingzhang.assignment.domain.events import (
    ActingChiefChanged,
    ChiefAssigned,
    ChiefRelieved,
    ChiefTier,
    EnterpriseRegistered,
    OfficerEnrolled,
    OfficerTransferred,
    PoliceOfficeClosed,
    PoliceOfficeOpened,
)
from jingzhang.assignment.domain.notice import CHANNEL_OF_TIER
from jingzhang.assignment.events import REGISTRY, SERVICE
from jingzhang.assignment.projections import Queries, dated_chiefs
from jingzhang.shared.envelope import Envelope
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.projection import Projection, Source, Tx

SQL = (
    dated_chiefs.SQL
    + """
CREATE TABLE IF NOT EXISTS enterprise_names (enterprise_id text PRIMARY KEY, name text NOT NULL);
CREATE TABLE IF NOT EXISTS offices (
    enterprise_id text PRIMARY KEY,
    office_id     text NOT NULL,
    online        boolean NOT NULL,
    offline       boolean NOT NULL,
    location      text,
    opened_at     timestamptz NOT NULL
);
-- the business date, since issue 13 (an office projected before it reads the day of `opened_at`)
ALTER TABLE offices ADD COLUMN IF NOT EXISTS opened_on date;
CREATE TABLE IF NOT EXISTS people (
    officer_id text PRIMARY KEY,
    name       text NOT NULL,
    position   text NOT NULL,
    phone      text NOT NULL,
    wechat_id  text NOT NULL,
    photo_ref  text
);
"""
)


async def apply(tx: Tx, env: Envelope, payload: DomainEvent) -> None:
    conn = tx.conn
    match payload:
        case EnterpriseRegistered(enterprise_id=eid, name=name):
            await conn.execute("INSERT INTO enterprise_names VALUES ($1, $2) ON CONFLICT DO NOTHING", eid, name)
        case PoliceOfficeOpened():
            await conn.execute(
                "INSERT INTO offices (enterprise_id, office_id, online, offline, location, opened_at, opened_on)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (enterprise_id) DO UPDATE SET"
                " office_id = EXCLUDED.office_id, online = EXCLUDED.online, offline = EXCLUDED.offline,"
                " location = EXCLUDED.location, opened_at = EXCLUDED.opened_at, opened_on = EXCLUDED.opened_on",
                payload.enterprise_id, payload.office_id, payload.online, payload.offline, payload.location,
                env.occurred_at, payload.opened_on or bureau_date(env.occurred_at),
            )  # fmt: skip
        case PoliceOfficeClosed(enterprise_id=eid):
            await conn.execute("DELETE FROM offices WHERE enterprise_id = $1", eid)
        case ChiefAssigned() | ChiefRelieved() | ActingChiefChanged():
            await dated_chiefs.apply(conn, payload)
        case OfficerEnrolled():
            await conn.execute(
                "INSERT INTO people VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                payload.officer_id, payload.name, payload.position, payload.phone, payload.wechat_id,
                payload.photo_ref,
            )  # fmt: skip
        case OfficerTransferred(officer_id=oid, position=position):
            await conn.execute("UPDATE people SET position = $2 WHERE officer_id = $1", oid, position)
        case _:
            return


PROJECTION = Projection(
    name="police_offices",
    schema_sql=SQL,
    sources=(Source(SERVICE, "enterprise"), Source(SERVICE, "officer")),
    registry=REGISTRY,
    apply=apply,
    description="police offices in enterprises and their notice cards",
)


# --- queries -----------------------------------------------------------------------------------


class PoliceOffices(Queries):
    projection = PROJECTION

    async def offices(self, only: Collection[str] | None = None) -> list[dict[str, Any]]:
        """Every open police office, or those of the enterprises among `only`."""
        async with self.reading() as conn:
            rows = await conn.fetch(
                "SELECT o.enterprise_id, o.office_id, o.online, o.offline, o.location, o.opened_at,"
                " coalesce(o.opened_on, (o.opened_at AT TIME ZONE 'Asia/Shanghai')::date) AS opened_on,"
                " n.name AS enterprise_name FROM offices o"
                " LEFT JOIN enterprise_names n USING (enterprise_id)"
                " WHERE $1::text[] IS NULL OR o.enterprise_id = ANY($1) ORDER BY o.enterprise_id",
                None if only is None else list(only),
            )
        return [dict(r) for r in rows]

    async def notice_card(self, enterprise_id: str, at: datetime) -> dict[str, Any] | None:
        """The card as it reads at `at`; None when the enterprise has no open police office."""
        async with self.reading() as conn:
            office = await conn.fetchrow(
                "SELECT o.office_id, n.name FROM offices o LEFT JOIN enterprise_names n USING (enterprise_id)"
                " WHERE o.enterprise_id = $1",
                enterprise_id,
            )
            if office is None:
                return None
            chiefs = await conn.fetch(_CHIEFS_AT, enterprise_id, at)
            acting = await conn.fetch(_ACTING_AT, enterprise_id, at)
        answering = {r["tier"]: _person(r) for r in acting}
        return {
            "enterprise_id": enterprise_id,
            "enterprise_name": office["name"],
            "office_id": office["office_id"],
            "chiefs": [{"tier": r["tier"], "slot": r["slot"], "person": _person(r)} for r in _in_tier_order(chiefs)],
            "channels": [
                {"channel": CHANNEL_OF_TIER[tier].value, "tier": tier.value, "answered_by": answering.get(tier.value)}
                for tier in ChiefTier
            ],
        }


_PERSON = "p.officer_id, p.name, p.position, p.phone, p.wechat_id, p.photo_ref"
_CHIEFS_AT = (
    f"SELECT c.tier, c.slot, {_PERSON} FROM chief_terms c JOIN people p USING (officer_id)"
    f" WHERE c.enterprise_id = $1 AND {dated_chiefs.HELD_AT.format(at='$2')}"
)
_ACTING_AT = (
    f"SELECT c.tier, {_PERSON} FROM ({dated_chiefs.ACTING_AT.format(at='$2')}) c"
    " JOIN people p USING (officer_id) WHERE c.enterprise_id = $1"
)
"""The change in force at $2 per tier; a tier whose change in force names nobody has no row."""


def _person(row: asyncpg.Record) -> dict[str, Any]:
    return {k: row[k] for k in ("officer_id", "name", "position", "phone", "wechat_id", "photo_ref")}


def _in_tier_order(rows: list[asyncpg.Record]) -> list[asyncpg.Record]:
    order = {tier.value: i for i, tier in enumerate(ChiefTier)}
    return sorted(rows, key=lambda r: (order[r["tier"]], r["slot"]))
