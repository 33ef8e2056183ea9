"""The appeals service's own gauges, from the board: open appeals near or past their time limit, those
the duty desk holds because nobody could be given them yet, and those a department holds past its reply
limit."""

from prometheus_client import CollectorRegistry, Gauge

from jingzhang.appeals.projections import board
from jingzhang.shared.clock import Clock
from jingzhang.shared.metrics import MetricsHook, Refresh, scrape_timed
from jingzhang.shared.runtime import Runtime

# The same conditions as `board.near_breach`, `board.overdue` and `board.unrouted`, counted in the database.
NEAR = "is_open AND NOT breached AND due_at > $1 AND warning_at <= $1"
PAST = "is_open AND (breached OR due_at <= $1)"
UNROUTED = "unrouted"
REFERRAL_OVERDUE = "is_open AND referral_due_at <= $1"
"""Held by a department past its reply limit (issue 14): `referral_due_at` is set only while one holds it."""


def appeals_metrics(clock: Clock) -> MetricsHook:
    def hook(registry: CollectorRegistry, runtime: Runtime) -> Refresh:
        near = Gauge("jingzhang_appeals_near_time_limit", "Open appeals past their warning point", registry=registry)
        past = Gauge("jingzhang_appeals_past_time_limit", "Open appeals past their time limit", registry=registry)
        held = Gauge(
            "jingzhang_appeals_unrouted", "Open appeals held at the duty desk: no chief known yet", registry=registry
        )
        unanswered = Gauge(
            "jingzhang_appeals_referrals_overdue",
            "Open appeals a partner department holds past its reply limit",
            registry=registry,
        )

        async def refresh() -> None:
            now = clock.now()
            checks = ((near, NEAR, (now,)), (past, PAST, (now,)), (held, UNROUTED, ()))
            for gauge, where, args in (*checks, (unanswered, REFERRAL_OVERDUE, (now,))):
                sql = f'SELECT count(*) FROM "{board.PROJECTION.schema}".appeals WHERE {where}'
                count = await scrape_timed(runtime.pool.fetchval(sql, *args))
                if count is not None:
                    gauge.set(count)

        return refresh

    return hook
