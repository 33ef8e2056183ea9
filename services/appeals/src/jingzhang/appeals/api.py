"""HTTP routes: translators only (authorize -> parse -> command -> handler -> response).

Every route needs a token (the kernel mounts the router behind `authenticate`); who may do what is
`access`'s role matrix. Events record the caller (`CommandMeta`); the `*_by` fields of police work name
the officer who did it: the caller, or whom the bureau names.
"""

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from jingzhang.appeals import handlers
from jingzhang.appeals.access import (
    CALLBACK,
    EXTENSION_DECISIONS,
    POLICE_WORK,
    across_enterprises,
    on_appeal,
    writer,
)
from jingzhang.appeals.domain import commands as c
from jingzhang.appeals.domain.vocabulary import Category, Channel, ReportOutcome
from jingzhang.appeals.projections import board, history
from jingzhang.appeals.projections.board import AppealSummary
from jingzhang.appeals.projections.history import HistoryEntry
from jingzhang.shared.auth import Action, Principal
from jingzhang.shared.auth.http import (
    CommandMeta,
    CurrentPrincipal,
    authorize_enterprise,
    enterprise_in_path,
    officer_in_path,
)
from jingzhang.shared.errors import NotFound
from jingzhang.shared.http import CommandAccepted

from .deps import Deps, get_deps

router = APIRouter(tags=["appeals"])

DepsDep = Annotated[Deps, Depends(get_deps)]
PoliceWork = Annotated[Principal, Depends(on_appeal(POLICE_WORK, "police work on an appeal"))]
ExtensionDecision = Annotated[Principal, Depends(on_appeal(EXTENSION_DECISIONS, "deciding on an extension"))]
CallbackAnswer = Annotated[Principal, Depends(on_appeal(CALLBACK, "recording the enterprise's callback"))]

# Personal values are sealed into tokens when stored, so their lengths are checked here.
Text = Annotated[str, Field(max_length=4000)]
Name = Annotated[str, Field(max_length=100)]
OfficerRef = Annotated[
    str | None,
    Field(
        pattern=r"^[A-Za-z0-9_-]{1,128}$",
        description="The officer who did it: the caller if an officer (or left out); the bureau must name one",
    ),
]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expected_version: int | None = Field(default=None, ge=0)


class RaiseBody(Body):
    appeal_id: str | None = Field(default=None, description="Chosen by the caller for idempotent retries")
    enterprise_id: str
    channel: Channel
    category: Category
    description: Text
    raised_by: Name = Field(description="The name of whoever raised it at the enterprise")
    emergency: bool = False


class AcknowledgeBody(Body):
    officer_id: OfficerRef = None
    note: Text = ""


class ResolveBody(Body):
    what_was_done: Text
    resolved_by: OfficerRef = None


class ReferBody(Body):
    department_id: str
    note: Text
    referred_by: OfficerRef = None


class FollowUpBody(Body):
    note: Text
    followed_up_by: OfficerRef = None


class ReportBackBody(Body):
    outcome: ReportOutcome
    note: Text
    recorded_by: OfficerRef = None


class CloseBody(Body):
    reason: Text
    closed_by: OfficerRef = None


class ExtensionRequestBody(Body):
    extra: timedelta = Field(description="ISO 8601 duration (P2D) or seconds")
    reason: Text
    requested_by: OfficerRef = None


class ExtensionApprovalBody(Body):
    approved_by: OfficerRef = None
    extra: timedelta | None = Field(default=None, description="Less than asked, or omit to grant the request")


class ExtensionRefusalBody(Body):
    reason: Text
    refused_by: OfficerRef = None


class CallbackBody(Body):
    rating: int = Field(ge=1, le=5)
    resolved: bool
    comment: Text = ""
    recorded_by: Name = Field(description="Who answered or recorded the callback")


class MergeBody(Body):
    into_appeal_id: str
    merged_by: OfficerRef = None


class AppealView(AppealSummary):
    history: list[HistoryEntry]


def accepted(appeal_id: str, done: handlers.Result) -> CommandAccepted:
    return CommandAccepted(id=appeal_id, version=done.version, events=[e.event_type for e in done.events])


