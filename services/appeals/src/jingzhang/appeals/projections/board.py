"""Every appeal as one row: where it stands, who holds it and when it is due.

Serves an enterprise's appeals, an officer's queue (by deadline), the overdue and near-breach lists,
the duty desk's unrouted appeals, and the Open311 view (stored as the document the domain builds, so
reads need no folding).
"""

import json
from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

import asyncpg
from pydantic import BaseModel

from jingzhang.appeals.domain import deadlines, open311
from jingzhang.appeals.domain import events as ev
from jingzhang.appeals.domain.state import AGGREGATE_TYPE, Appeal, NoAppeal
from jingzhang.appeals.events import REGISTRY
from jingzhang.appeals.projections import chiefs
from jingzhang.appeals.projections.log import LOG_SQL, record_and_fold
from jingzhang.shared.clock import Clock
from jingzhang.shared.envelope import Envelope
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.projection import Projection, Source, Tx, use_schema

SQL = (
    LOG_SQL
    + """
CREATE TABLE IF NOT EXISTS appeals (
    appeal_id              text PRIMARY KEY,
    enterprise_id          text NOT NULL,
    channel                text NOT NULL,
    category               text NOT NULL,
    limit_class            text NOT NULL,
    emergency              boolean NOT NULL,
    description            text NOT NULL,
    raised_by              text NOT NULL,
    raised_at              timestamptz NOT NULL,
    received_at            timestamptz NOT NULL,
    status                 text NOT NULL,
    unrouted               boolean NOT NULL,
    held_reason            text,
    is_open                boolean NOT NULL,
    tier                   text,
    officer_id             text,
    slot                   text,
    informed_officer_ids   text[] NOT NULL,
    department_id          text,
    due_at                 timestamptz,
    warning_at             timestamptz,
    first_response_due_at  timestamptz,
    warned                 boolean NOT NULL,
    breached               boolean NOT NULL,
    escalations            integer NOT NULL,
    reopen_count           integer NOT NULL,
    outcome                text,
    outcome_note           text,
    merged_into            text,
    callback_rating        integer,
    version                integer NOT NULL,
    updated_at             timestamptz NOT NULL,
    open311                jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS appeals_enterprise ON appeals (enterprise_id, raised_at);
CREATE INDEX IF NOT EXISTS appeals_queue ON appeals (officer_id, due_at) WHERE is_open;
CREATE INDEX IF NOT EXISTS appeals_unrouted ON appeals (received_at) WHERE unrouted;
-- issue 14: the department's reply being chased, and every referral with how its department answered
ALTER TABLE appeals ADD COLUMN IF NOT EXISTS referral_due_at timestamptz;
ALTER TABLE appeals ADD COLUMN IF NOT EXISTS referral_overdue boolean NOT NULL DEFAULT false;
CREATE TABLE IF NOT EXISTS referrals (
    appeal_id      text NOT NULL,
    version        integer NOT NULL,
    department_id  text NOT NULL,
    referred_at    timestamptz NOT NULL,
    reply_due_at   timestamptz,
    replied_at     timestamptz,
    overdue        boolean NOT NULL DEFAULT false,
    PRIMARY KEY (appeal_id, version)
);
CREATE INDEX IF NOT EXISTS referrals_by_department ON referrals (department_id);
"""
)


class AppealSummary(BaseModel):
    appeal_id: str
    enterprise_id: str
    channel: str
    category: str
    limit_class: str
    emergency: bool
    description: str
    raised_by: str
    raised_at: datetime
    received_at: datetime
    status: str
    unrouted: bool
    held_reason: str | None
    is_open: bool
    tier: str | None
    officer_id: str | None
    slot: str | None
    informed_officer_ids: list[str]
    department_id: str | None
    referral_due_at: datetime | None = None
    """When the department holding it must report back (issue 14); None if no department holds it."""
    referral_overdue: bool = False
    due_at: datetime | None
    warning_at: datetime | None
    first_response_due_at: datetime | None
    warned: bool
    breached: bool
    escalations: int
    reopen_count: int
    outcome: str | None
    outcome_note: str | None
    merged_into: str | None
    callback_rating: int | None
    version: int
    updated_at: datetime


_COLUMNS = list(AppealSummary.model_fields)


async def apply(tx: Tx, env: Envelope, payload: DomainEvent) -> None:
    state = await record_and_fold(tx.conn, env)
    match state:
        case Appeal():
            await _upsert(tx.conn, _row(state, env))
            await _referral(tx.conn, env, payload)
        case NoAppeal():
            return


