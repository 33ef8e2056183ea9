"""Report up → assign → carry out over HTTP (issue 14 item 5): the police of the enterprise report and
record, its bureau leader assigns (the domain checks the very officer); read like the enterprise, and on
the queue of the officers it is with."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from jingzhang.appeals import handlers
from jingzhang.appeals.api.authz import POLICE_WORK, writer
from jingzhang.appeals.api.bodies import OfficerRef, Text
from jingzhang.appeals.api.deps import HandlerDeps, Matters
from jingzhang.appeals.domain.matters import AssignMatter, Matter, ReportMatter
from jingzhang.shared.aggregate import Authorize
from jingzhang.shared.auth import Action, Principal, ensure
from jingzhang.shared.auth.http import (
    CommandMeta,
    CurrentPrincipal,
    authorize_enterprise,
    enterprise_in_path,
    officer_in_path,
)
from jingzhang.shared.auth.policy import roles
from jingzhang.shared.errors import NotFound
from jingzhang.shared.http import CommandAccepted, accepted

router = APIRouter(tags=["matters"])


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReportBody(Body):
    matter_id: Annotated[str | None, Field(pattern=r"^[A-Za-z0-9_-]{1,128}$")] = None
    enterprise_id: str
    summary: Text = Field(min_length=1)
    reported_by: OfficerRef = None


class AssignBody(Body):
    unit: Annotated[str, Field(min_length=1, max_length=200, description="The unit or partner department")]
    deadline: AwareDatetime = Field(description="By when it is to be carried out; after now")
    instruction: Text = Field(min_length=1)
    assigned_by: OfficerRef = None


class NoteBody(Body):
    note: Text = Field(min_length=1)
    recorded_by: OfficerRef = None


def _police(principal: CurrentPrincipal) -> Principal:
    ensure(roles(principal, POLICE_WORK, "work on a matter reported up"))
    return principal


Police = Annotated[Principal, Depends(_police)]


def _within(request: Request, principal: Principal) -> Authorize[Matter]:
    async def authorize(state: Matter) -> None:
        if state.reported is None:
            raise NotFound("matter", "?")
        await authorize_enterprise(request, principal, state.reported.enterprise_id, Action.ACT)

    return authorize


@router.post("/matters", status_code=201)
async def report(
    body: ReportBody, request: Request, who: Police, deps: HandlerDeps, meta: CommandMeta
) -> CommandAccepted:
    """上报: a chief of the enterprise reports a matter beyond their remit."""
    await authorize_enterprise(request, who, body.enterprise_id, Action.ACT)
    cmd = ReportMatter(
        body.matter_id or "", body.enterprise_id, body.summary, writer(who, body.reported_by, "reported_by")
    )
    decided = await handlers.report_matter(deps, cmd, meta)
    assert decided.state.reported is not None
    return accepted(decided.state.reported.matter_id, decided)


@router.post("/matters/{matter_id}/assign")
async def assign(
    matter_id: str, body: AssignBody, request: Request, who: Police, deps: HandlerDeps, meta: CommandMeta
) -> CommandAccepted:
    """批办: the enterprise's bureau leader (A, B or acting) assigns it to a unit with a deadline."""
    by = writer(who, body.assigned_by, "assigned_by")
    cmd = AssignMatter(matter_id, body.unit, body.deadline, body.instruction, by)
    return accepted(matter_id, await handlers.assign_matter(deps, cmd, meta, authorize=_within(request, who)))


@router.post("/matters/{matter_id}/progress", status_code=201)
async def progress(
    matter_id: str, body: NoteBody, request: Request, who: Police, deps: HandlerDeps, meta: CommandMeta
) -> CommandAccepted:
    by = writer(who, body.recorded_by, "recorded_by")
    done = await handlers.record_matter_progress(deps, matter_id, body.note, by, meta, authorize=_within(request, who))
    return accepted(matter_id, done)


@router.post("/matters/{matter_id}/complete")
async def complete(
    matter_id: str, body: NoteBody, request: Request, who: Police, deps: HandlerDeps, meta: CommandMeta
) -> CommandAccepted:
    """落实: carried out (on time or late)."""
    by = writer(who, body.recorded_by, "recorded_by")
    done = await handlers.complete_matter(deps, matter_id, body.note, by, meta, authorize=_within(request, who))
    return accepted(matter_id, done)


@router.get("/matters/{matter_id}")
async def matter(matter_id: str, matters: Matters, request: Request, who: CurrentPrincipal) -> dict[str, Any]:
    found = await matters.matter(matter_id)
    if found is None:
        raise NotFound("matter", matter_id)
    await authorize_enterprise(request, who, found["enterprise_id"], Action.READ)
    return found


@router.get("/enterprises/{enterprise_id}/matters", dependencies=[Depends(enterprise_in_path(Action.READ))])
async def of_enterprise(enterprise_id: str, matters: Matters) -> list[dict[str, Any]]:
    return await matters.of_enterprise(enterprise_id)


@router.get("/officers/{officer_id}/matters", dependencies=[Depends(officer_in_path(Action.READ))])
async def queue(officer_id: str, matters: Matters) -> list[dict[str, Any]]:
    """The officer's queue of matters: reported or assigned by them, not yet carried out."""
    return await matters.queue(officer_id)
