"""A read-only Open311 GeoReport v2 view (JSON format) for government systems that speak it.

The service list is public knowledge for any caller; the request list spans every enterprise (bureau
and auditor); one request is read within its enterprise's scope, like `/appeals/{id}`.
"""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request

from jingzhang.appeals.api.authz import across_enterprises
from jingzhang.appeals.api.deps import Board
from jingzhang.appeals.domain import open311
from jingzhang.shared.auth import Action
from jingzhang.shared.auth.http import CurrentPrincipal, authorize_enterprise
from jingzhang.shared.errors import NotFound

router = APIRouter(prefix="/open311/v2", tags=["open311"])


@router.get("/services.json")
async def services() -> list[open311.Open311Service]:
    return open311.services()


@router.get(
    "/requests.json",
    dependencies=[Depends(across_enterprises("the service requests", "/open311/v2/requests/{id}.json"))],
)
async def requests(
    board: Board,
    status: Literal["open", "closed"] | None = None,
    service_code: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
) -> list[open311.Open311Request]:
    return await board.open311_requests(status, service_code, limit)


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
