"""Officer routes: enrol, transfer, retire, absences, and the officer's read models."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from jingzhang.assignment import handlers
from jingzhang.assignment.api import bodies
from jingzhang.assignment.api.authz import bureau, roster_scope
from jingzhang.assignment.api.deps import Directory, HandlerDeps, Now, Officers
from jingzhang.assignment.domain import commands as c
from jingzhang.assignment.domain.events import AbsenceDeclared, ChiefTier, UnitKind
from jingzhang.assignment.domain.officer import OfficerState
from jingzhang.assignment.projections.officer_directory import RosterFilter
from jingzhang.shared.aggregate import Decided
from jingzhang.shared.auth.http import CommandMeta, CurrentPrincipal, officer_in_path
from jingzhang.shared.auth.policy import Action
from jingzhang.shared.errors import NotFound
from jingzhang.shared.http import CommandAccepted, accepted

router = APIRouter(tags=["officers"])
READ_OFFICER = [Depends(officer_in_path(Action.READ))]
ACT_FOR_OFFICER = [Depends(officer_in_path(Action.ACT))]  # the officer, their station chief, the bureau
MAX_PAGE = 500
NAME = r"^[^\x00]{1,200}$"  # PostgreSQL text holds no NUL


class RosterPageView(BaseModel):
    """One page of the roster (花名册), in officer id order."""

    officers: list[dict[str, Any]] = Field(
        description="Each officer's record (personal data as the caller may see it) with `posts`: the chief"
        " posts they hold now (enterprise, its name, tier, slot, since, and until when its end is recorded)"
    )
    total: int = Field(description="How many officers match the filters, on every page")
    next: str | None = Field(description="Pass as `after` for the next page; null on the last page")


@router.post("/officers", status_code=201, dependencies=[bureau("enrolling an officer")])
async def enrol(body: c.EnrolOfficer, deps: HandlerDeps, meta: CommandMeta) -> CommandAccepted:
    return accepted(body.officer_id, await handlers.enrol_officer(deps, body, meta))


@router.post("/officers/{officer_id}/transfer", dependencies=[bureau("transferring an officer")])
async def transfer(officer_id: str, body: bodies.Transfer, deps: HandlerDeps, meta: CommandMeta) -> CommandAccepted:
    cmd = body.command(c.TransferOfficer, officer_id=officer_id)
    return accepted(officer_id, await handlers.transfer_officer(deps, cmd, meta))


@router.post("/officers/{officer_id}/retire", dependencies=[bureau("retiring an officer")])
async def retire(officer_id: str, body: bodies.Retire, deps: HandlerDeps, meta: CommandMeta) -> CommandAccepted:
    cmd = body.command(c.RetireOfficer, officer_id=officer_id)
    return accepted(officer_id, await handlers.retire_officer(deps, cmd, meta))


@router.post("/officers/{officer_id}/absences", status_code=201, dependencies=ACT_FOR_OFFICER)
async def declare_absence(
    officer_id: str, body: bodies.Absence, deps: HandlerDeps, meta: CommandMeta
) -> CommandAccepted:
    """Answers with the absence's id (to end it later) and the officer stream's version."""
    cmd = body.command(c.DeclareAbsence, officer_id=officer_id)
    decided = await handlers.declare_absence(deps, cmd, meta)
    return accepted(cmd.absence_id or _declared(decided), decided)


def _declared(decided: Decided[OfficerState]) -> str:
    """The id the handler gave a new absence, as recorded."""
    [declared] = [e.absence_id for e in decided.events if isinstance(e, AbsenceDeclared)]
    return declared


@router.post("/officers/{officer_id}/absences/{absence_id}/end", dependencies=ACT_FOR_OFFICER)
async def end_absence(
    officer_id: str, absence_id: str, body: bodies.EndAbsence, deps: HandlerDeps, meta: CommandMeta
) -> CommandAccepted:
    cmd = body.command(c.EndAbsence, officer_id=officer_id, absence_id=absence_id)
    return accepted(absence_id, await handlers.end_absence(deps, cmd, meta))


@router.get("/officers")
async def roster(
    officers: Officers,
    who: CurrentPrincipal,
    now: Now,
    unit: Annotated[str | None, Query(pattern=NAME, description="Only officers of this unit (its name)")] = None,
    unit_kind: Annotated[UnitKind | None, Query(description="Only officers of this kind of unit")] = None,
    station: Annotated[
        str | None, Query(pattern=NAME, description="Only this station's officers; station chiefs must give theirs")
    ] = None,
    role: Annotated[ChiefTier | None, Query(description="Only officers holding a chief post of this tier now")] = None,
    active: Annotated[bool | None, Query(description="true: serving; false: retired; absent: both")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Officers per page")] = 100,
    after: Annotated[str | None, Query(pattern=NAME, description="The `next` of the previous page")] = None,
) -> RosterPageView:
    """花名册: the scheme's officers with their chief posts now; bureau and auditors, station chiefs their own
    station's (`?station=`)."""
    roster_scope(who, station)
    wanted = RosterFilter(unit, unit_kind, station, role, active)
    page = await officers.page(wanted, now, limit, after)
    return RosterPageView(officers=page.officers, total=page.total, next=page.next_after)


@router.get("/officers/{officer_id}", dependencies=READ_OFFICER)
async def officer(officer_id: str, directory: Directory) -> dict[str, Any]:
    found = await directory.officer(officer_id)
    if found is None:
        raise NotFound("officer", officer_id)
    return found


@router.get("/officers/{officer_id}/enterprises", dependencies=READ_OFFICER)
async def enterprises_of(officer_id: str, directory: Directory, now: Now) -> list[dict[str, Any]]:
    """The chief posts the officer holds now (`until`: the end recorded for one, if any)."""
    found = await directory.enterprises_of(officer_id, now)
    if found is None:
        raise NotFound("officer", officer_id)
    return found
