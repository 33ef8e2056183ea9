"""What a request walks through before its handler: FastAPI solves every dependency of a route, and each
of theirs, on every request (a cached one's own dependencies too), so the guards stay flat."""

from collections.abc import Iterator

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from jingzhang.app.services import SERVICES, app_factory
from jingzhang.shared.auth.http import CORRELATION_READERS, CommandMeta, bearer
from jingzhang.shared.service import ServiceSpec, build_app, edge
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


UNGUARDED = ("/docs", "/redoc", "/health/", "/metrics")  # the documents, the probes and the scrape


def guarded(app: FastAPI) -> Iterator[RouteContext]:
    return (r for r in routes(app) if not (r.path or "").startswith(UNGUARDED))


def test_every_service_route_is_behind_the_edge_once(apps: dict[str, FastAPI]) -> None:
    for service, app in apps.items():
        for r in guarded(app):
            assert r.dependant is not None
            readings = sum(1 for d in walked(r.dependant) if d.call is edge)
            assert readings == 1, f"{service} {r.methods} {r.path} walks the edge {readings} times"


def test_no_route_declares_the_headers_the_edge_reads(apps: dict[str, FastAPI]) -> None:
    """FastAPI looks up and validates every declared header on every request (and walks the bearer
    scheme as a dependency): the edge and the correlation readers read them from the request instead,
    and the document still shows each where it was declared before."""
    for service, app in apps.items():
        doc = app.openapi()
        for r in guarded(app):
            assert r.dependant is not None
            declared = {p.alias.lower() for d in [r.dependant, *walked(r.dependant)] for p in d.header_params}
            assert not declared & {"authorization", "x-purpose", "x-correlation-id"}, f"{service} {r.path}"
            assert all(d.call is not bearer for d in walked(r.dependant)), f"{service} {r.path} walks the bearer"
            for method in r.methods or ():
                operation = doc["paths"][r.path_format][method.lower()]
                assert operation["security"] == [{"bearer": []}], f"{service} {method} {r.path}"
                headers = [p["name"] for p in operation["parameters"] if p["in"] == "header"]
                correlated = any(d.call in CORRELATION_READERS for d in walked(r.dependant))
                expected = ["x-purpose", "x-correlation-id"] if correlated else ["x-purpose"]
                assert headers[-len(expected) :] == expected, f"{service} {method} {r.path}"
        assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_a_command_walks_two_dependencies(apps: dict[str, FastAPI]) -> None:
    """The edge (token, storable text, purpose) and the recorder (principal, metadata, role, the handlers'
    deps), neither with a dependency or a header of its own. It walked eleven when each guard and each
    need of the caller nested, and three while the edge declared the bearer scheme."""
    leaflets = route(apps["patrols"], "POST", "/leaflets").dependant
    assert leaflets is not None
    names = [getattr(d.call, "__name__", type(d.call).__name__) for d in walked(leaflets)]
    assert names == ["edge", "recorder"]


def test_a_route_of_a_router_included_in_another_is_documented_as_the_edge_reads_it() -> None:
    inner, outer = APIRouter(), APIRouter(prefix="/outer")

    @inner.post("/things")
    async def record(meta: CommandMeta) -> dict[str, str]:
        return {"actor": meta.actor}

    outer.include_router(inner)
    doc = build_app(ServiceSpec(name="nested", title="nested", settings=ServiceSettings(), routers=[outer])).openapi()
    operation = doc["paths"]["/outer/things"]["post"]
    assert operation["security"] == [{"bearer": []}]
    assert [p["name"] for p in operation["parameters"]] == ["x-purpose", "x-correlation-id"]
