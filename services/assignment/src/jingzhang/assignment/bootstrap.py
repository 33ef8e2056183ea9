"""The assignment service's composition root: settings, clock, ids, projections, reactor, worker, routes.

Everything the routes and the worker use is built here once and handed out by type (`provide`). The
event store and the pool exist only once the runtime has started (the kernel's `build_app` makes the
runtime, its lifespan starts it), so what is built here reaches them through `Started`.
"""

from collections.abc import Sequence

import asyncpg
from fastapi import Depends, FastAPI, Request

from jingzhang.assignment.api import ROUTERS
from jingzhang.assignment.events import SERVICE
from jingzhang.assignment.handlers import Deps
from jingzhang.assignment.locks import PostgresOfficerLocks
from jingzhang.assignment.metrics import assignment_metrics
from jingzhang.assignment.projections import (
    absence_boundaries,
    acting_chiefs,
    coverage_gaps,
    duty_signals,
    enterprise_file,
    officer_directory,
    police_offices,
    term_dates,
)
from jingzhang.assignment.reactors import departures
from jingzhang.assignment.settings import AssignmentSettings
from jingzhang.assignment.workers import acting_worker
from jingzhang.shared.auth import Role
from jingzhang.shared.auth.http import require_roles
from jingzhang.shared.auth.links import PostgresAccess, access_projection
from jingzhang.shared.clock import Clock, IdFactory, clock_for, new_id
from jingzhang.shared.envelope import Envelope, Metadata, NewEvent, StreamId
from jingzhang.shared.privacy.api import privacy_router
from jingzhang.shared.privacy.keystore import PostgresKeyStore
from jingzhang.shared.runtime import Runtime
from jingzhang.shared.service import ServiceSpec, build_app
from jingzhang.shared.settings import ServiceSettings
from jingzhang.shared.store.postgres import PostgresEventStore
from jingzhang.shared.wiring import provide

PROJECTIONS = (
    enterprise_file.PROJECTION,
    officer_directory.PROJECTION,
    coverage_gaps.PROJECTION,
    acting_chiefs.PROJECTION,
    police_offices.PROJECTION,
    absence_boundaries.PROJECTION,
    term_dates.PROJECTION,
    duty_signals.PROJECTION,
    departures.REACTOR,
    access_projection(),
)


class Started:
    """The runtime's parts that exist once it has started, for what the root builds before."""

    def __init__(self) -> None:
        self.runtime: Runtime | None = None

    def _started(self) -> Runtime:
        if self.runtime is None:
            raise RuntimeError("the assignment app has no runtime: build it with create_app")
        return self.runtime

    def pool(self) -> asyncpg.Pool:
        return self._started().pool

    def store(self) -> PostgresEventStore:
        return self._started().store

    def keystore(self, _: Request) -> PostgresKeyStore:
        """For the erasure routes (`privacy_router` asks per request)."""
        keys = self._started().keystore
        if keys is None:
            raise RuntimeError("the assignment runtime has not opened its key store")
        return keys


class StartedStore:
    """The runtime's event store as the handlers see it (`EventStore`), asked for at each call."""

    service = SERVICE

    def __init__(self, started: Started) -> None:
        self._started = started

    async def append(self, stream: StreamId, expected_version: int, events: Sequence[NewEvent], meta: Metadata) -> int:
        return await self._started.store().append(stream, expected_version, events, meta)

    async def read_stream(self, stream: StreamId) -> list[Envelope]:
        return await self._started.store().read_stream(stream)


def create_app(
    settings: ServiceSettings | None = None, clock: Clock | None = None, ids: IdFactory | None = None
) -> FastAPI:
    settings = AssignmentSettings.of(settings)
    clock = clock or clock_for(settings.clock_start)
    started = Started()
    deps = Deps(
        store=StartedStore(started),
        clock=clock,
        ids=ids or new_id,
        posts=officer_directory.ProjectedPosts(started.pool),
        locks=PostgresOfficerLocks(started.store),
    )
    boundaries = absence_boundaries.Boundaries(started.pool)
    dates = term_dates.TermDates(started.pool)
    signals = duty_signals.DutySignals(started.pool)
    erasures = privacy_router(  # officers and contacts are registered here, so their erasure is too
        started.keystore,
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
        workers=[acting_worker(deps, boundaries, dates, signals, settings.acting_poll_interval)],
        metrics=[assignment_metrics()],
        clock=clock,
    )
    app = build_app(spec)
    started.runtime = app.state.runtime  # the kernel's; it starts with the app
    provide(
        app,
        deps,
        enterprise_file.EnterpriseFiles(started.pool),
        officer_directory.OfficerDirectory(started.pool),
        officer_directory.Roster(started.pool),
        acting_chiefs.ActingChiefs(started.pool),
        coverage_gaps.CoverageGaps(started.pool),
        police_offices.PoliceOffices(started.pool),
        signals,
        PostgresAccess(started.pool),
    )
    return app
