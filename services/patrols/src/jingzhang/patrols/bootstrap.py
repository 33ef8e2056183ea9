"""The patrols service's composition root: settings, clock, ids, projections, reactor, worker, routes.

The clock goes to the kernel too (`ServiceSpec.clock`): a demo service restarted on a shifted clock
resumes after its latest event, never before it, and `PUT /clock` runs the cadence at the new time."""

from fastapi import FastAPI

from jingzhang.patrols.api import ROUTERS
from jingzhang.patrols.events import SERVICE
from jingzhang.patrols.handlers import Deps
from jingzhang.patrols.metrics import patrols_metrics
from jingzhang.patrols.projections import activity_counts, assignments, duties, hazards, ledger, subjects
from jingzhang.patrols.reactors import fulfilment
from jingzhang.patrols.settings import PatrolsSettings
from jingzhang.patrols.workers import cadence_worker
from jingzhang.shared.auth.links import access_projection
from jingzhang.shared.clock import Clock, IdFactory, clock_for, new_id
from jingzhang.shared.runtime import Runtime
from jingzhang.shared.service import ServiceSpec, build_app
from jingzhang.shared.settings import ServiceSettings
from jingzhang.shared.wiring import provide

PROJECTIONS = (
    access_projection(),
    assignments.PROJECTION,
    subjects.PROJECTION,
    duties.PROJECTION,
    fulfilment.REACTOR,
    ledger.PROJECTION,
    hazards.PROJECTION,
    activity_counts.PROJECTION,
)


def create_app(
    settings: ServiceSettings | None = None, clock: Clock | None = None, ids: IdFactory | None = None
) -> FastAPI:
    config = PatrolsSettings.of(settings)
    clock = clock or clock_for(config.clock_start)
    ids = ids or new_id
    app = build_app(
        ServiceSpec(
            name=SERVICE,
            title="jingzhang patrols",
            description="Visit cadence and duties, patrols, hazards and the work ledger (工作台账)",
            settings=config,
            projections=PROJECTIONS,
            routers=ROUTERS,
            workers=[cadence_worker(clock, ids, config.cadence_poll_interval)],
            metrics=[patrols_metrics(clock)],
            clock=clock,
        )
    )
    runtime: Runtime = app.state.runtime
    pool = runtime.pool_of
    provide(
        app,
        Deps(runtime.started_store(), clock, ids, subjects.PostgresSubjects(pool, runtime.caught_up)),
        duties.PostgresDuties(pool),
        hazards.PostgresHazards(pool),
        ledger.PostgresLedger(pool),
        activity_counts.PostgresActivityCounts(pool),
    )
    return app
