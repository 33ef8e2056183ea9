"""Builds one service's FastAPI app around its `Runtime`: the shape every composition root shares."""

import asyncio
import contextlib
import copy
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi_offline import FastAPIOffline

from jingzhang.shared.auth.http import (
    CORRELATION_PARAMETER,
    CORRELATION_READERS,
    authenticated,
    bearer,
    bearer_token,
    install_auth_errors,
)
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
from jingzhang.shared.privacy.reads_api import PURPOSE_PARAMETER, reads_router, stated_purpose
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


async def edge(request: Request) -> None:
    """What every route of a service needs first, in this order: a token, then text PostgreSQL can store,
    then a purpose if stated (the read log records it).

    One dependency calling the three rather than three dependencies, and with no parameters: FastAPI
    walks each dependency of a route, and each of theirs, and looks up and validates each declared
    header, on every request. The bearer token and `X-Purpose` are read from the headers here; the
    document shows them as declared parameters would (`document_edge`)."""
    await authenticated(request, bearer_token(request))
    await storable_input(request)
    await stated_purpose(request)


def document_edge(app: FastAPI, routers: Sequence[APIRouter]) -> None:
    """The OpenAPI document of the routes behind `edge`, as if it declared what it reads: each operation
    needs the bearer token and takes `X-Purpose`, and those whose dependencies read `X-Correlation-Id`
    (`reads_correlation`) take that too, after their own parameters."""
    guarded: dict[tuple[str, str], bool] = {}
    for route in iter_route_contexts([r for router in routers for r in router.routes]):  # nested routers too
        original = route.original_route
        if isinstance(original, APIRoute) and original.include_in_schema and route.path_format is not None:
            correlated = route.dependant is not None and _reads_correlation(route.dependant)
            guarded.update({(route.path_format, method.lower()): correlated for method in route.methods or ()})
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = build()
            for (path, method), correlated in guarded.items():
                operation = doc["paths"].get(path, {}).get(method)
                if operation is None:
                    continue
                operation["security"] = [{bearer.scheme_name: []}]
                header = [PURPOSE_PARAMETER, CORRELATION_PARAMETER] if correlated else [PURPOSE_PARAMETER]
                operation["parameters"] = [*operation.get("parameters", []), *copy.deepcopy(header)]
            schemes = doc.setdefault("components", {}).setdefault("securitySchemes", {})
            schemes[bearer.scheme_name] = bearer.model.model_dump(mode="json", by_alias=True, exclude_none=True)
        return app.openapi_schema or build()

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend its document


def _reads_correlation(dependant: Dependant) -> bool:
    return any(d.call in CORRELATION_READERS or _reads_correlation(d) for d in dependant.dependencies)


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
    document_edge(app, routers)
    return app
