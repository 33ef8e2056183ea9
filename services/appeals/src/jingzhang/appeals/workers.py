"""Time-driven work, as the kernel's `Periodic` passes run by the service's clock: the duty desk routes
the appeals it holds once their enterprise has someone acting, and the deadline pass records what is due.

Neither holds anything in memory between passes: what to do comes from projections (`appeal_board`,
`appeal_deadlines`), rebuilt from events, so a restart (or a second replica) picks up every held appeal
and every pending deadline. Doing an appeal twice is harmless: a routed appeal is not routed again,
and `check_deadlines` records each warning and breach once. Under the demo's controlled clock,
`PUT /clock` runs each pass once at the new time.
"""

import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import structlog

from jingzhang.appeals import handlers
from jingzhang.appeals.domain.commands import CheckDeadlines, RouteHeldAppeal
from jingzhang.appeals.domain.recurring import HORIZON, detect
from jingzhang.appeals.projections import board, deadlines
from jingzhang.appeals.projections.matters import PostgresMatters
from jingzhang.appeals.projections.recurring import PostgresRecurring
from jingzhang.shared.aggregate import Decided
from jingzhang.shared.envelope import Metadata
from jingzhang.shared.errors import ConcurrencyError
from jingzhang.shared.runtime import Runtime
from jingzhang.shared.ticks import Periodic

log = structlog.get_logger(__name__)

DEADLINES_ACTOR = "appeals:deadline-worker"
DUTY_DESK_ACTOR = "appeals:duty-desk"

DepsFactory = Callable[[Runtime], handlers.Deps]
Step = Callable[[handlers.Deps, str, Metadata], Awaitable[Decided[Any]]]


async def check_due(runtime: Runtime, deps: handlers.Deps) -> int:
    """One pass: every appeal whose next check is due now; returns how many recorded something."""
    due = await deadlines.due(runtime.pool, deps.clock.now())
    return await _each(deps, due, DEADLINES_ACTOR, _check, "deadlines")


async def route_held(runtime: Runtime, deps: handlers.Deps) -> int:
    """One pass: every held appeal whose enterprise has someone acting now (the service's clock); returns how
    many were routed."""
    held = await board.routable(runtime.pool, deps.clock.now())
    return await _each(deps, held, DUTY_DESK_ACTOR, _route, "duty_desk")


async def _check(deps: handlers.Deps, appeal_id: str, meta: Metadata) -> handlers.Result:
    return await handlers.check_appeal_deadlines(deps, CheckDeadlines(appeal_id), meta)


async def _route(deps: handlers.Deps, appeal_id: str, meta: Metadata) -> handlers.Result:
    return await handlers.route_held(deps, RouteHeldAppeal(appeal_id), meta)


async def _each(deps: handlers.Deps, appeal_ids: list[str], actor: str, step: Step, what: str) -> int:
    recorded = 0
    for appeal_id in appeal_ids:
        # not from `deps.ids`, the sequence new appeals are named from: a pass must not move it
        meta = Metadata(actor=actor, correlation_id=uuid.uuid4())
        try:
            done = await step(deps, appeal_id, meta)
        except ConcurrencyError:
            continue  # someone acted on it meanwhile; the next pass decides again
        except Exception as exc:  # one broken appeal must not stop the others
            log.error(f"{what}.failed", appeal_id=appeal_id, error=repr(exc))
            continue
        if done.events:
            recorded += 1
            log.info(f"{what}.recorded", appeal_id=appeal_id, events=[e.event_type for e in done.events])
    return recorded


def duty_desk_worker(deps_for: DepsFactory, interval: float) -> Periodic:
    """Routes held appeals every `interval` seconds, with the handlers' dependencies (and clock) the root gives it."""

    async def tick(runtime: Runtime) -> int:
        return await route_held(runtime, deps_for(runtime))

    return Periodic("duty_desk", interval, tick)


def deadline_worker(deps_for: DepsFactory, interval: float) -> Periodic:
    """Checks deadlines every `interval` seconds, with the handlers' dependencies (and clock) the root gives it."""

    async def tick(runtime: Runtime) -> int:
        return await check_due(runtime, deps_for(runtime))

    return Periodic("deadlines", interval, tick)


RECURRING_ACTOR = "appeals:recurring-detector"


async def detect_recurring(runtime: Runtime, deps: handlers.Deps, window: timedelta, threshold: int) -> int:
    """One pass: the clusters of the appeals received within the horizon, each recorded or grown once."""
    found = PostgresRecurring(runtime.pool_of)
    facts, known = await found.facts(deps.clock.now() - HORIZON), await found.known()
    recorded = 0
    for cluster in detect(facts, window, threshold):
        if set(cluster.appeal_ids) <= known.get(cluster.problem_id, frozenset()):
            continue  # recorded as it is: nothing to load
        meta = Metadata(actor=RECURRING_ACTOR, correlation_id=uuid.uuid4())
        try:
            done = await handlers.record_recurring(deps, cluster, meta)
        except ConcurrencyError:
            continue  # another pass recorded it meanwhile; the next pass sees it
        if done.events:
            recorded += 1
            log.info("recurring.recorded", problem_id=cluster.problem_id, appeals=len(cluster.appeal_ids))
    return recorded


def recurring_worker(deps_for: DepsFactory, window: timedelta, threshold: int, interval: float) -> Periodic:
    """Looks for recurring problems every `interval` seconds (the settings' window and threshold)."""

    async def tick(runtime: Runtime) -> int:
        return await detect_recurring(runtime, deps_for(runtime), window, threshold)

    return Periodic("recurring", interval, tick)


MATTERS_ACTOR = "appeals:matters-deadline"


async def check_matters(runtime: Runtime, deps: handlers.Deps) -> int:
    """One pass: every assigned matter past its deadline and not carried out is recorded overdue, once."""
    due = await PostgresMatters(runtime.pool_of).past_due(deps.clock.now())
    return await _each(deps, due, MATTERS_ACTOR, handlers.check_matter_deadline, "matters")


def matters_worker(deps_for: DepsFactory, interval: float) -> Periodic:
    async def tick(runtime: Runtime) -> int:
        return await check_matters(runtime, deps_for(runtime))

    return Periodic("matters", interval, tick)
