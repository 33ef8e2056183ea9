"""The composition root: settings, clock, projections, reactor, deadline worker and routes."""

from fastapi import FastAPI

from jingzhang.appeals import api, open311_api
from jingzhang.appeals.deadline_worker import deadline_worker
from jingzhang.appeals.deps import Deps
from jingzhang.appeals.domain.departments import DEFAULT_DIRECTORY
from jingzhang.appeals.forum_intake import projection as forum_intake
from jingzhang.appeals.metrics import appeals_metrics
from jingzhang.appeals.projections import board, chiefs, deadlines, history
from jingzhang.appeals.settings import appeals_settings
from jingzhang.shared.auth.links import access_projection
from jingzhang.shared.clock import Clock, clock_for
from jingzhang.shared.service import ServiceSpec, build_app
from jingzhang.shared.settings import ServiceSettings

SERVICE = "appeals"
PROJECTIONS = (access_projection(), chiefs.PROJECTION, history.PROJECTION, board.PROJECTION, deadlines.PROJECTION)
"""The replayable read models (`jingzhang replay appeals`); the forum intake reactor is not one."""


def create_app(settings: ServiceSettings | None = None, clock: Clock | None = None) -> FastAPI:
    config = appeals_settings(settings)
    time = clock or clock_for(config.clock_start)
    policy = config.time_limits()
    spec = ServiceSpec(
        name=SERVICE,
        title="jingzhang appeals",
        description="Appeals (诉求): intake, routing to the acting chief, referral, time limits, escalation, callbacks",
        settings=config,
        projections=[*PROJECTIONS, forum_intake(policy)],
        routers=[api.router, open311_api.router],
        workers=[deadline_worker(time, policy, config.deadline_poll_interval)],
        metrics=[appeals_metrics(time)],
    )
    app = build_app(spec)
    app.state.deps = Deps(app.state.runtime, time, config, policy, DEFAULT_DIRECTORY)
    return app
