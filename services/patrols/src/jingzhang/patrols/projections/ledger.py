"""The work ledger (工作台账) of each enterprise: every piece of work done there, in time order."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

import asyncpg

from jingzhang.patrols.domain.ledger import ledger_entry
from jingzhang.patrols.events import REGISTRY
from jingzhang.shared.envelope import Envelope
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.projection import Projection, Source, use_schema
from jingzhang.shared.statements import Statement, applying, sql

SQL = """
CREATE TABLE IF NOT EXISTS entry (
    event_id      uuid PRIMARY KEY,
    enterprise_id text NOT NULL,
    occurred_on   date NOT NULL,
    recorded_at   timestamptz NOT NULL,
    position      bigint NOT NULL,
    kind          text NOT NULL,
    ref_id        text NOT NULL,
    officer_ids   text[] NOT NULL,
    summary       text NOT NULL
);
CREATE INDEX IF NOT EXISTS entry_by_enterprise ON entry (enterprise_id, occurred_on, recorded_at);
"""


def plan(env: Envelope, payload: DomainEvent) -> Iterator[Statement]:
    """The statements an event causes here (run set-based per batch by the kernel)."""
    entry = ledger_entry(payload)
    if entry is None:  # plans and zone-wide activities have no enterprise ledger line
        return
    yield sql(
        "INSERT INTO entry VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (event_id) DO NOTHING",
        env.event_id,
        entry.enterprise_id,
        entry.occurred_on,
        env.occurred_at,
        env.position,
        entry.kind,
        entry.ref_id,
        list(entry.officer_ids),
        entry.summary,
    )


apply, apply_many = applying(plan)


PROJECTION = Projection(
    name="patrols_ledger",
    schema_sql=SQL,
    sources=(Source("patrols", "visit"), Source("patrols", "hazard"), Source("patrols", "activity")),
    registry=REGISTRY,
    apply=apply,
    apply_many=apply_many,
    description="Each enterprise's work ledger in time order",
)


@dataclass(frozen=True, slots=True)
class LedgerLine:
    occurred_on: date
    kind: str
    ref_id: str
    officer_ids: list[str]
    summary: str


class PostgresLedger:
    """Each enterprise's work ledger, read from this projection."""

    def __init__(self, pool: Callable[[], asyncpg.Pool]) -> None:
        self._pool = pool

    async def ledger(self, enterprise_id: str) -> list[LedgerLine]:
        """Oldest first; work of one day in the order it was recorded (the store's position breaks ties)."""
        async with self._pool().acquire() as conn, conn.transaction():
            await use_schema(conn, PROJECTION)
            rows = await conn.fetch(
                "SELECT * FROM entry WHERE enterprise_id = $1 ORDER BY occurred_on, recorded_at, position",
                enterprise_id,
            )
        return [
            LedgerLine(r["occurred_on"], r["kind"], r["ref_id"], list(r["officer_ids"]), r["summary"]) for r in rows
        ]
