"""What a request walks through before its handler: FastAPI solves every dependency of a route, and each
of theirs, on every request (a cached one's own dependencies too), so the guards stay flat."""

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from jingzhang.app.services import SERVICES, app_factory
from jingzhang.shared.auth.http import bearer
from jingzhang.shared.settings import ServiceSettings


@pytest.fixture(scope="module")
def apps() -> dict[str, FastAPI]:
    return {service: app_factory(service)(ServiceSettings()) for service in SERVICES}


def walked(dependant: Dependant) -> Iterator[Dependant]:
    """Every dependency FastAPI solves for one request of this route, in its order, repeats included."""
    for sub in dependant.dependencies:
        yield from walked(sub)
        yield sub


def routes(app: FastAPI) -> Iterator[RouteContext]:
    """The app's API routes as it serves them (with the dependencies of the routers they were included by)."""
    return (c for c in iter_route_contexts(app.routes) if isinstance(c.original_route, APIRoute))


def route(app: FastAPI, method: str, path: str) -> RouteContext:
    return next(c for c in routes(app) if c.path == path and method in (c.methods or ()))


def test_every_service_route_reads_the_bearer_token_once(apps: dict[str, FastAPI]) -> None:
    unguarded = ("/docs", "/redoc", "/health/", "/metrics")  # the documents, the probes and the scrape
    for service, app in apps.items():
        for r in (r for r in routes(app) if not (r.path or "").startswith(unguarded)):
            assert r.dependant is not None
            readings = sum(1 for d in walked(r.dependant) if d.call is bearer)
            assert readings == 1, f"{service} {r.methods} {r.path} walks the bearer scheme {readings} times"


def test_a_command_walks_three_dependencies(apps: dict[str, FastAPI]) -> None:
    """The edge (token, storable text, purpose) and its bearer scheme; the recorder (principal, metadata,
    role, the handlers' deps). It walked eleven when each guard and each need of the caller nested."""
    leaflets = route(apps["patrols"], "POST", "/leaflets").dependant
    assert leaflets is not None
    names = [getattr(d.call, "__name__", type(d.call).__name__) for d in walked(leaflets)]
    assert names == ["HTTPBearer", "edge", "recorder"]
