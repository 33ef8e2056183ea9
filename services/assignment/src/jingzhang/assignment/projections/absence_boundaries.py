"""When absences start and end: what the acting worker must re-check, kept here so it survives restarts.

Each absence has a `start` and an `end` boundary; the worker handles the due ones and marks them done.
The `done` mark is the worker's bookkeeping: a rebuilt projection forgets it, and re-checking a past
boundary records nothing new (`recheck_acting` only records changes).
"""

from dataclasses import dataclass
from datetime import datetime

from jingzhang.assignment.domain.events import AbsenceDeclared, AbsenceEnded
from jingzhang.assignment.events import REGISTRY, SERVICE
from jingzhang.assignment.projections import Queries
from jingzhang.shared.envelope import Envelope
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.projection import Projection, Source, Tx

SQL = """
CREATE TABLE IF NOT EXISTS boundaries (
    officer_id text NOT NULL,
    absence_id text NOT NULL,
    edge       text NOT NULL CHECK (edge IN ('start', 'end')),
    at         timestamptz NOT NULL,
    done       boolean NOT NULL DEFAULT false,
    PRIMARY KEY (officer_id, absence_id, edge)
);
CREATE INDEX IF NOT EXISTS boundaries_due ON boundaries (at) WHERE NOT done;
"""


@dataclass(frozen=True, slots=True)
class Boundary:
    officer_id: str
    absence_id: str
    edge: str
    at: datetime


async def apply(tx: Tx, env: Envelope, payload: DomainEvent) -> None:
    match payload:
        case AbsenceDeclared(officer_id=oid, absence_id=aid, starts_at=starts_at, ends_at=ends_at):
            await tx.conn.executemany(
                "INSERT INTO boundaries (officer_id, absence_id, edge, at) VALUES ($1, $2, $3, $4)"
                " ON CONFLICT DO NOTHING",
                [(oid, aid, "start", starts_at), (oid, aid, "end", ends_at)],
            )
        case AbsenceEnded(officer_id=oid, absence_id=aid, ended_at=ended_at):
            # Back early: the end moves forward and must be handled (again) when it comes.
            await tx.conn.execute(
                "UPDATE boundaries SET at = least(at, $3), done = false"
                " WHERE officer_id = $1 AND absence_id = $2 AND edge = 'end'",
                oid, aid, ended_at,
            )  # fmt: skip
        case _:
            return


PROJECTION = Projection(
    name="absence_boundaries",
    schema_sql=SQL,
    sources=(Source(SERVICE, "officer"),),
    registry=REGISTRY,
    apply=apply,
    description="start and end of every absence, for the acting-chief worker",
)


class Boundaries(Queries):
    """The acting worker's: which boundaries are due, and marking one done."""

    projection = PROJECTION

    async def due(self, now: datetime, limit: int = 100) -> list[Boundary]:
        async with self.reading() as conn:
            rows = await conn.fetch(
                "SELECT officer_id, absence_id, edge, at FROM boundaries WHERE NOT done AND at <= $1"
                " ORDER BY at, officer_id, absence_id, edge LIMIT $2",
                now,
                limit,
            )
        return [Boundary(r["officer_id"], r["absence_id"], r["edge"], r["at"]) for r in rows]

    async def mark_done(self, boundary: Boundary) -> None:
        """Done only if it still falls where it was read: an early return moved meanwhile stays due."""
        async with self.reading() as conn:
            await conn.execute(
                "UPDATE boundaries SET done = true WHERE officer_id = $1 AND absence_id = $2 AND edge = $3 AND at = $4",
                boundary.officer_id,
                boundary.absence_id,
                boundary.edge,
                boundary.at,
            )
