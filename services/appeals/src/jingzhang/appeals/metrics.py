"""The appeals service's own gauges: open appeals near or past their time limit, from the board."""

from prometheus_client import CollectorRegistry, Gauge

from jingzhang.appeals.projections import board
from jingzhang.shared.clock import Clock
from jingzhang.shared.metrics import MetricsHook, Refresh, scrape_timed
from jingzhang.shared.runtime import Runtime

# The same conditions as `board.near_breach` and `board.overdue`, counted in the database.
NEAR = "is_open AND NOT breached AND due_at > $1 AND warning_at <= $1"
PAST = "is_open AND (breached OR due_at <= $1)"


def appeals_metrics(clock: Clock) -> MetricsHook:
    def hook(registry: CollectorRegistry, runtime: Runtime) -> Refresh:
        near = Gauge("jingzhang_appeals_near_time_limit", "Open appeals past their warning point", registry=registry)
        past = Gauge("jingzhang_appeals_past_time_limit", "Open appeals past their time limit", registry=registry)

        async def refresh() -> None:
            for gauge, where in ((near, NEAR), (past, PAST)):
                sql = f'SELECT count(*) FROM "{board.PROJECTION.schema}".appeals WHERE {where}'
                count = await scrape_timed(runtime.pool.fetchval(sql, clock.now()))
                if count is not None:
                    gauge.set(count)

        return refresh

    return hook