async def _referral(conn: asyncpg.Connection, env: Envelope, payload: DomainEvent) -> None:
    """One row per referral: when its department was to answer, and when (and whether late) it did."""
    appeal_id = env.stream.aggregate_id
    latest = "(SELECT max(version) FROM referrals WHERE appeal_id = $1)"
    match payload:
        case ev.AppealReferred():
            await conn.execute(
                "INSERT INTO referrals (appeal_id, version, department_id, referred_at, reply_due_at)"
                " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                appeal_id, env.version, payload.department_id, payload.referred_at, payload.reply_due_at,
            )  # fmt: skip
        case ev.DepartmentReportedBack():
            await conn.execute(
                f"UPDATE referrals SET replied_at = $2 WHERE appeal_id = $1 AND version = {latest}",
                appeal_id,
                payload.reported_at,
            )
        case ev.ReferralReplyOverdue():
            await conn.execute(
                f"UPDATE referrals SET overdue = true WHERE appeal_id = $1 AND version = {latest}", appeal_id
            )
        case _:
            return


def _row(a: Appeal, env: Envelope) -> dict[str, Any]:
    holder = a.holder
    return {
        "appeal_id": a.appeal_id,
        "enterprise_id": a.enterprise_id,
        "channel": a.channel.value,
        "category": a.category.value,
        "limit_class": a.limit_class.value,
        "emergency": a.emergency,
        "description": a.description,
        "raised_by": a.raised_by,
        "raised_at": a.raised_at,
        "received_at": a.received_at,
        "status": a.status.value,
        "unrouted": a.unrouted,
        "held_reason": a.held.value if a.held and a.unrouted else None,
        "is_open": a.status.is_open,
        "tier": holder.tier.value if holder else None,
        "officer_id": holder.officer_id if holder else None,
        "slot": holder.slot.value if holder else None,
        "informed_officer_ids": list(a.informed_officer_ids),
        "department_id": a.department_id,
        "referral_due_at": a.referral.due_at if a.referral and a.status.is_open else None,
        "referral_overdue": bool(a.referral and a.referral.overdue and a.status.is_open),
        "due_at": deadlines.due_at(a),
        "warning_at": deadlines.warning_at(a),
        "first_response_due_at": deadlines.first_response_due(a),
        "warned": a.warned,
        "breached": a.breached or a.first_response_breached,
        "escalations": a.escalations,
        "reopen_count": a.reopen_count,
        "outcome": a.outcome.value if a.outcome else None,
        "outcome_note": a.outcome_note,
        "merged_into": a.merged_into,
        "callback_rating": a.callback.rating if a.callback else None,
        "version": env.version,
        "updated_at": env.occurred_at,
        "open311": open311.request(a, updated_at=env.occurred_at).model_dump_json(),
    }


_CASTS = {"open311": "::jsonb"}


async def _upsert(conn: asyncpg.Connection, row: dict[str, Any]) -> None:
    names = list(row)
    params = ", ".join(f"${i}{_CASTS.get(n, '')}" for i, n in enumerate(names, start=1))
    updates = ", ".join(f"{n} = EXCLUDED.{n}" for n in names[1:])
    await conn.execute(
        f"INSERT INTO appeals ({', '.join(names)}) VALUES ({params}) ON CONFLICT (appeal_id) DO UPDATE SET {updates}",
        *row.values(),
    )


PROJECTION = Projection(
    name="appeal_board",
    schema_sql=SQL,
    sources=(Source("appeals", AGGREGATE_TYPE),),
    registry=REGISTRY,
    apply=apply,
    description="One row per appeal: status, holder, deadlines; lists, queues and the Open311 view",
)


