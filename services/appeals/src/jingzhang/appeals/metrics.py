"""The appeals service's own gauges, from the board: open appeals near or past their time limit, and
those the duty desk holds because nobody could be given them yet."""

from prometheus_client import CollectorRegistry, Gauge

from jingzhang.appeals.projections import board
from jingzhang.shared.clock import Clock
from jingzhang.shared.metrics import MetricsHook, Refresh, scrape_timed
from jingzhang.shared.runtime import Runtime

# The same conditions as `board.near_breach`, `board.overdue` and `board.unrouted`, counted in the database.
NEAR = "is_open AND NOT breached AND due_at > $1 AND warning_at <= $1"
PAST = "is_open AND (breached OR due_at <= $1)"
UNROUTED = "unrouted"


def appeals_metrics(clock: Clock) -> MetricsHook:
    def hook(registry: CollectorRegistry, runtime: Runtime) -> Refresh:
        near = Gauge("jingzhang_appeals_near_time_limit", "Open appeals past their warning point", registry=registry)
        past = Gauge("jingzhang_appeals_past_time_limit", "Open appeals past their time limit", registry=registry)
        held = Gauge(
            "jingzhang_appeals_unrouted", "Open appeals held at the duty desk: no chief known yet", registry=registry
        )

        async def refresh() -> None:
            now = clock.now()
            for gauge, where, args in ((near, NEAR, (now,)), (past, PAST, (now,)), (held, UNROUTED, ())):
                sql = f'SELECT count(*) FROM "{board.PROJECTION.schema}".appeals WHERE {where}'
                count = await scrape_timed(runtime.pool.fetchval(sql, *args))
                if count is not None:
                    gauge.set(count)

        return refresh

    return hook
