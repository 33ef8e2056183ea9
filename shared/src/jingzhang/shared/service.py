"""Builds one service's FastAPI app around its `Runtime`: the shape every composition root shares."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, get_type_hints

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials
from fastapi_offline import FastAPIOffline

from jingzhang.shared.auth.http import authenticate, bearer, install_auth_errors
from jingzhang.shared.auth.links import PostgresAccess
from jingzhang.shared.auth.revocation_api import revocations_router
from jingzhang.shared.auth.revocations import RECORDED_BY, Denylist, revocations_projection
from jingzhang.shared.auth.tokens import verifier_for
from jingzhang.shared.clock import Clock, ShiftedClock, SystemClock
from jingzhang.shared.clock_api import clock_router
from jingzhang.shared.http import (
    PROBLEM_RESPONSES,
    health_router,
    install_error_handlers,
    install_input_guards,
    storable_input,
)
from jingzhang.shared.logging import configure
from jingzhang.shared.metrics import MetricsHook, ObservedRequests, ServiceMetrics, metrics_router
from jingzhang.shared.privacy.middleware import RevealPersonalData
from jingzhang.shared.privacy.reads import ReadLog
from jingzhang.shared.privacy.reads_api import reads_router, stated_purpose
from jingzhang.shared.projection import Projection
from jingzhang.shared.runtime import Runtime
from jingzhang.shared.settings import ServiceSettings
from jingzhang.shared.ticks import Periodic, Ticker

OFFLINE_SWAGGER_UI: dict[str, Any] = {"validatorUrl": None}
"""Swagger UI would otherwise send the document to a public validator for its badge."""

NO_NATIVE_TELEMETRY: dict[str, Any] = {"tracing": False, "metrics": False, "logs": False}
"""`ObservedRequests` makes the server span (in the correlation's trace) and the latency histogram;
FastAPI's own would add a second span whenever a global provider is set, and asks on every request."""

Worker = Callable[[Runtime, asyncio.Event], Coroutine[Any, Any, None]]
"""A background loop that runs until the event is set; time-driven passes are `Periodic` (see `ticks`)."""


@dataclass
class ServiceSpec:
    name: str
    title: str
    settings: ServiceSettings
    projections: Sequence[Projection] = ()
    routers: Sequence[APIRouter] = ()
    workers: Sequence[Worker | Periodic] = ()
    description: str = ""
    version: str = "0.1.0"
    extra_state: dict[str, object] = field(default_factory=dict)
    metrics: Sequence[MetricsHook] = ()
    """The service's own gauges (appeals near their time limit, overdue duties), next to the shared ones."""
    clock: Clock | None = None
    """The service's clock; a shifted (demo) one is moved on past the latest event at start, so a
    restart never takes the service back in time."""


_PURPOSE = get_type_hints(stated_purpose, include_extras=True)["x_purpose"].__metadata__[0]
"""The `X-Purpose` header as `stated_purpose` declares (and documents) it."""


async def edge(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    x_purpose: Annotated[str | None, _PURPOSE] = None,
) -> None:
    """What every route of a service needs first, in this order: a token, then text PostgreSQL can store,
    then a purpose if stated (the read log records it).

    One dependency calling the three rather than three dependencies: FastAPI walks each dependency of a
    route, and each of theirs, on every request."""
    await authenticate(request, credentials)
    await storable_input(request)
    await stated_purpose(request, x_purpose)


def build_app(spec: ServiceSpec) -> FastAPI:
    wall = SystemClock()  # tokens expire in real time, whatever the service's clock says
    denylist = Denylist(wall.now)
    # every service keeps the revoked tokens, as it keeps `access`: the kernel adds the projection
    runtime = Runtime(spec.name, spec.settings, [*spec.projections, revocations_projection()])
    read_log = ReadLog()  # who read whose personal data unmasked, in the service's own database

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure(spec.settings.log_level, spec.settings.log_json)
        # at start, not at build: building an app (OpenAPI export, NATS config generation) needs no keys
        app.state.verifier = verifier_for(spec.settings)
        app.state.verifier.denylist = denylist
        await runtime.start()
        await denylist.refresh(runtime.pool)
        await read_log.install(runtime.pool)
        if isinstance(spec.clock, ShiftedClock) and (latest := await runtime.latest_recorded()) is not None:
            spec.clock.not_before(latest)
        stop = asyncio.Event()
        tasks: list[asyncio.Task[None]] = [
            asyncio.create_task(ticker.loop(w, stop) if isinstance(w, Periodic) else w(runtime, stop))
            for w in spec.workers
        ]
        tasks.append(asyncio.create_task(denylist.follow(runtime.pool_of, stop)))
        tasks.append(asyncio.create_task(read_log.run(runtime.pool_of, stop)))
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            await runtime.stop()

    app = FastAPIOffline(  # /docs and /redoc with their assets served from the service: no CDN needed
        title=spec.title,
        description=spec.description,
        version=spec.version,
        lifespan=lifespan,
        swagger_ui_parameters=OFFLINE_SWAGGER_UI,
        telemetry=NO_NATIVE_TELEMETRY,
    )
    app.state.runtime = runtime
    ticker = Ticker(runtime, [w for w in spec.workers if isinstance(w, Periodic)])
    app.state.access = PostgresAccess(lambda: runtime.pool)  # the `access` projection every service keeps
    metrics = ServiceMetrics(runtime, spec.metrics)
    app.state.metrics = metrics
    # inside: metrics see its 503s
    app.add_middleware(
        RevealPersonalData, keys=lambda: runtime.keystore, reads=lambda: read_log, clock=spec.clock or wall
    )
    install_input_guards(app)  # inside the metrics: they count its 413s
    app.add_middleware(ObservedRequests, metrics=metrics, tracer=runtime.tracer)
    for key, value in spec.extra_state.items():
        setattr(app.state, key, value)
    install_error_handlers(app)
    install_auth_errors(app)
    app.include_router(health_router(runtime.ready, spec.settings.instance_id))
    app.include_router(metrics_router(metrics))
    routers = [
        *spec.routers,
        revocations_router(denylist, spec.clock or wall, wall, records=spec.name == RECORDED_BY),
        reads_router(),
    ]
    if spec.settings.clock_control and isinstance(spec.clock, ShiftedClock):
        routers.append(clock_router(spec.clock, ticker, runtime))
    for router in routers:
        # every route needs a token, then text PostgreSQL can store, then a purpose if stated (the
        # read log records it); its problem answers are documented
        guards = [Depends(edge)]
        app.include_router(router, dependencies=guards, responses=PROBLEM_RESPONSES)
    return app
