"""What every service's HTTP API shares: error mapping (RFC 9457 problems), input guards, health routes,
command responses."""

import contextlib
import re
from collections.abc import Iterator
from typing import Any

import asyncpg
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jingzhang.shared.aggregate import Decided
from jingzhang.shared.bounds import integer_problem, number_problem
from jingzhang.shared.errors import (
    ConcurrencyError,
    DomainRejected,
    InvalidCommand,
    NotFound,
    NotYetKnown,
    UnknownSubject,
)
from jingzhang.shared.problems import PROBLEM_MEDIA_TYPE, Problem, problem, status_code_word
from jingzhang.shared.runtime import failing_checks


class CommandAccepted(BaseModel):
    """The answer to every command: the stream's new version, for the next `expected_version`."""

    id: str
    version: int
    events: list[str]


def accepted(ident: str, decided: Decided[Any]) -> CommandAccepted:
    """The answer to a command that `execute` carried out on stream `ident`."""
    return CommandAccepted(id=ident, version=decided.version, events=[e.event_type for e in decided.events])


class Readiness(BaseModel):
    """`/health/ready`: every check; the service is ready when none of them is false."""

    ready: bool
    checks: dict[str, bool | str]


class NotReady(Problem):
    """`/health/ready` when a check fails: a problem (503) that still carries every check."""

    ready: bool = False
    checks: dict[str, bool | str]


DOCUMENTED_SCHEMAS: tuple[type[BaseModel], ...] = (Problem, NotReady)
"""Problem schemas every app documents in `components.schemas`, for `$ref`s from any response."""


def _documented(description: str, schema: type[BaseModel] = Problem) -> dict[str, Any]:
    # by media type and $ref, not `model=Problem`: FastAPI would document it as the route's own
    # media type (application/json, text/csv, ...), not as application/problem+json
    ref = {"$ref": f"#/components/schemas/{schema.__name__}"}
    return {"description": description, "content": {PROBLEM_MEDIA_TYPE: {"schema": ref}}}


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _documented("The request body could not be read as JSON text"),
    401: _documented("No valid bearer token (`WWW-Authenticate` says which challenge)"),
    403: _documented("The principal may not do this; `detail` says why"),
    404: _documented("No such thing"),
    409: _documented("Refused by the current state, or a stale `expected_version`"),
    413: _documented("The request body is too large"),
    422: _documented(
        "Invalid input; `field` names it. Besides each field's own bounds, no integer may lie outside"
        " -2147483648..2147483647 (what every reader of our events stores) and no number may be infinite"
    ),
    503: _documented("Personal data in the answer cannot be shown now: the key store is unavailable"),
}
"""The problem answers every authenticated route may give, for its OpenAPI document."""

MAX_BODY_BYTES = 256 * 1024
"""Far above any command; far below a NATS message (1 MiB), which every recorded event must fit in."""


