"""What every service's HTTP API shares: error mapping, health routes, command responses."""

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from jingzhang.shared.errors import ConcurrencyError, DomainRejected, InvalidCommand, NotFound


class CommandAccepted(BaseModel):
    """The answer to every command: the stream's new version, for the next `expected_version`."""

    id: str
    version: int
    events: list[str]


class Problem(BaseModel):
    detail: str
    field: str | None = None
    code: str


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

    @app.exception_handler(RequestValidationError)
    async def unprocessable(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors: list[Any] = list(exc.errors())
        fields = [_field_name(e.get("loc", ())) for e in errors]
        detail = "; ".join(f"{f or 'body'}: {e.get('msg')}" for f, e in zip(fields, errors, strict=True))
        return _problem(422, detail or "invalid request", "invalid", fields[0] if fields else None)


def _field_name(loc: Any) -> str:
    return ".".join(str(part) for part in loc if part not in ("body", "query", "path", "header"))


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
