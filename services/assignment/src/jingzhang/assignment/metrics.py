"""The assignment service's own gauges: tiers with nobody acting, key enterprises short of a B (AB角)."""

from prometheus_client import CollectorRegistry, Gauge

from jingzhang.assignment.projections.duty_signals import DutySignals
from jingzhang.shared.metrics import MetricsHook, Refresh, scrape_timed
from jingzhang.shared.runtime import Runtime


def assignment_metrics() -> MetricsHook:
    def hook(registry: CollectorRegistry, runtime: Runtime) -> Refresh:
        nobody = Gauge(
            "jingzhang_tiers_nobody_acting",
            "Tiers of active enterprises where nobody acts: every chief of the tier away or gone",
            registry=registry,
        )
        tiers = Gauge(
            "jingzhang_coverage_shortfall_tiers",
            "Tiers of key enterprises (all but small and micro) held by one chief: A without B, or B without A",
            registry=registry,
        )
        enterprises = Gauge(
            "jingzhang_coverage_shortfall_enterprises",
            "Key enterprises (all but small and micro) with at least one tier held by one chief",
            registry=registry,
        )
        signals = DutySignals(lambda: runtime.pool)

        async def refresh() -> None:
            counts = await scrape_timed(signals.counts())
            if counts is not None:
                for gauge, value in zip((nobody, tiers, enterprises), counts, strict=True):
                    gauge.set(value)

        return refresh

    return hook