def document_problems(app: FastAPI) -> None:
    """Adds the problem schemas to the app's OpenAPI components, where `PROBLEM_RESPONSES` point."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schemas = build().setdefault("components", {}).setdefault("schemas", {})
            for model in DOCUMENTED_SCHEMAS:
                schemas[model.__name__] = model.model_json_schema(ref_template="#/components/schemas/{model}")
        return app.openapi_schema or build()

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend its document


DATABASE_DOWN: tuple[type[Exception], ...] = (
    OSError,  # refused, reset: the server or its socket is gone
    asyncpg.PostgresConnectionError,  # cannot connect now (starting or stopping), connection lost
    asyncpg.InterfaceError,  # the pool's connection was closed under it
    asyncpg.exceptions.OperatorInterventionError,  # shut down by the operator, crashed
    TimeoutError,  # no connection free in time (the pool's bounded wait)
)
RETRY_AFTER_SECONDS = 2


def database_unavailable(exc: BaseException) -> bool:
    """Is this error PostgreSQL (or the way to it) being away, rather than a fault of ours?"""
    return isinstance(exc, DATABASE_DOWN) or (exc.__cause__ is not None and isinstance(exc.__cause__, DATABASE_DOWN))


def unavailable(request: Request) -> JSONResponse:
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    detail = "the service's database cannot be reached just now; nothing was changed: retry"
    return problem(503, detail, "database_unavailable", scope=request.scope, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Every error as a problem (RFC 9457): the kernel's errors, FastAPI's own, and anything unforeseen."""
    document_problems(app)

    for kind in DATABASE_DOWN:
        app.add_exception_handler(kind, lambda request, _: unavailable(request))

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> JSONResponse:
        return problem(404, str(exc), "not_found", scope=request.scope)

    @app.exception_handler(ConcurrencyError)
    async def conflict(request: Request, exc: ConcurrencyError) -> JSONResponse:
        return problem(409, str(exc), "stale_version", scope=request.scope)

    @app.exception_handler(InvalidCommand)
    async def invalid(request: Request, exc: InvalidCommand) -> JSONResponse:
        return problem(422, f"{exc.field}: {exc.reason}", "invalid", exc.field, scope=request.scope)

    @app.exception_handler(UnknownSubject)
    async def unknown(request: Request, exc: UnknownSubject) -> JSONResponse:
        return problem(422, f"{exc.field}: {exc.reason}", exc.code, exc.field, scope=request.scope)

    @app.exception_handler(NotYetKnown)
    async def not_yet(request: Request, exc: NotYetKnown) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after)}
        return problem(409, exc.reason, exc.code, exc.field, scope=request.scope, headers=headers)

    @app.exception_handler(DomainRejected)
    async def rejected(request: Request, exc: DomainRejected) -> JSONResponse:
        return problem(409, exc.reason, exc.code, exc.field, scope=request.scope)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # FastAPI's own: 400 for a body it cannot decode, 404/405 for no such route or method
        field = "body" if exc.status_code == 400 else None
        detail = f"body: {exc.detail}" if field else str(exc.detail)
        code = status_code_word(exc.status_code)
        return problem(exc.status_code, detail, code, field, scope=request.scope, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def unprocessable(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors: list[Any] = list(exc.errors())
        fields = [_field_name(e) for e in errors]
        detail = "; ".join(f"{f}: {e.get('msg')}" for f, e in zip(fields, errors, strict=True))
        return problem(422, detail or "invalid request", "invalid", fields[0] if fields else None, scope=request.scope)

    @app.exception_handler(Exception)
    async def unforeseen(request: Request, exc: Exception) -> JSONResponse:
        # also what middleware raised (the personal-data keys, the metrics): they are outside the router
        if database_unavailable(exc):
            return unavailable(request)
        # Starlette logs and re-raises the error after sending this; the body never tells what failed
        correlation = request.headers.get("x-correlation-id")
        where = f" (correlation id {correlation})" if correlation else ""
        return problem(500, f"the request failed on the server{where}", "internal_server_error", scope=request.scope)


def _field_name(error: Any) -> str:
    """Where the input is at fault; a body that is no JSON is located by character, which names no field."""
    if error.get("type") == "json_invalid":
        return "body"
    where = (str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path", "header"))
    return ".".join(where) or "body"


class UnstorableInput(Exception):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_MAYBE_UNSTORABLE = re.compile(rb"\x00|\xed[\xa0-\xbf]|\\u(?:0000|[dD][89a-fA-F])")
"""What a JSON body must hold for a string parsed from it to hold NUL or a surrogate: that character's
escape, its UTF-8 bytes (`json.loads` decodes with `surrogatepass`), or a zero byte (a raw NUL, or a
UTF-16 or UTF-32 body). A body without any is clean however it parses, and its strings need no walk."""


def _unstorable(text: str) -> str | None:
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return "contains a NUL character (\\u0000), which text cannot hold"
    return "contains an unpaired surrogate (\\ud800-\\udfff), which is not valid Unicode"


def _numbers(value: Any, at: str) -> Iterator[tuple[str, str]]:
    """Why a number in a parsed JSON document cannot be stored by our events' readers, with where it is."""
    if isinstance(value, bool):
        return
    reason = None
    if isinstance(value, int):
        reason = integer_problem(value)
    elif isinstance(value, float):
        reason = number_problem(value)
    if reason is not None:
        yield at, reason
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _numbers(item, f"{at}.{key}" if at else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _numbers(item, f"{at}.{index}" if at else str(index))


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
    """A route dependency: refuse text PostgreSQL cannot store (NUL, lone surrogates) and numbers our
    events' readers cannot hold (`bounds`) before any handler sees them.

    It runs after authentication, so a request without a token is still a 401 whatever it carries.
    """
    inputs: list[tuple[str, str]] = list(request.path_params.items())
    inputs.extend(request.query_params.multi_items())
    inputs.extend(("query", name) for name in request.query_params)
    document: Any = None
    if _is_json(request.headers.get("content-type", "")):
        with contextlib.suppress(ValueError):  # not JSON: request validation answers that with its own 422
            document = await request.json()  # parsed once: FastAPI parsed the body with this same call
            if _MAYBE_UNSTORABLE.search(await request.body()) is not None:
                inputs.extend(_strings(document, ""))
    for field, text in inputs:
        reason = _unstorable(text)
        if reason is not None:
            raise UnstorableInput(field or "body", reason)
    for field, reason in _numbers(document, ""):
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
            await problem(413, detail, "too_large", "body", scope=scope)(scope, receive, send)
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
    async def unstorable(request: Request, exc: UnstorableInput) -> JSONResponse:
        return problem(422, str(exc), "invalid", exc.field, scope=request.scope)


def health_router(ready: Any, instance: str = "") -> APIRouter:
    """`/health/live` checks nothing but the process (and names its start, `instance`, when it was given
    one); `/health/ready` checks NATS, PostgreSQL, consumers."""
    router = APIRouter(prefix="/health", tags=["health"])
    alive = {"status": "ok", "instance": instance} if instance else {"status": "ok"}

    @router.get("/live")
    async def live() -> dict[str, str]:
        return alive

    @router.get("/ready", response_model=Readiness, responses={503: _documented("Not ready: a check failed", NotReady)})
    async def readiness(request: Request) -> JSONResponse:
        checks = await ready()
        failed = failing_checks(checks)
        if not failed:
            return JSONResponse(Readiness(ready=True, checks=checks).model_dump())
        detail = "failing: " + ", ".join(failed)
        return problem(503, detail, "not_ready", scope=request.scope, ready=False, checks=checks)

    return router
