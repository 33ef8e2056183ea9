"""The report's figures per day, summed over any range (see `domain.ledger.count_activities`)."""

from collections.abc import Callable, Iterator
from dataclasses import fields
from datetime import date, timedelta

import asyncpg

from jingzhang.patrols.domain.ledger import ActivityCounts, WorkEvent, count_activities, occurred_on
from jingzhang.patrols.domain.periods import between
from jingzhang.patrols.events import REGISTRY
from jingzhang.shared.envelope import Envelope
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.projection import Projection, Source, use_schema
from jingzhang.shared.statements import Statement, applying, sql

SQL = """
CREATE TABLE IF NOT EXISTS daily_count (
    day    date NOT NULL,
    figure text NOT NULL,
    total  bigint NOT NULL,
    PRIMARY KEY (day, figure)
);
"""


FIGURES = tuple(f.name for f in fields(ActivityCounts))
"""The figures' names, in order (`dataclasses.asdict` copied every field deeply, per event)."""


def plan(env: Envelope, payload: DomainEvent) -> Iterator[Statement]:
    """The statements an event causes here (run set-based per batch by the kernel)."""
    if not isinstance(payload, WorkEvent):  # duty plans are not work done
        return
    day = occurred_on(payload)
    counts = count_activities([payload], between(day, day + timedelta(days=1)))
    for figure in FIGURES:
        if total := getattr(counts, figure):
            yield sql(
                "INSERT INTO daily_count VALUES ($1, $2, $3)"
                " ON CONFLICT (day, figure) DO UPDATE SET total = daily_count.total + excluded.total",
                day,
                figure,
                total,
            )


apply, apply_many = applying(plan)


PROJECTION = Projection(
    name="patrols_activity_counts",
    schema_sql=SQL,
    sources=(Source("patrols", "visit"), Source("patrols", "hazard"), Source("patrols", "activity")),
    registry=REGISTRY,
    apply=apply,
    apply_many=apply_many,
    description="Per-day counts of visits, hazards and activities",
)


class PostgresActivityCounts:
    """The report's figures over a range of days, read from this projection."""

    def __init__(self, pool: Callable[[], asyncpg.Pool]) -> None:
        self._pool = pool

    async def counts(self, start: date, end: date) -> ActivityCounts:
        """Figures for work done on days `[start, end)`."""
        async with self._pool().acquire() as conn, conn.transaction():
            await use_schema(conn, PROJECTION)
            rows = await conn.fetch(
                "SELECT figure, sum(total)::bigint AS total FROM daily_count"
                " WHERE day >= $1 AND day < $2 GROUP BY figure",
                start,
                end,
            )
        return ActivityCounts(**{r["figure"]: int(r["total"]) for r in rows})
