"""Officer routes: enrol, transfer, retire, absences, and the officer's read models."""

import uuid
from typing import Any

from fastapi import APIRouter

from jingzhang.assignment import handlers
from jingzhang.assignment.api import bodies
from jingzhang.assignment.api.deps import HandlerDeps, Meta, Pool, accepted, command
from jingzhang.assignment.domain import commands as c
from jingzhang.assignment.projections import officer_directory
from jingzhang.shared.errors import NotFound
from jingzhang.shared.http import CommandAccepted

router = APIRouter(tags=["officers"])


@router.post("/officers", status_code=201)
async def enrol(body: c.EnrolOfficer, deps: HandlerDeps, meta: Meta) -> CommandAccepted:
    return accepted(body.officer_id, await handlers.enrol_officer(deps, body, meta))


@router.post("/officers/{officer_id}/transfer")
async def transfer(officer_id: str, body: bodies.Transfer, deps: HandlerDeps, meta: Meta) -> CommandAccepted:
    fields = body.model_dump(exclude={"expected_version", "effective_from"})
    at = body.effective_from or deps.clock.now()
    cmd = command(c.TransferOfficer, officer_id=officer_id, effective_from=at, **fields)
    return accepted(officer_id, await handlers.transfer_officer(deps, cmd, meta, body.expected_version))


@router.post("/officers/{officer_id}/retire")
async def retire(officer_id: str, body: bodies.Retire, deps: HandlerDeps, meta: Meta) -> CommandAccepted:
    cmd = command(c.RetireOfficer, officer_id=officer_id, effective_from=body.effective_from or deps.clock.now())
    return accepted(officer_id, await handlers.retire_officer(deps, cmd, meta, body.expected_version))


@router.post("/officers/{officer_id}/absences", status_code=201)
async def declare_absence(officer_id: str, body: bodies.Absence, deps: HandlerDeps, meta: Meta) -> CommandAccepted:
    """Answers with the absence's id (to end it later) and the officer stream's version."""
    absence_id = body.absence_id or uuid.uuid4().hex
    fields = body.model_dump(exclude={"expected_version", "absence_id"})
    cmd = command(c.DeclareAbsence, officer_id=officer_id, absence_id=absence_id, **fields)
    return accepted(absence_id, await handlers.declare_absence(deps, cmd, meta, body.expected_version))


@router.post("/officers/{officer_id}/absences/{absence_id}/end")
async def end_absence(
    officer_id: str, absence_id: str, body: bodies.EndAbsence, deps: HandlerDeps, meta: Meta
) -> CommandAccepted:
    at = body.ended_at or deps.clock.now()
    cmd = command(c.EndAbsence, officer_id=officer_id, absence_id=absence_id, ended_at=at)
    return accepted(absence_id, await handlers.end_absence(deps, cmd, meta, body.expected_version))


@router.get("/officers/{officer_id}")
async def officer(officer_id: str, pool: Pool) -> dict[str, Any]:
    found = await officer_directory.officer(pool, officer_id)
    if found is None:
        raise NotFound("officer", officer_id)
    return found


@router.get("/officers/{officer_id}/enterprises")
async def enterprises_of(officer_id: str, pool: Pool) -> list[dict[str, Any]]:
    found = await officer_directory.enterprises_of(pool, officer_id)
    if found is None:
        raise NotFound("officer", officer_id)
    return found
