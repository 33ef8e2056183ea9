"""Officer routes: enrol, transfer, retire, absences, and the officer's read models."""

import uuid
from typing import Any

from fastapi import APIRouter, Depends

from jingzhang.assignment import handlers
from jingzhang.assignment.api import bodies
from jingzhang.assignment.api.authz import bureau
from jingzhang.assignment.api.deps import HandlerDeps, Pool, accepted, command
from jingzhang.assignment.domain import commands as c
from jingzhang.assignment.projections import officer_directory
from jingzhang.shared.auth.http import CommandMeta, officer_in_path
from jingzhang.shared.auth.policy import Action
from jingzhang.shared.errors import NotFound
from jingzhang.shared.http import CommandAccepted

router = APIRouter(tags=["officers"])
READ_OFFICER = [Depends(officer_in_path(Action.READ))]
ACT_FOR_OFFICER = [Depends(officer_in_path(Action.ACT))]  # the officer, their station chief, the bureau


@router.post("/officers", status_code=201, dependencies=[bureau("enrolling an officer")])
async def enrol(body: c.EnrolOfficer, deps: HandlerDeps, meta: CommandMeta) -> CommandAccepted:
    return accepted(body.officer_id, await handlers.enrol_officer(deps, body, meta))


@router.post("/officers/{officer_id}/transfer", dependencies=[bureau("transferring an officer")])
async def transfer(officer_id: str, body: bodies.Transfer, deps: HandlerDeps, meta: CommandMeta) -> CommandAccepted:
    fields = body.model_dump(exclude={"expected_version", "effective_from"})
    at = body.effective_from or deps.clock.now()
    cmd = command(c.TransferOfficer, officer_id=officer_id, effective_from=at, **fields)
    return accepted(officer_id, await handlers.transfer_officer(deps, cmd, meta, body.expected_version))


@router.post("/officers/{officer_id}/retire", dependencies=[bureau("retiring an officer")])
async def retire(officer_id: str, body: bodies.Retire, deps: HandlerDeps, meta: CommandMeta) -> CommandAccepted:
    cmd = command(c.RetireOfficer, officer_id=officer_id, effective_from=body.effective_from or deps.clock.now())
    return accepted(officer_id, await handlers.retire_officer(deps, cmd, meta, body.expected_version))


@router.post("/officers/{officer_id}/absences", status_code=201, dependencies=ACT_FOR_OFFICER)
async def declare_absence(
    officer_id: str, body: bodies.Absence, deps: HandlerDeps, meta: CommandMeta
) -> CommandAccepted:
    """Answers with the absence's id (to end it later) and the officer stream's version."""
    absence_id = body.absence_id or uuid.uuid4().hex
    fields = body.model_dump(exclude={"expected_version", "absence_id"})
    cmd = command(c.DeclareAbsence, officer_id=officer_id, absence_id=absence_id, **fields)
    return accepted(absence_id, await handlers.declare_absence(deps, cmd, meta, body.expected_version))


@router.post("/officers/{officer_id}/absences/{absence_id}/end", dependencies=ACT_FOR_OFFICER)
async def end_absence(
    officer_id: str, absence_id: str, body: bodies.EndAbsence, deps: HandlerDeps, meta: CommandMeta
) -> CommandAccepted:
    at = body.ended_at or deps.clock.now()
    cmd = command(c.EndAbsence, officer_id=officer_id, absence_id=absence_id, ended_at=at)
    return accepted(absence_id, await handlers.end_absence(deps, cmd, meta, body.expected_version))


@router.get("/officers/{officer_id}", dependencies=READ_OFFICER)
async def officer(officer_id: str, pool: Pool) -> dict[str, Any]:
    found = await officer_directory.officer(pool, officer_id)
    if found is None:
        raise NotFound("officer", officer_id)
    return found


@router.get("/officers/{officer_id}/enterprises", dependencies=READ_OFFICER)
async def enterprises_of(officer_id: str, pool: Pool) -> list[dict[str, Any]]:
    found = await officer_directory.enterprises_of(pool, officer_id)
    if found is None:
        raise NotFound("officer", officer_id)
    return found
