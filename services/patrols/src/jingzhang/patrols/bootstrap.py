"""The patrols service's composition root: settings, clock, projections, reactor, worker, routes."""

from fastapi import FastAPI

from jingzhang.patrols.api import commands, queries
from jingzhang.patrols.deps import Deps
from jingzhang.patrols.events import SERVICE
from jingzhang.patrols.metrics import patrols_metrics
from jingzhang.patrols.projections import activity_counts, assignments, duties, fulfilment, hazards, ledger
from jingzhang.patrols.settings import PatrolsSettings
from jingzhang.patrols.worker import cadence_worker
from jingzhang.shared.auth.links import access_projection
from jingzhang.shared.clock import Clock, clock_for
from jingzhang.shared.service import ServiceSpec, build_app
from jingzhang.shared.settings import ServiceSettings

PROJECTIONS = (
    access_projection(),
    assignments.PROJECTION,
    duties.PROJECTION,
    fulfilment.PROJECTION,
    ledger.PROJECTION,
    hazards.PROJECTION,
    activity_counts.PROJECTION,
)


def _patrols_settings(settings: ServiceSettings | None) -> PatrolsSettings:
    if settings is None:
        return PatrolsSettings()
    if isinstance(settings, PatrolsSettings):
        return settings
    return PatrolsSettings(**settings.model_dump())


def create_app(settings: ServiceSettings | None = None, clock: Clock | None = None) -> FastAPI:
    config = _patrols_settings(settings)
    clock = clock or clock_for(config.clock_start)
    app = build_app(
        ServiceSpec(
            name=SERVICE,
            title="jingzhang patrols",
            description="Visit cadence and duties, patrols, hazards and the work ledger (工作台账)",
            settings=config,
            projections=PROJECTIONS,
            routers=[commands, queries],
            workers=[cadence_worker(clock, config.cadence_poll_interval)],
            metrics=[patrols_metrics(clock)],
        )
    )
    app.state.deps = Deps(app.state.runtime, clock, config)
    return app
