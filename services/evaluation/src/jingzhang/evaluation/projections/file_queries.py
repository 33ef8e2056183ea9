"""Reading 一企一档: the enterprise's file, and its timeline a page at a time, newest first (keyset).

A page's cursor is the id of its last event; the next page holds what happened before it (business
time, then event id). Times are shown in bureau time.
"""

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from jingzhang.evaluation.domain.period import BUREAU_TZ
from jingzhang.evaluation.projections.enterprise_file import PROJECTION
from jingzhang.shared.errors import InvalidCommand
from jingzhang.shared.projection import use_schema

_TERMS = """SELECT t.tier, t.slot, t.officer_id, o.name AS officer_name, o.unit_name, t.effective_from,
 t.effective_until, t.relieved_reason FROM terms t LEFT JOIN officers o USING (officer_id)
 WHERE t.enterprise_id = $1 ORDER BY t.opened_version"""


@dataclass(frozen=True, slots=True)
class TimelinePage:
    lines: list[dict[str, Any]]
    next_after: uuid.UUID | None
    """The cursor of the next page (`after=`), or None when this page is the last."""


class PostgresEnterpriseFiles:
    """The `enterprise_file` projection's queries; `pool` answers the runtime's pool once started."""

    def __init__(self, pool: Callable[[], asyncpg.Pool]) -> None:
        self._pool = pool

    async def file(self, enterprise_id: str) -> dict[str, Any] | None:
        """The record, office, chiefs now and every term; None when no registration is known here."""
        async with self._pool().acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            await use_schema(conn, PROJECTION)
            row = await conn.fetchrow("SELECT * FROM files WHERE enterprise_id = $1", enterprise_id)
            if row is None:
                return None
            terms = [_shown(dict(t)) for t in await conn.fetch(_TERMS, enterprise_id)]
        record = {
            **json.loads(row["record"]),
            "enterprise_class": row["enterprise_class"],
            "status": row["status"],
            "registered_on": row["registered_on"],
        }
        return {
            "enterprise_id": enterprise_id,
            "record": record,
            "office": None if row["office"] is None else json.loads(row["office"]),
            "chiefs": [t for t in terms if t["effective_until"] is None],
            "history": terms,
        }

    async def timeline(
        self, enterprise_id: str, limit: int, after: uuid.UUID | None = None, service: str | None = None
    ) -> TimelinePage:
        async with self._pool().acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            await use_schema(conn, PROJECTION)
            cursor = None if after is None else await _cursor(conn, enterprise_id, after)
            rows = await conn.fetch(
                "SELECT event_id, at, service, event_type, aggregate_type, aggregate_id, version, actor,"
                " occurred_at, recorded_at, data FROM timeline WHERE enterprise_id = $1"
                " AND ($2::text IS NULL OR service = $2) AND ($3::timestamptz IS NULL OR (at, event_id) < ($3, $4))"
                " ORDER BY at DESC, event_id DESC LIMIT $5",
                enterprise_id, service, cursor, after, limit + 1,
            )  # fmt: skip
        lines = [_shown({**dict(r), "data": json.loads(r["data"])}) for r in rows[:limit]]
        return TimelinePage(lines, lines[-1]["event_id"] if len(rows) > limit else None)


async def _cursor(conn: asyncpg.Connection, enterprise_id: str, after: uuid.UUID) -> datetime:
    at = await conn.fetchval("SELECT at FROM timeline WHERE event_id = $1 AND enterprise_id = $2", after, enterprise_id)
    if at is None:
        raise InvalidCommand(f"no event {after} in this file: pass the `next` of a previous page", field="after")
    assert isinstance(at, datetime)
    return at


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    """Instants in bureau time, as every evaluation answer shows them."""
    return {k: v.astimezone(BUREAU_TZ) if isinstance(v, datetime) else v for k, v in row.items()}