class AppealBoard:
    """The board's queries; the overdue and near-breach lists as of the clock the composition root gave it."""

    def __init__(self, pool: Callable[[], asyncpg.Pool], clock: Clock) -> None:
        self._pool = pool
        self._clock = clock

    async def summary(self, appeal_id: str) -> AppealSummary | None:
        found = _summaries(await self._select("appeal_id = $1", appeal_id))
        return found[0] if found else None

    async def of_enterprise(self, enterprise_id: str, open_only: bool = False) -> list[AppealSummary]:
        where = "enterprise_id = $1" + (" AND is_open" if open_only else "")
        return _summaries(await self._select(where, enterprise_id))

    async def queue(self, officer_id: str) -> list[AppealSummary]:
        """Open appeals the officer holds, soonest due first; paused ones (with a department) last."""
        rows = await self._select("is_open AND officer_id = $1", officer_id, order="due_at NULLS LAST, raised_at")
        return _summaries(rows)

    async def overdue(self, only: Collection[str] | None = None) -> list[AppealSummary]:
        """Open and past due, or breached and not yet given a new window; of the enterprises `only`, if given."""
        where = f"is_open AND (breached OR due_at <= $1) AND {_AMONG.format(n=2)}"
        return _summaries(await self._select(where, self._clock.now(), _among(only), order="due_at NULLS LAST"))

    async def near_breach(self, only: Collection[str] | None = None) -> list[AppealSummary]:
        """Open, not yet due, but past the warning point of its current window."""
        where = f"is_open AND NOT breached AND due_at > $1 AND warning_at <= $1 AND {_AMONG.format(n=2)}"
        return _summaries(await self._select(where, self._clock.now(), _among(only), order="due_at"))

    async def unrouted(self, only: Collection[str] | None = None) -> list[AppealSummary]:
        """The duty desk's: open appeals nobody holds yet, longest waiting first."""
        where = f"unrouted AND {_AMONG.format(n=1)}"
        return _summaries(await self._select(where, _among(only), order="received_at"))

    def now(self) -> datetime:
        """The service's time, which GeoReport's default window ("the most recent 90 days") runs to."""
        return self._clock.now()

    async def department_figures(self) -> list[dict[str, Any]]:
        """Per department: referrals, reports back, those late, and those unanswered past their limit now."""
        async with self._pool().acquire() as conn, conn.transaction():
            await use_schema(conn, PROJECTION)
            rows = await conn.fetch(
                "SELECT department_id, count(*) AS referrals, count(replied_at) AS replied,"
                " count(*) FILTER (WHERE replied_at > reply_due_at) AS replied_late,"
                " count(*) FILTER (WHERE replied_at IS NULL AND reply_due_at <= $1) AS overdue_now,"
                " count(*) FILTER (WHERE overdue) AS ever_overdue"
                " FROM referrals GROUP BY department_id ORDER BY department_id",
                self._clock.now(),
            )
        return [dict(r) for r in rows]

    async def open311_requests(self, query: open311.RequestQuery, limit: int = 1000) -> list[open311.Open311Request]:
        """Newest `requested_datetime` (received_at) first, at most `limit`."""
        if query.ids is not None:
            rows = await self._select("appeal_id = ANY($1)", list(query.ids), order="received_at DESC", limit=limit)
        else:
            where = (
                "($1::text[] IS NULL OR open311->>'status' = ANY($1)) AND ($2::text[] IS NULL OR category = ANY($2))"
                " AND received_at >= $3 AND ($4::timestamptz IS NULL OR received_at <= $4)"
            )
            codes, statuses = _maybe(query.codes), _maybe(query.statuses)
            rows = await self._select(
                where, statuses, codes, query.start, query.end, order="received_at DESC", limit=limit
            )
        return [open311.Open311Request.model_validate(json.loads(r["open311"])) for r in rows]

    async def open311_request(self, appeal_id: str) -> open311.Open311Request | None:
        rows = await self._select("appeal_id = $1", appeal_id)
        return open311.Open311Request.model_validate(json.loads(rows[0]["open311"])) if rows else None

    async def _select(
        self, where: str, *args: object, order: str = "raised_at", limit: int | None = None
    ) -> list[asyncpg.Record]:
        bounded = "" if limit is None else f" LIMIT {int(limit)}"
        async with self._pool().acquire() as conn, conn.transaction():
            await use_schema(conn, PROJECTION)
            sql = f"SELECT * FROM appeals WHERE {where} ORDER BY {order}, appeal_id{bounded}"
            return list(await conn.fetch(sql, *args))


_AMONG = "(${n}::text[] IS NULL OR enterprise_id = ANY(${n}))"
"""A list's filter to some enterprises (a station's), parameter n: NULL for every one."""


def _maybe(values: tuple[str, ...] | None) -> list[str] | None:
    return None if values is None else list(values)


def _among(only: Collection[str] | None) -> list[str] | None:
    return None if only is None else sorted(only)


def _summaries(rows: list[asyncpg.Record]) -> list[AppealSummary]:
    return [AppealSummary(**{c: r[c] for c in _COLUMNS}) for r in rows]


async def routable(pool: asyncpg.Pool, at: datetime) -> list[str]:
    """Held appeals whose enterprise has someone acting at some tier as of `at` (the caller's clock): the
    duty desk's next routings. An acting change recorded for a later date does not count before it."""
    rows = await pool.fetch(
        f'SELECT a.appeal_id FROM "{PROJECTION.schema}".appeals a WHERE a.unrouted AND EXISTS'
        " (SELECT 1 FROM (SELECT DISTINCT ON (c.tier) c.officer_id"
        f'   FROM "{chiefs.PROJECTION.schema}".acting_chiefs c'
        "   WHERE c.enterprise_id = a.enterprise_id AND c.effective_from <= $1"
        "   ORDER BY c.tier, c.effective_from DESC) AS now_acting"
        "  WHERE now_acting.officer_id IS NOT NULL)"
        " ORDER BY a.received_at, a.appeal_id",
        at,
    )
    return [r["appeal_id"] for r in rows]
