"""A read-only Open311 GeoReport v2 view (JSON format) for government systems that speak it.

The service list is public knowledge for any caller; the request list spans every enterprise (bureau
and auditor); one request is read within its enterprise's scope, like `/appeals/{id}`. Errors here
are GeoReport's, not problem details: a JSON list `[{"code": <HTTP status>, "description": ...}]`,
with the same status (and `WWW-Authenticate`) the problem would have had.
"""

import json
from collections.abc import Awaitable, Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from jingzhang.appeals.api.authz import across_enterprises
from jingzhang.appeals.api.deps import Board
from jingzhang.appeals.domain import open311
from jingzhang.shared.auth import Action
from jingzhang.shared.auth.http import CurrentPrincipal, authorize_enterprise
from jingzhang.shared.errors import NotFound

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class GeoReportRoute(APIRoute):
    """Answers an error the app would give as a problem in GeoReport's shape instead."""

    def get_route_handler(self) -> Handler:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except Exception as exc:
                answer = await _as_the_app_answers(request, exc)
                return _georeport(answer)

        return handler


async def _as_the_app_answers(request: Request, exc: Exception) -> Response:
    handlers: dict[Any, Any] = request.app.exception_handlers
    kind = next((k for k in type(exc).__mro__ if k in handlers), None)
    if kind is None:
        raise exc
    answer = handlers[kind](request, exc)
    return await answer if isinstance(answer, Awaitable) else answer  # type: ignore[no-any-return]


def _georeport(answer: Response) -> Response:
    try:
        problem = json.loads(bytes(answer.body))
        description = str(problem.get("detail") or problem.get("title"))
    except (ValueError, AttributeError):
        description = "error"
    errors = [open311.GeoReportError(code=answer.status_code, description=description).model_dump()]
    kept = {k: v for k, v in answer.headers.items() if k.lower() in ("www-authenticate", "retry-after")}
    return JSONResponse(errors, status_code=answer.status_code, headers=kept)


def _errors(description: str) -> dict[str, Any]:
    return {"description": description, "model": list[open311.GeoReportError]}


router = APIRouter(
    prefix="/open311/v2",
    tags=["open311"],
    route_class=GeoReportRoute,
    responses={
        400: _errors("A filter GeoReport cannot read; `description` names it"),
        401: _errors("No valid bearer token (`WWW-Authenticate` says which challenge)"),
        403: _errors("The principal may not read this"),
        404: _errors("No such service request"),
        422: _errors("Invalid input; `description` names it"),
        503: _errors("The service cannot answer just now (its database or key store is away): retry"),
    },
)


@router.get("/services.json")
async def services() -> list[open311.Open311Service]:
    return open311.services()


@router.get(
    "/requests.json",
    dependencies=[Depends(across_enterprises("the service requests", "/open311/v2/requests/{id}.json"))],
    summary="Service requests (appeals), filtered as GeoReport v2 defines",
)
async def requests(
    board: Board,
    service_request_id: Annotated[
        str | None, Query(description="Comma-delimited ids; overrides every other filter")
    ] = None,
    service_code: Annotated[str | None, Query(description="Comma-delimited service codes")] = None,
    status: Annotated[str | None, Query(description="Comma-delimited: open, closed")] = None,
    start_date: Annotated[
        str | None, Query(description="Earliest requested_datetime, W3C (2010-05-24T00:00:00Z)")
    ] = None,
    end_date: Annotated[
        str | None, Query(description="Latest requested_datetime; at most 90 days after start_date")
    ] = None,
    jurisdiction_id: Annotated[str | None, Query(description="Accepted and ignored: one jurisdiction")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
) -> list[open311.Open311Request]:
    """Without dates: the most recent 90 days (by the service's clock), newest first, at most 1000."""
    try:
        query = open311.RequestQuery.parse(
            board.now(),
            service_request_id=service_request_id,
            service_code=service_code,
            status=status,
            start_date=start_date,
            end_date=end_date,
        )
    except open311.InvalidQuery as exc:
        raise HTTPException(400, detail=str(exc)) from exc  # GeoReport's status for a bad filter
    return await board.open311_requests(query, limit)


@router.get("/requests/{request_id}.json")
async def request(
    http: Request, request_id: str, board: Board, principal: CurrentPrincipal
) -> list[open311.Open311Request]:
    """GeoReport v2 answers a single request as a one-element list."""
    appeal = await board.summary(request_id)
    found = await board.open311_request(request_id)
    if appeal is None or found is None:
        raise NotFound("service request", request_id)
    await authorize_enterprise(http, principal, appeal.enterprise_id, Action.READ)
    return [found]
