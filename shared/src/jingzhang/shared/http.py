"""What every service's HTTP API shares: error mapping, input guards, health routes, command responses."""

import contextlib
import json
import re
from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jingzhang.shared.aggregate import Decided
from jingzhang.shared.errors import ConcurrencyError, DomainRejected, InvalidCommand, NotFound


class CommandAccepted(BaseModel):
    """The answer to every command: the stream's new version, for the next `expected_version`."""

    id: str
    version: int
    events: list[str]


def accepted(ident: str, decided: Decided[Any]) -> CommandAccepted:
    """The answer to a command that `execute` carried out on stream `ident`."""
    return CommandAccepted(id=ident, version=decided.version, events=[e.event_type for e in decided.events])


class Problem(BaseModel):
    """Every 4xx: `detail` names the problem, `field` the input at fault (if one is), `code` its kind."""

    detail: str
    field: str | None = None
    code: str


def _documented(description: str) -> dict[str, Any]:
    # inline, not `model=Problem`: FastAPI would document it under the route's media type (text/csv, ...)
    return {"description": description, "content": {"application/json": {"schema": Problem.model_json_schema()}}}


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _documented("The request body could not be read as JSON text"),
    401: _documented("No valid bearer token"),
    403: _documented("The principal may not do this; `detail` says why"),
    404: _documented("No such thing"),
    409: _documented("Refused by the current state, or a stale `expected_version`"),
    413: _documented("The request body is too large"),
    422: _documented("Invalid input; `field` names it"),
}
"""The problem answers every authenticated route may give, for its OpenAPI document."""

MAX_BODY_BYTES = 256 * 1024
"""Far above any command; far below a NATS message (1 MiB), which every recorded event must fit in."""


def _problem(status: int, detail: str, code: str, field: str | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content=Problem(detail=detail, field=field, code=code).model_dump())


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NotFound)
    async def not_found(_: Request, exc: NotFound) -> JSONResponse:
        return _problem(404, str(exc), "not_found")

    @app.exception_handler(ConcurrencyError)
    async def conflict(_: Request, exc: ConcurrencyError) -> JSONResponse:
        return _problem(409, str(exc), "stale_version")

    @app.exception_handler(InvalidCommand)
    async def invalid(_: Request, exc: InvalidCommand) -> JSONResponse:
        return _problem(422, f"{exc.field}: {exc.reason}", "invalid", exc.field)

    @app.exception_handler(DomainRejected)
    async def rejected(_: Request, exc: DomainRejected) -> JSONResponse:
        return _problem(409, exc.reason, exc.code, exc.field)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        # FastAPI's own: 400 for a body it cannot decode, 404/405 for no such route or method
        field = "body" if exc.status_code == 400 else None
        detail = f"body: {exc.detail}" if field else str(exc.detail)
        code = HTTPStatus(exc.status_code).phrase.lower().replace(" ", "_")
        response = _problem(exc.status_code, detail, code, field)
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(RequestValidationError)
    async def unprocessable(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors: list[Any] = list(exc.errors())
        fields = [_field_name(e.get("loc", ())) or "body" for e in errors]
        detail = "; ".join(f"{f}: {e.get('msg')}" for f, e in zip(fields, errors, strict=True))
        return _problem(422, detail or "invalid request", "invalid", fields[0] if fields else None)


def _field_name(loc: Any) -> str:
    return ".".join(str(part) for part in loc if part not in ("body", "query", "path", "header"))


class UnstorableInput(Exception):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _unstorable(text: str) -> str | None:
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return "contains a NUL character (\\u0000), which text cannot hold"
    return "contains an unpaired surrogate (\\ud800-\\udfff), which is not valid Unicode"


def _strings(value: Any, at: str) -> Iterator[tuple[str, str]]:
    """Every string in a parsed JSON document, keys included, with where it is (`members.0.name`)."""
    if isinstance(value, str):
        yield at, value
    elif isinstance(value, dict):
        for key, item in value.items():
            here = f"{at}.{key}" if at else str(key)
            yield here, key
            yield from _strings(item, here)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{at}.{index}" if at else str(index))


def _is_json(content_type: str) -> bool:
    media_type = content_type.partition(";")[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


async def storable_input(request: Request) -> None:
    """A route dependency: refuse text PostgreSQL cannot store (NUL, lone surrogates) before any handler sees it.

    It runs after authentication, so a request without a token is still a 401 whatever it carries.
    """
    inputs: list[tuple[str, str]] = list(request.path_params.items())
    inputs.extend(request.query_params.multi_items())
    inputs.extend(("query", name) for name in request.query_params)
    if _is_json(request.headers.get("content-type", "")):
        with contextlib.suppress(ValueError):  # not JSON: request validation answers that with its own 422
            inputs.extend(_strings(json.loads(await request.body()), ""))
    for field, text in inputs:
        reason = _unstorable(text)
        if reason is not None:
            raise UnstorableInput(field or "body", reason)


class BodyLimit:
    """Answers 413 to a request body over `limit` bytes, declared or streamed, before anything reads it."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        body = None if declared.isdigit() and int(declared) > self.limit else await _read(receive, self.limit)
        if body is None:
            detail = f"body: larger than {self.limit} bytes"
            await _problem(413, detail, "too_large", "body")(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)


async def _read(receive: Receive, limit: int) -> bytes | None:
    """The whole body (FastAPI reads it whole anyway), or None once it passes `limit`."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks)  # a disconnect: the app sees it on its next receive
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    replayed = False

    async def again() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return again


def install_input_guards(app: FastAPI) -> None:
    """The body limit for every route; routers add `Depends(storable_input)` after authentication."""
    app.add_middleware(BodyLimit)

    @app.exception_handler(UnstorableInput)
    async def unstorable(_: Request, exc: UnstorableInput) -> JSONResponse:
        return _problem(422, str(exc), "invalid", exc.field)


def health_router(ready: Any) -> APIRouter:
    """`/health/live` checks nothing but the process; `/health/ready` checks NATS, PostgreSQL, consumers."""
    router = APIRouter(prefix="/health", tags=["health"])

    @router.get("/live")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/ready")
    async def readiness() -> JSONResponse:
        checks = await ready()
        status = 200 if all(v is not False for v in checks.values()) else 503  # a standby relay is ready
        return JSONResponse(status_code=status, content={"ready": status == 200, "checks": checks})

    return router