@router.post("/appeals", status_code=201)
async def raise_appeal(
    request: Request, body: RaiseBody, deps: DepsDep, meta: CommandMeta, principal: CurrentPrincipal
) -> CommandAccepted:
    await authorize_enterprise(request, principal, body.enterprise_id, Action.ACT)
    appeal_id = body.appeal_id or str(uuid.uuid4())
    cmd = c.RaiseAppeal(
        appeal_id=appeal_id,
        enterprise_id=body.enterprise_id,
        channel=body.channel,
        category=body.category,
        description=body.description,
        raised_by=body.raised_by,
        now=deps.clock.now(),
        emergency=body.emergency,
    )
    return accepted(appeal_id, await handlers.raise_appeal(deps.store, deps.chiefs, cmd, meta, deps.policy))


@router.post("/appeals/{appeal_id}/acknowledge")
async def acknowledge(
    appeal_id: str, body: AcknowledgeBody, deps: DepsDep, meta: CommandMeta, who: PoliceWork
) -> CommandAccepted:
    officer_id = writer(who, body.officer_id, "officer_id")
    cmd = c.AcknowledgeAppeal(officer_id=officer_id, note=body.note, now=deps.clock.now())
    return accepted(appeal_id, await handlers.acknowledge(deps.store, appeal_id, cmd, meta, body.expected_version))


@router.post("/appeals/{appeal_id}/resolve")
async def resolve(
    appeal_id: str, body: ResolveBody, deps: DepsDep, meta: CommandMeta, who: PoliceWork
) -> CommandAccepted:
    by = writer(who, body.resolved_by, "resolved_by")
    cmd = c.ResolveAppeal(what_was_done=body.what_was_done, resolved_by=by, now=deps.clock.now())
    return accepted(appeal_id, await handlers.resolve(deps.store, appeal_id, cmd, meta, body.expected_version))


@router.post("/appeals/{appeal_id}/refer")
async def refer(appeal_id: str, body: ReferBody, deps: DepsDep, meta: CommandMeta, who: PoliceWork) -> CommandAccepted:
    by = writer(who, body.referred_by, "referred_by")
    cmd = c.ReferAppeal(department_id=body.department_id, note=body.note, referred_by=by, now=deps.clock.now())
    done = await handlers.refer(deps.store, appeal_id, cmd, meta, body.expected_version, deps.directory)
    return accepted(appeal_id, done)


@router.post("/appeals/{appeal_id}/follow-ups", status_code=201)
async def follow_up(
    appeal_id: str, body: FollowUpBody, deps: DepsDep, meta: CommandMeta, who: PoliceWork
) -> CommandAccepted:
    by = writer(who, body.followed_up_by, "followed_up_by")
    cmd = c.FollowUpReferral(note=body.note, followed_up_by=by, now=deps.clock.now())
    return accepted(appeal_id, await handlers.follow_up(deps.store, appeal_id, cmd, meta, body.expected_version))


@router.post("/appeals/{appeal_id}/report-back")
async def report_back(
    appeal_id: str, body: ReportBackBody, deps: DepsDep, meta: CommandMeta, who: PoliceWork
) -> CommandAccepted:
    by = writer(who, body.recorded_by, "recorded_by")
    cmd = c.RecordDepartmentReport(outcome=body.outcome, note=body.note, recorded_by=by, now=deps.clock.now())
    return accepted(appeal_id, await handlers.report_back(deps.store, appeal_id, cmd, meta, body.expected_version))


@router.post("/appeals/{appeal_id}/close")
async def close(appeal_id: str, body: CloseBody, deps: DepsDep, meta: CommandMeta, who: PoliceWork) -> CommandAccepted:
    by = writer(who, body.closed_by, "closed_by")
    cmd = c.CloseUnresolved(reason=body.reason, closed_by=by, now=deps.clock.now())
    done = await handlers.close_unresolved(deps.store, appeal_id, cmd, meta, body.expected_version)
    return accepted(appeal_id, done)


@router.post("/appeals/{appeal_id}/extension-requests", status_code=201)
async def request_extension(
    appeal_id: str, body: ExtensionRequestBody, deps: DepsDep, meta: CommandMeta, who: PoliceWork
) -> CommandAccepted:
    by = writer(who, body.requested_by, "requested_by")
    cmd = c.RequestExtension(extra=body.extra, reason=body.reason, requested_by=by, now=deps.clock.now())
    done = await handlers.request_extension(deps.store, appeal_id, cmd, meta, body.expected_version, deps.policy)
    return accepted(appeal_id, done)


@router.post("/appeals/{appeal_id}/extension-approvals", status_code=201)
async def approve_extension(
    appeal_id: str, body: ExtensionApprovalBody, deps: DepsDep, meta: CommandMeta, who: ExtensionDecision
) -> CommandAccepted:
    cmd = c.ApproveExtension(
        approved_by=writer(who, body.approved_by, "approved_by"), now=deps.clock.now(), extra=body.extra
    )
    done = await handlers.approve_extension(
        deps.store, deps.chiefs, appeal_id, cmd, meta, body.expected_version, deps.policy
    )
    return accepted(appeal_id, done)


