"""The assignment service's composition root: settings, clock, projections, reactor, worker, routes."""

from collections.abc import Callable

from fastapi import Depends, FastAPI

from jingzhang.assignment.api import ROUTERS
from jingzhang.assignment.events import SERVICE
from jingzhang.assignment.handlers import Deps
from jingzhang.assignment.locks import PostgresOfficerLocks
from jingzhang.assignment.projections import (
    absence_boundaries,
    acting_chiefs,
    coverage_gaps,
    enterprise_file,
    officer_directory,
    police_offices,
)
from jingzhang.assignment.reactors import departures
from jingzhang.assignment.settings import AssignmentSettings
from jingzhang.assignment.workers import acting_worker
from jingzhang.shared.auth import Role
from jingzhang.shared.auth.http import require_roles
from jingzhang.shared.auth.links import access_projection
from jingzhang.shared.clock import Clock, clock_for
from jingzhang.shared.privacy.api import privacy_router
from jingzhang.shared.runtime import Runtime
from jingzhang.shared.service import ServiceSpec, build_app
from jingzhang.shared.settings import ServiceSettings

PROJECTIONS = (
    enterprise_file.PROJECTION,
    officer_directory.PROJECTION,
    coverage_gaps.PROJECTION,
    acting_chiefs.PROJECTION,
    police_offices.PROJECTION,
    absence_boundaries.PROJECTION,
    departures.PROJECTION,
    access_projection(),
)


def deps_factory(clock: Clock) -> Callable[[Runtime], Deps]:
    """Handler dependencies per request: the store and pool exist only once the runtime started."""

    def deps_for(runtime: Runtime) -> Deps:
        return Deps(
            store=runtime.store,
            clock=clock,
            posts=officer_directory.ProjectedPosts(runtime.pool),
            locks=PostgresOfficerLocks(runtime.store),
        )

    return deps_for


def create_app(settings: ServiceSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = as_assignment_settings(settings)
    clock = clock or clock_for(settings.clock_start)
    deps_for = deps_factory(clock)
    erasures = privacy_router(  # officers and contacts are registered here, so their erasure is too
        lambda request: request.app.state.runtime.keystore,
        clock,
        erase_dependencies=[Depends(require_roles(Role.BUREAU, what="erasing a person's data"))],
        read_dependencies=[Depends(require_roles(Role.BUREAU, Role.AUDITOR, what="reading erasures"))],
    )
    spec = ServiceSpec(
        name=SERVICE,
        title="jingzhang assignment",
        description="Enterprises, officers, the three chiefs with A/B roles, police offices, duty calendar",
        settings=settings,
        projections=PROJECTIONS,
        routers=[*ROUTERS, erasures],
        workers=[acting_worker(deps_for, settings.acting_poll_interval)],
        extra_state={"deps_for": deps_for},
    )
    app = build_app(spec)
    return app


def as_assignment_settings(settings: ServiceSettings | None) -> AssignmentSettings:
    """Kernel settings (as the test fixtures make them) with this service's defaults added."""
    if isinstance(settings, AssignmentSettings):
        return settings
    return AssignmentSettings(**settings.model_dump()) if settings else AssignmentSettings()
