"""Reading the audit trail: filtered, newest first, a page at a time (keyset pagination).

Rows are ordered by when they were recorded, then by event id; a page's cursor is the id of its last
event, and the next page holds what was recorded before it. The trail follows the services' streams
a moment behind: an event recorded before the cursor but applied after the page was read shows up on
a fresh first read, not on later pages.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from jingzhang.evaluation.projections.audit import PROJECTION
from jingzhang.shared.errors import InvalidCommand
from jingzhang.shared.projection import use_schema


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """What to look for; None means any. `start` is inclusive, `end` exclusive (recorded time)."""

    enterprise_id: str | None = None
    officer_id: str | None = None
    actor: str | None = None
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True, slots=True)
class AuditRow:
    event_id: uuid.UUID
    service: str
    event_type: str
    aggregate_type: str
    aggregate_id: str
    version: int
    enterprise_id: str | None
    officer_id: str | None
    actor: str
    occurred_at: datetime
    recorded_at: datetime
    correlation_id: uuid.UUID
    causation_id: uuid.UUID | None


@dataclass(frozen=True, slots=True)
class AuditPage:
    rows: tuple[AuditRow, ...]
    next_after: uuid.UUID | None
    """The cursor of the next page (`after=`), or None when this page is the last."""


_EQUALS = ("enterprise_id", "officer_id", "actor")


def where(wanted: AuditFilter, cursor: tuple[datetime, uuid.UUID] | None) -> tuple[str, list[object]]:
    """The WHERE clause (with its parameters) of one page; only the filters given take part."""
    params: list[object] = []

    def param(value: object) -> str:
        params.append(value)
        return f"${len(params)}"

    clauses = [f"{name} = {param(value)}" for name in _EQUALS if (value := getattr(wanted, name)) is not None]
    if wanted.start is not None:
        clauses.append(f"recorded_at >= {param(wanted.start)}")
    if wanted.end is not None:
        clauses.append(f"recorded_at < {param(wanted.end)}")
    if cursor is not None:
        clauses.append(f"(recorded_at, event_id) < ({param(cursor[0])}, {param(cursor[1])})")
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


class PostgresAudit:
    """The `proj_audit` trail; `pool` answers the runtime's pool once started."""

    def __init__(self, pool: Callable[[], asyncpg.Pool]) -> None:
        self._pool = pool

    async def page(self, wanted: AuditFilter, limit: int, after: uuid.UUID | None = None) -> AuditPage:
        async with self._pool().acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            await use_schema(conn, PROJECTION)
            cursor = None if after is None else await _cursor(conn, after)
            clause, params = where(wanted, cursor)
            rows = await conn.fetch(
                f"SELECT * FROM audit_events{clause} ORDER BY recorded_at DESC, event_id DESC LIMIT ${len(params) + 1}",
                *params,
                limit + 1,
            )
        found = tuple(AuditRow(**dict(r)) for r in rows[:limit])
        return AuditPage(found, found[-1].event_id if len(rows) > limit else None)


async def _cursor(conn: asyncpg.Connection, after: uuid.UUID) -> tuple[datetime, uuid.UUID]:
    row = await conn.fetchrow("SELECT recorded_at, event_id FROM audit_events WHERE event_id = $1", after)
    if row is None:
        raise InvalidCommand(f"no audited event {after}: pass the `next` of a previous page", field="after")
    return row["recorded_at"], row["event_id"]
