"""The notifications service's own gauges: the outbox per channel and state (pending, sent, dead),
messages held by rate limits and deliveries interrupted mid-flight (possibly doubled)."""

from prometheus_client import CollectorRegistry, Gauge

from jingzhang.notifications import outbox
from jingzhang.shared.metrics import MetricsHook, Refresh, scrape_timed
from jingzhang.shared.runtime import Runtime


def notifications_metrics() -> MetricsHook:
    def hook(registry: CollectorRegistry, runtime: Runtime) -> Refresh:
        gauge = Gauge(
            "jingzhang_notifications_outbox",
            "Pushed notifications by channel and state (pending, sent, dead, held, interrupted)",
            ["channel", "state"],
            registry=registry,
        )

        async def refresh() -> None:
            counts = await scrape_timed(outbox.summary(runtime.pool))
            if counts is not None:
                gauge.clear()
                for channel, states in counts.items():
                    for state, n in states.items():
                        gauge.labels(channel, state).set(n)

        return refresh

    return hook
