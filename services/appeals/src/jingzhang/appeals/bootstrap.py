"""The composition root: settings, clock, ids, projections, reactor, periodic workers (duty desk, deadlines),
routes and `provide`."""

from collections.abc import Callable

import nats.errors
import structlog
from fastapi import FastAPI

from jingzhang.appeals.api import ROUTERS
from jingzhang.appeals.domain.departments import DEFAULT_DIRECTORY
from jingzhang.appeals.domain.policy import TimeLimits
from jingzhang.appeals.events import SERVICE
from jingzhang.appeals.handlers import Deps
from jingzhang.appeals.metrics import appeals_metrics
from jingzhang.appeals.projections import board, chiefs, deadlines, history, matters, officers, recurring
from jingzhang.appeals.reactors import forum_intake
from jingzhang.appeals.settings import AppealsSettings
from jingzhang.appeals.workers import deadline_worker, duty_desk_worker, matters_worker, recurring_worker
from jingzhang.shared.auth.links import access_projection
from jingzhang.shared.clock import Clock, IdFactory, clock_for, new_id
from jingzhang.shared.runtime import Runtime
from jingzhang.shared.service import ServiceSpec, build_app
from jingzhang.shared.settings import ServiceSettings
from jingzhang.shared.subjects import CaughtUp
from jingzhang.shared.wiring import provide

log = structlog.get_logger(__name__)

PROJECTIONS = (
    access_projection(),
    chiefs.PROJECTION,
    officers.PROJECTION,
    history.PROJECTION,
    board.PROJECTION,
    deadlines.PROJECTION,
    recurring.PROJECTION,
    matters.PROJECTION,
)
"""The replayable read models (`jingzhang replay appeals`); the forum intake reactor is not one."""


def deps_factory(clock: Clock, ids: IdFactory, policy: TimeLimits) -> Callable[[Runtime], Deps]:
    """The handlers' dependencies on a runtime: for the routes and for the periodic workers alike."""

    def deps_for(runtime: Runtime) -> Deps:
        pool = runtime.pool_of
        views = chiefs.PostgresChiefs(pool), officers.PostgresOfficers(pool)
        return Deps(runtime.started_store(), *views, caught_up_of(runtime), clock, ids, policy, DEFAULT_DIRECTORY)

    return deps_for


def caught_up_of(runtime: Runtime) -> CaughtUp:
    """`Runtime.caught_up`, read as "not yet" when JetStream cannot tell (a consumer not created yet, just
    after start, or NATS away): an enterprise then waits at the duty desk and an officer is 409
    `not_yet_known`, rather than a command failing with 500."""

    async def caught_up(producer: str) -> bool:
        try:
            return await runtime.caught_up(producer)
        except nats.errors.Error as exc:
            log.warning("caught_up.unknown", producer=producer, error=repr(exc))
            return False

    return caught_up


def create_app(
    settings: ServiceSettings | None = None, clock: Clock | None = None, ids: IdFactory | None = None
) -> FastAPI:
    config = AppealsSettings.of(settings)
    clock = clock or clock_for(config.clock_start)
    policy = config.time_limits()
    deps_for = deps_factory(clock, ids or new_id, policy)
    spec = ServiceSpec(
        name=SERVICE,
        title="jingzhang appeals",
        description="Appeals (诉求): intake, routing to the acting chief (the duty desk holds an appeal until one is"
        " known), referral, time limits, escalation, callbacks",
        settings=config,
        projections=[*PROJECTIONS, forum_intake.reactor(policy)],
        routers=ROUTERS,
        workers=[
            duty_desk_worker(deps_for, config.deadline_poll_interval),
            deadline_worker(deps_for, config.deadline_poll_interval),
            matters_worker(deps_for, config.deadline_poll_interval),
            recurring_worker(
                deps_for, config.recurring_window, config.recurring_threshold, config.deadline_poll_interval
            ),
        ],
        metrics=[appeals_metrics(clock)],
        clock=clock,
    )
    app = build_app(spec)
    runtime: Runtime = app.state.runtime
    deps = deps_for(runtime)
    pool = runtime.pool_of
    provide(
        app,
        deps,
        deps.directory,
        board.AppealBoard(pool, clock),
        history.AppealHistory(pool),
        recurring.PostgresRecurring(pool),
        matters.PostgresMatters(pool),
    )
    return app
