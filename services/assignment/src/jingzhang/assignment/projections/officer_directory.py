"""The officer directory: each officer's record and absences, and the enterprises they are chief of now.

It also answers the handlers' question "whose partner might this officer be" (`PostsIndex`), and the
acting worker's "which enterprises does this absence touch".
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from jingzhang.assignment.domain.business_time import bureau_date
from jingzhang.assignment.domain.events import (
    AbsenceDeclared,
    AbsenceEnded,
    ChiefAssigned,
    ChiefRelieved,
    EnterpriseClosed,
    EnterpriseRegistered,
    OfficerEnrolled,
    OfficerRetired,
    OfficerTransferred,
)
from jingzhang.assignment.events import REGISTRY, SERVICE
from jingzhang.assignment.projections import Queries
from jingzhang.shared.envelope import Envelope
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.projection import Projection, Source, Tx

SQL = """
CREATE TABLE IF NOT EXISTS officers (
    officer_id  text PRIMARY KEY,
    name        text NOT NULL,
    unit_kind   text NOT NULL,
    unit_name   text NOT NULL,
    position    text NOT NULL,
    rank        text NOT NULL,
    phone       text NOT NULL,
    wechat_id   text NOT NULL,
    photo_ref   text,
    status      text NOT NULL,
    version     integer NOT NULL
);
-- the business date, since issue 13 (a directory projected before it shows none: rebuild it to fill them)
ALTER TABLE officers ADD COLUMN IF NOT EXISTS enrolled_on date;
CREATE TABLE IF NOT EXISTS absences (
    officer_id  text NOT NULL,
    absence_id  text NOT NULL,
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz NOT NULL,
    ended_at    timestamptz,
    reason      text NOT NULL,
    PRIMARY KEY (officer_id, absence_id)
);
CREATE TABLE IF NOT EXISTS enterprise_names (
    enterprise_id text PRIMARY KEY,
    name          text NOT NULL,
    closed        boolean NOT NULL DEFAULT false
);
CREATE TABLE IF NOT EXISTS posts (
    enterprise_id  text NOT NULL,
    tier           text NOT NULL,
    slot           text NOT NULL,
    officer_id     text NOT NULL,
    since          timestamptz NOT NULL,
    until          timestamptz,
    PRIMARY KEY (enterprise_id, tier, slot, since)
);
CREATE INDEX IF NOT EXISTS posts_by_officer ON posts (officer_id);
"""


async def apply(tx: Tx, env: Envelope, payload: DomainEvent) -> None:
    if env.stream.aggregate_type == "officer":
        await tx.conn.execute(
            "UPDATE officers SET version = $2 WHERE officer_id = $1", env.stream.aggregate_id, env.version
        )
    match payload:
        case OfficerEnrolled():
            await _enrolled(tx.conn, env, payload)
        case OfficerTransferred(officer_id=oid, unit_kind=kind, unit_name=unit, position=position):
            await tx.conn.execute(
                "UPDATE officers SET unit_kind = $2, unit_name = $3, position = $4 WHERE officer_id = $1",
                oid, kind, unit, position,
            )  # fmt: skip
        case OfficerRetired(officer_id=oid):
            await tx.conn.execute("UPDATE officers SET status = 'retired' WHERE officer_id = $1", oid)
        case AbsenceDeclared():
            await tx.conn.execute(
                "INSERT INTO absences (officer_id, absence_id, starts_at, ends_at, reason)"
                " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                payload.officer_id, payload.absence_id, payload.starts_at, payload.ends_at, payload.reason,
            )  # fmt: skip
        case AbsenceEnded(officer_id=oid, absence_id=aid, ended_at=ended_at):
            await tx.conn.execute(
                "UPDATE absences SET ended_at = $3 WHERE officer_id = $1 AND absence_id = $2", oid, aid, ended_at
            )
        case EnterpriseRegistered(enterprise_id=eid, name=name):
            await tx.conn.execute("INSERT INTO enterprise_names VALUES ($1, $2) ON CONFLICT DO NOTHING", eid, name)
        case EnterpriseClosed(enterprise_id=eid):
            await tx.conn.execute("UPDATE enterprise_names SET closed = true WHERE enterprise_id = $1", eid)
        case ChiefAssigned():
            await tx.conn.execute(
                "INSERT INTO posts VALUES ($1, $2, $3, $4, $5, NULL) ON CONFLICT (enterprise_id, tier, slot, since)"
                " DO UPDATE SET officer_id = EXCLUDED.officer_id, until = NULL",
                payload.enterprise_id, payload.tier, payload.slot, payload.officer_id, payload.effective_from,
            )  # fmt: skip
        case ChiefRelieved():
            await tx.conn.execute(
                "UPDATE posts SET until = $5 WHERE enterprise_id = $1 AND tier = $2 AND slot = $3"
                " AND officer_id = $4 AND until IS NULL",
                payload.enterprise_id, payload.tier, payload.slot, payload.officer_id, payload.effective_from,
            )  # fmt: skip
        case _:
            return


async def _enrolled(conn: asyncpg.Connection, env: Envelope, e: OfficerEnrolled) -> None:
    await conn.execute(
        "INSERT INTO officers (officer_id, name, unit_kind, unit_name, position, rank, phone, wechat_id, photo_ref,"
        " status, version, enrolled_on) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'active', $10, $11)"
        " ON CONFLICT DO NOTHING",
        e.officer_id, e.name, e.unit_kind, e.unit_name, e.position, e.rank, e.phone, e.wechat_id, e.photo_ref,
        env.version, e.enrolled_on or bureau_date(env.occurred_at),
    )  # fmt: skip


PROJECTION = Projection(
    name="officer_directory",
    schema_sql=SQL,
    sources=(Source(SERVICE, "officer"), Source(SERVICE, "enterprise")),
    registry=REGISTRY,
    apply=apply,
    description="officers, their absences and the enterprises they are chief of",
)


# --- queries -----------------------------------------------------------------------------------


class OfficerDirectory(Queries):
    projection = PROJECTION

    async def officer(self, officer_id: str) -> dict[str, Any] | None:
        async with self.reading() as conn:
            row = await conn.fetchrow("SELECT * FROM officers WHERE officer_id = $1", officer_id)
            if row is None:
                return None
            absences = await conn.fetch(
                "SELECT absence_id, starts_at, ends_at, ended_at, reason FROM absences WHERE officer_id = $1"
                " ORDER BY starts_at",
                officer_id,
            )
        return {**dict(row), "absences": [dict(a) for a in absences]}

    async def enterprises_of(self, officer_id: str, at: datetime) -> list[dict[str, Any]] | None:
        """The posts `officer_id` holds at `at`, with the enterprise's name and the term's dates (`since`,
        and `until` when its end is recorded, even if later); None for an unknown officer."""
        async with self.reading() as conn:
            if not await conn.fetchval("SELECT 1 FROM officers WHERE officer_id = $1", officer_id):
                return None
            rows = await conn.fetch(
                "SELECT p.enterprise_id, n.name AS enterprise_name, p.tier, p.slot, p.since, p.until FROM posts p"
                " LEFT JOIN enterprise_names n USING (enterprise_id) WHERE p.officer_id = $1"
                f" AND {_HELD.format(at='$2')} ORDER BY p.enterprise_id, p.tier",
                officer_id,
                at,
            )
        return [dict(r) for r in rows]


@dataclass(frozen=True, slots=True)
class RosterFilter:
    """Which officers a roster page shows; None means any. `unit` and `station` are both unit names: the
    first a filter anyone may give, the second the scope a station chief reads (their own station)."""

    unit: str | None = None
    unit_kind: str | None = None
    station: str | None = None
    tier: str | None = None
    active: bool | None = None


@dataclass(frozen=True, slots=True)
class RosterPage:
    officers: list[dict[str, Any]]
    total: int
    next_after: str | None
    """The cursor of the next page (`after=`), or None when this page is the last."""


_HELD = "p.since <= {at} AND (p.until IS NULL OR p.until > {at})"
"""A post held at `at`."""

_ROSTER_WHERE = f""" WHERE ($1::text IS NULL OR o.unit_name = $1) AND ($2::text IS NULL OR o.unit_kind = $2)
 AND ($3::text IS NULL OR o.unit_name = $3)
 AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM posts p WHERE p.officer_id = o.officer_id AND p.tier = $4
  AND {_HELD.format(at="$6")}))
 AND ($5::boolean IS NULL OR (o.status = 'active') = $5)"""


class Roster(Queries):
    """花名册: the scheme's officers, filtered, a page at a time in id order, each with their posts now."""

    projection = PROJECTION

    async def page(self, wanted: RosterFilter, at: datetime, limit: int, after: str | None = None) -> RosterPage:
        """Officers with the posts they hold at `at` (a `tier` filter asks for a post held then)."""
        params = (wanted.unit, wanted.unit_kind, wanted.station, wanted.tier, wanted.active, at)
        async with self.reading() as conn:
            total = await conn.fetchval(f"SELECT count(*) FROM officers o{_ROSTER_WHERE}", *params)
            rows = await conn.fetch(
                f"SELECT o.* FROM officers o{_ROSTER_WHERE} AND ($7::text IS NULL OR o.officer_id > $7)"
                " ORDER BY o.officer_id LIMIT $8",
                *params, after, limit + 1,
            )  # fmt: skip
            shown = [dict(r) for r in rows[:limit]]
            posts = await conn.fetch(
                "SELECT p.officer_id, p.enterprise_id, n.name AS enterprise_name, p.tier, p.slot, p.since, p.until"
                " FROM posts p LEFT JOIN enterprise_names n USING (enterprise_id) WHERE p.officer_id = ANY($1)"
                f" AND {_HELD.format(at='$2')} ORDER BY p.enterprise_id, p.tier, p.slot",
                [o["officer_id"] for o in shown],
                at,
            )
        held: dict[str, list[dict[str, Any]]] = {o["officer_id"]: [] for o in shown}
        for post in posts:
            held[post["officer_id"]].append({k: v for k, v in dict(post).items() if k != "officer_id"})
        officers = [{**o, "posts": held[o["officer_id"]]} for o in shown]
        return RosterPage(officers, total, shown[-1]["officer_id"] if len(rows) > limit else None)


class ProjectedPosts(Queries):
    """`handlers.PostsIndex` over this projection."""

    projection = PROJECTION

    async def enterprises_of(self, officer_id: str, at: datetime) -> list[str]:
        async with self.reading() as conn:
            rows = await conn.fetch(
                "SELECT DISTINCT enterprise_id FROM posts WHERE officer_id = $1 AND (until IS NULL OR until > $2)"
                " ORDER BY enterprise_id",
                officer_id,
                at,
            )
        return [r["enterprise_id"] for r in rows]