@router.post("/appeals/{appeal_id}/extension-refusals", status_code=201)
async def refuse_extension(
    appeal_id: str, body: ExtensionRefusalBody, deps: DepsDep, meta: CommandMeta, who: ExtensionDecision
) -> CommandAccepted:
    by = writer(who, body.refused_by, "refused_by")
    cmd = c.RefuseExtension(reason=body.reason, refused_by=by, now=deps.clock.now())
    done = await handlers.refuse_extension(deps.store, deps.chiefs, appeal_id, cmd, meta, body.expected_version)
    return accepted(appeal_id, done)


@router.post("/appeals/{appeal_id}/callback", status_code=201)
async def callback(
    appeal_id: str, body: CallbackBody, deps: DepsDep, meta: CommandMeta, _: CallbackAnswer
) -> CommandAccepted:
    cmd = c.RecordCallback(
        rating=body.rating,
        resolved=body.resolved,
        comment=body.comment,
        recorded_by=body.recorded_by,
        now=deps.clock.now(),
    )
    done = await handlers.record_callback(deps.store, appeal_id, cmd, meta, body.expected_version)
    return accepted(appeal_id, done)


@router.post("/appeals/{appeal_id}/merge")
async def merge(appeal_id: str, body: MergeBody, deps: DepsDep, meta: CommandMeta, who: PoliceWork) -> CommandAccepted:
    by = writer(who, body.merged_by, "merged_by")
    cmd = c.MergeAppeal(into_appeal_id=body.into_appeal_id, merged_by=by, now=deps.clock.now())
    return accepted(appeal_id, await handlers.merge(deps.store, appeal_id, cmd, meta, body.expected_version))


# Queries. The fixed paths come before `/appeals/{appeal_id}` so they are not read as ids.


@router.get(
    "/appeals/overdue",
    dependencies=[Depends(across_enterprises("the overdue appeals", "/enterprises/{id}/appeals"))],
)
async def overdue(deps: DepsDep) -> list[AppealSummary]:
    return await board.overdue(deps.pool, deps.clock.now())


@router.get(
    "/appeals/near-breach",
    dependencies=[Depends(across_enterprises("the appeals near their time limit", "/officers/{id}/queue"))],
)
async def near_breach(deps: DepsDep) -> list[AppealSummary]:
    return await board.near_breach(deps.pool, deps.clock.now())


@router.get("/appeals/{appeal_id}")
async def appeal(request: Request, appeal_id: str, deps: DepsDep, principal: CurrentPrincipal) -> AppealView:
    found = await board.summary(deps.pool, appeal_id)
    if found is None:
        raise NotFound("appeal", appeal_id)
    await authorize_enterprise(request, principal, found.enterprise_id, Action.READ)
    return AppealView(**found.model_dump(), history=await history.history(deps.pool, appeal_id))


@router.get("/enterprises/{enterprise_id}/appeals", dependencies=[Depends(enterprise_in_path(Action.READ))])
async def enterprise_appeals(
    enterprise_id: str, deps: DepsDep, open_only: Annotated[bool, Query(alias="open")] = False
) -> list[AppealSummary]:
    return await board.of_enterprise(deps.pool, enterprise_id, open_only)


@router.get("/officers/{officer_id}/queue", dependencies=[Depends(officer_in_path(Action.READ))])
async def officer_queue(officer_id: str, deps: DepsDep) -> list[AppealSummary]:
    return await board.queue(deps.pool, officer_id)


class DepartmentView(BaseModel):
    department_id: str
    name_zh: str
    name_en: str


@router.get("/departments")
async def departments(deps: DepsDep) -> list[DepartmentView]:
    return [DepartmentView(department_id=d.department_id, name_zh=d.name_zh, name_en=d.name_en) for d in deps.directory]


class TierView(BaseModel):
    tier: str
    a_officer_id: str | None
    b_officer_id: str | None
    acting_officer_id: str | None


@router.get("/enterprises/{enterprise_id}/chiefs", dependencies=[Depends(enterprise_in_path(Action.READ))])
async def enterprise_chiefs(enterprise_id: str, deps: DepsDep) -> list[TierView]:
    """Who this service will route the enterprise's appeals to, as its projection knows it now."""
    snapshot = await deps.chiefs.snapshot(enterprise_id)
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
