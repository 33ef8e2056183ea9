"""Every error answer is an RFC 9457 problem (`application/problem+json`), on a bare app with the kernel's
error mapping: the kernel's own errors, FastAPI's, an unforeseen one, and readiness; and the OpenAPI
document says so."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel

from jingzhang.shared.errors import ConcurrencyError, DomainRejected, InvalidCommand, NotFound
from jingzhang.shared.http import PROBLEM_RESPONSES, health_router, install_error_handlers

PROBLEM = "application/problem+json"
TYPES = "https://jingzhang.example/problems/"
CHECKS: dict[str, bool | str] = {"nats": True, "postgres": True, "relay": "standby"}


class Body(BaseModel):
    count: int


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    router = APIRouter()

    @router.post("/raise/{what}")
    async def raising(what: str, body: Body) -> dict[str, Any]:
        match what:
            case "not_found":
                raise NotFound("officer", "o-404")
            case "stale":
                raise ConcurrencyError("officer-o-1", 2, 3)
            case "invalid":
                raise InvalidCommand("must be in the future", field="due_at")
            case "rejected":
                raise DomainRejected("enterprise e-1 is already registered", code="already_registered")
            case _:
                raise RuntimeError("secret internals")

    app.include_router(router, responses=PROBLEM_RESPONSES)
    app.include_router(health_router(lambda: _ready()))
    return app


async def _ready() -> dict[str, bool | str]:
    return dict(CHECKS)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://edge") as http:
        yield http


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    return body


@pytest.mark.parametrize(
    ("what", "status", "expected"),
    [
        (
            "not_found",
            404,
            {"type": "about:blank", "title": "Not Found", "detail": "officer 'o-404' not found", "code": "not_found"},
        ),
        (
            "stale",
            409,
            {
                "type": TYPES + "stale_version",
                "title": "Stale expected version",
                "detail": "stream officer-o-1 is at version 3, expected 2",
                "code": "stale_version",
            },
        ),
        (
            "invalid",
            422,
            {
                "type": TYPES + "invalid",
                "title": "Invalid input",
                "detail": "due_at: must be in the future",
                "field": "due_at",
                "code": "invalid",
            },
        ),
        (
            "rejected",
            409,
            {
                "type": TYPES + "already_registered",
                "title": "Already registered",
                "detail": "enterprise e-1 is already registered",
                "code": "already_registered",
            },
        ),
    ],
)
async def test_the_kernel_s_errors_are_problems(
    client: httpx.AsyncClient, what: str, status: int, expected: dict[str, Any]
) -> None:
    body = _problem(await client.post(f"/raise/{what}", json={"count": 1}), status)
    assert body == {"status": status, "instance": f"/raise/{what}", "field": None, **expected}


async def test_a_validation_error_is_a_422_problem_naming_the_field(client: httpx.AsyncClient) -> None:
    body = _problem(await client.post("/raise/x", json={"count": "many"}), 422)
    assert (body["type"], body["field"], body["code"]) == (TYPES + "invalid", "count", "invalid")
    assert body["detail"].startswith("count: ")


@pytest.mark.parametrize(("raw", "status"), [(b'{"count": 1', 422), (b"\xff", 400)])
async def test_a_body_that_is_not_json_is_a_problem_naming_the_body(
    client: httpx.AsyncClient, raw: bytes, status: int
) -> None:
    response = await client.post("/raise/x", content=raw, headers={"content-type": "application/json"})
    body = _problem(response, status)
    assert body["field"] == "body"
    assert body["detail"].startswith("body: ")


async def test_unknown_routes_and_methods_are_bare_status_problems(client: httpx.AsyncClient) -> None:
    missing = _problem(await client.get("/nowhere/at/all"), 404)
    assert (missing["type"], missing["title"], missing["instance"]) == ("about:blank", "Not Found", "/nowhere/at/all")
    method = _problem(await client.delete("/raise/x"), 405)
    assert (method["type"], method["title"], method["code"]) == (
        "about:blank",
        "Method Not Allowed",
        "method_not_allowed",
    )


async def test_an_unforeseen_error_is_a_500_problem_that_tells_nothing_of_it(client: httpx.AsyncClient) -> None:
    response = await client.post("/raise/boom", json={"count": 1}, headers={"X-Correlation-Id": "c-1"})
    body = _problem(response, 500)
    assert body["type"] == "about:blank"
    assert "c-1" in body["detail"]
    assert "secret" not in response.text


async def test_readiness_is_json_when_ready_and_a_503_problem_with_its_checks_when_not(
    client: httpx.AsyncClient,
) -> None:
    ready = await client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.headers["content-type"] == "application/json"
    assert ready.json() == {"ready": True, "checks": CHECKS}
    CHECKS["postgres"] = False
    try:
        body = _problem(await client.get("/health/ready"), 503)
    finally:
        CHECKS["postgres"] = True
    assert (body["type"], body["code"], body["ready"]) == (TYPES + "not_ready", "not_ready", False)
    assert body["detail"] == "failing: postgres"
    assert body["checks"] == {**CHECKS, "postgres": False}


def test_the_openapi_document_describes_problems_and_readiness() -> None:
    document = _app().openapi()
    schemas = document["components"]["schemas"]
    assert {"Problem", "NotReady", "Readiness"} <= schemas.keys()
    command = document["paths"]["/raise/{what}"]["post"]["responses"]
    assert "HTTPValidationError" not in schemas
    assert command["422"]["content"] == {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    ready = document["paths"]["/health/ready"]["get"]["responses"]
    assert ready["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Readiness"}
    assert ready["503"]["content"] == {PROBLEM: {"schema": {"$ref": "#/components/schemas/NotReady"}}}
