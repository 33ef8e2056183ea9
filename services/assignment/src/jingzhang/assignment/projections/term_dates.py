"""When chiefs' terms begin or end later than they were decided: the dates the acting worker settles.

A chief assigned or relieved from a later date changes coverage (a gap, a shortfall) only at that date:
the decision records who acts from then (`calendar.sync_acting`) but judges coverage as of its own
instant. The worker re-checks the enterprise once each date is due (`handlers.recheck_acting`, which
settles gaps, shortfalls and who acts as of its now) and marks it done. As with `absence_boundaries`,
`done` is the worker's bookkeeping: a rebuilt projection forgets it, and re-checking a past date
records nothing new.
"""

from dataclasses import dataclass
from datetime import datetime

from jingzhang.assignment.domain.events import ChiefAssigned, ChiefRelieved
from jingzhang.assignment.events import REGISTRY, SERVICE
from jingzhang.assignment.projections import Queries
from jingzhang.shared.envelope import Envelope
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.projection import Projection, Source, Tx

SQL = """
CREATE TABLE IF NOT EXISTS term_dates (
    enterprise_id text NOT NULL,
    at            timestamptz NOT NULL,
    reason        text NOT NULL,
    done          boolean NOT NULL DEFAULT false,
    PRIMARY KEY (enterprise_id, at)
);
CREATE INDEX IF NOT EXISTS term_dates_due ON term_dates (at) WHERE NOT done;
"""


@dataclass(frozen=True, slots=True)
class TermDate:
    enterprise_id: str
    at: datetime
    reason: str
    """What changed then (the first change recorded for that date, `police_chief A relieved`): the reason
    the gap, shortfall and nobody-acting events it leads to carry. Never the relief's own reason: that is
    a person's words, sealed in the event (a projection sees only its token)."""


async def apply(tx: Tx, env: Envelope, payload: DomainEvent) -> None:
    match payload:
        case ChiefAssigned(enterprise_id=eid, effective_from=at) if at > env.occurred_at:
            await _due(tx, eid, at, f"{payload.tier} {payload.slot} assigned")
        case ChiefRelieved(enterprise_id=eid, effective_from=at) if at > env.occurred_at:
            await _due(tx, eid, at, f"{payload.tier} {payload.slot} relieved")
        case _:
            return  # one taking effect when it was decided was settled then


async def _due(tx: Tx, enterprise_id: str, at: datetime, reason: str) -> None:
    await tx.conn.execute(
        "INSERT INTO term_dates (enterprise_id, at, reason) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        enterprise_id,
        at,
        reason,
    )


PROJECTION = Projection(
    name="term_dates",
    schema_sql=SQL,
    sources=(Source(SERVICE, "enterprise"),),
    registry=REGISTRY,
    apply=apply,
    description="the dates chiefs' terms decided ahead begin or end, for the acting-chief worker",
)


class TermDates(Queries):
    """The acting worker's: which dates are due, and marking one done."""

    projection = PROJECTION

    async def due(self, now: datetime, limit: int = 100) -> list[TermDate]:
        async with self.reading() as conn:
            rows = await conn.fetch(
                "SELECT enterprise_id, at, reason FROM term_dates WHERE NOT done AND at <= $1"
                " ORDER BY at, enterprise_id LIMIT $2",
                now,
                limit,
            )
        return [TermDate(r["enterprise_id"], r["at"], r["reason"]) for r in rows]

    async def mark_done(self, due: TermDate) -> None:
        async with self.reading() as conn:
            await conn.execute(
                "UPDATE term_dates SET done = true WHERE enterprise_id = $1 AND at = $2", due.enterprise_id, due.at
            )
