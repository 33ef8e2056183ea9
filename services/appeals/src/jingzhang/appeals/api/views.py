"""Reads: one appeal with its history, lists and queues from the board, departments and chiefs.

The fixed paths come before `/appeals/{appeal_id}` so they are not read as ids.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from jingzhang.appeals.api.authz import across
from jingzhang.appeals.api.deps import Board, Departments, HandlerDeps, History
from jingzhang.appeals.projections.board import AppealSummary
from jingzhang.appeals.projections.history import HistoryEntry
from jingzhang.shared.auth import Action
from jingzhang.shared.auth.http import (
    CurrentPrincipal,
    authorize_enterprise,
    enterprise_in_path,
    officer_in_path,
    station_scope,
)
from jingzhang.shared.errors import NotFound

router = APIRouter(tags=["appeals"])


class AppealView(AppealSummary):
    history: list[HistoryEntry]


class DepartmentView(BaseModel):
    department_id: str
    name_zh: str
    name_en: str


class TierView(BaseModel):
    tier: str
    a_officer_id: str | None
    b_officer_id: str | None
    acting_officer_id: str | None


Station = Annotated[
    str | None,
    Query(
        pattern=r"^[^\x00]{1,200}$",
        description="Only enterprises with an officer of this station (unit name) linked to them; a station"
        " chief gives their own",
    ),
]


@router.get("/appeals/overdue")
async def overdue(
    board: Board, request: Request, who: CurrentPrincipal, station: Station = None
) -> list[AppealSummary]:
    only = await station_scope(request, who, station, across("the overdue appeals", "/enterprises/{id}/appeals"))
    return await board.overdue(only)


@router.get("/appeals/near-breach")
async def near_breach(
    board: Board, request: Request, who: CurrentPrincipal, station: Station = None
) -> list[AppealSummary]:
    what = across("the appeals near their time limit", "/officers/{id}/queue")
    return await board.near_breach(await station_scope(request, who, station, what))


@router.get("/appeals/unrouted")
async def unrouted(
    board: Board, request: Request, who: CurrentPrincipal, station: Station = None
) -> list[AppealSummary]:
    """值班台: open appeals nobody could be given yet (a coverage gap, or the chiefs not known here yet),
    longest waiting first; each goes to the acting chief as soon as one is known."""
    what = across("the duty desk's unrouted appeals", "/enterprises/{id}/appeals")
    return await board.unrouted(await station_scope(request, who, station, what))


@router.get("/appeals/{appeal_id}")
async def appeal(
    request: Request, appeal_id: str, board: Board, history: History, principal: CurrentPrincipal
) -> AppealView:
    found = await board.summary(appeal_id)
    if found is None:
        raise NotFound("appeal", appeal_id)
    await authorize_enterprise(request, principal, found.enterprise_id, Action.READ)
    return AppealView(**found.model_dump(), history=await history.of(appeal_id))


@router.get("/enterprises/{enterprise_id}/appeals", dependencies=[Depends(enterprise_in_path(Action.READ))])
async def enterprise_appeals(
    enterprise_id: str, board: Board, open_only: Annotated[bool, Query(alias="open")] = False
) -> list[AppealSummary]:
    return await board.of_enterprise(enterprise_id, open_only)


@router.get("/officers/{officer_id}/queue", dependencies=[Depends(officer_in_path(Action.READ))])
async def officer_queue(officer_id: str, board: Board) -> list[AppealSummary]:
    return await board.queue(officer_id)


@router.get("/departments")
async def departments(directory: Departments) -> list[DepartmentView]:
    return [DepartmentView(department_id=d.department_id, name_zh=d.name_zh, name_en=d.name_en) for d in directory]


@router.get("/enterprises/{enterprise_id}/chiefs", dependencies=[Depends(enterprise_in_path(Action.READ))])
async def enterprise_chiefs(enterprise_id: str, deps: HandlerDeps) -> list[TierView]:
    """Who this service will route the enterprise's appeals to, as its projection knows it now."""
    # now by the service's clock: a change recorded for a later date shows from that date on
    snapshot = await deps.chiefs.snapshot(enterprise_id, deps.clock.now())
    if snapshot is None:
        raise NotFound("enterprise", enterprise_id)
    return [
        TierView(
            tier=tier.value,
            a_officer_id=t.a_officer_id,
            b_officer_id=t.b_officer_id,
            acting_officer_id=t.acting_officer_id,
        )
        for tier, t in sorted(snapshot.tiers.items(), key=lambda item: item[0].value)
    ]
