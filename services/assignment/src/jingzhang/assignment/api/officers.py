"""Officer routes: enrol, transfer, retire, absences, and the officer's read models."""

from typing import Any

from fastapi import APIRouter, Depends

from jingzhang.assignment import handlers
from jingzhang.assignment.api import bodies
from jingzhang.assignment.api.authz import bureau
from jingzhang.assignment.api.deps import Directory, HandlerDeps
from jingzhang.assignment.domain import commands as c
from jingzhang.assignment.domain.events import AbsenceDeclared
from jingzhang.assignment.domain.officer import OfficerState
from jingzhang.shared.aggregate import Decided
from jingzhang.shared.auth.http import CommandMeta, officer_in_path
from jingzhang.shared.auth.policy import Action
from jingzhang.shared.errors import NotFound
from jingzhang.shared.http import CommandAccepted, accepted

router = APIRouter(tags=["officers"])
READ_OFFICER = [Depends(officer_in_path(Action.READ))]
ACT_FOR_OFFICER = [Depends(officer_in_path(Action.ACT))]  # the officer, their station chief, the bureau


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


@router.get("/officers/{officer_id}", dependencies=READ_OFFICER)
async def officer(officer_id: str, directory: Directory) -> dict[str, Any]:
    found = await directory.officer(officer_id)
    if found is None:
        raise NotFound("officer", officer_id)
    return found


@router.get("/officers/{officer_id}/enterprises", dependencies=READ_OFFICER)
async def enterprises_of(officer_id: str, directory: Directory) -> list[dict[str, Any]]:
    found = await directory.enterprises_of(officer_id)
    if found is None:
        raise NotFound("officer", officer_id)
    return found
