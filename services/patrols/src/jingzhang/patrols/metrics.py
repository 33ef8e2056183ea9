"""The patrols service's own gauges: duties overdue, and open ones already past due, from the duty view."""

from prometheus_client import CollectorRegistry, Gauge

from jingzhang.patrols.projections import duties
from jingzhang.shared.clock import Clock
from jingzhang.shared.metrics import MetricsHook, Refresh, scrape_timed
from jingzhang.shared.runtime import Runtime

OVERDUE = "status = 'overdue'"
# Past due but not yet marked overdue by the cadence worker: a lagging worker shows here first.
PAST_DUE = "status = 'open' AND due_at <= $1"


def patrols_metrics(clock: Clock) -> MetricsHook:
    def hook(registry: CollectorRegistry, runtime: Runtime) -> Refresh:
        overdue = Gauge("jingzhang_patrols_duties_overdue", "Duties marked overdue", ["tier"], registry=registry)
        past_due = Gauge("jingzhang_patrols_duties_open_past_due", "Open duties past their due time", registry=registry)
        table = f'"{duties.PROJECTION.schema}".duty'

        async def refresh() -> None:
            rows = await scrape_timed(
                runtime.pool.fetch(f"SELECT tier, count(*) AS n FROM {table} WHERE {OVERDUE} GROUP BY tier")
            )
            if rows is not None:
                overdue.clear()
                for row in rows:
                    overdue.labels(row["tier"]).set(row["n"])
            late = await scrape_timed(
                runtime.pool.fetchval(f"SELECT count(*) FROM {table} WHERE {PAST_DUE}", clock.now())
            )
            if late is not None:
                past_due.set(late)

        return refresh

    return hook
