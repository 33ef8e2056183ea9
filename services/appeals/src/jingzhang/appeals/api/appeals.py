"""Commands on appeals: translators only (parse -> command -> handler -> answer).

Every route needs a token (the kernel mounts the router behind its `edge`, which authenticates); who may do what is
`authz`'s role matrix: the role is checked before anything else, the appeal's enterprise on the appeal
the handler loads. Events record the caller (`CommandMeta`); the `*_by` fields of police work name
the officer who did it: the caller, or whom the bureau names.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from jingzhang.appeals import handlers
from jingzhang.appeals.api.authz import CALLBACK, EXTENSION_DECISIONS, POLICE_WORK, Acting, on_appeal
from jingzhang.appeals.api.bodies import (
    AcknowledgeBody,
    CallbackBody,
    CloseBody,
    ExtensionApprovalBody,
    ExtensionRefusalBody,
    ExtensionRequestBody,
    FollowUpBody,
    MergeBody,
    RaiseBody,
    ReferBody,
    ReportBackBody,
    ResolveBody,
)
from jingzhang.appeals.api.deps import HandlerDeps
from jingzhang.appeals.domain import commands as c
from jingzhang.appeals.domain.state import Appeal
from jingzhang.shared.auth import Action
from jingzhang.shared.auth.http import CommandMeta, CurrentPrincipal, authorize_enterprise
from jingzhang.shared.http import CommandAccepted, accepted

router = APIRouter(tags=["appeals"])

PoliceWork = Annotated[Acting, Depends(on_appeal(POLICE_WORK, "police work on an appeal"))]
ExtensionDecision = Annotated[Acting, Depends(on_appeal(EXTENSION_DECISIONS, "deciding on an extension"))]
CallbackAnswer = Annotated[Acting, Depends(on_appeal(CALLBACK, "recording the enterprise's callback"))]


@router.post("/appeals", status_code=201)
async def raise_appeal(
    request: Request, body: RaiseBody, deps: HandlerDeps, meta: CommandMeta, principal: CurrentPrincipal
) -> CommandAccepted:
    """Always accepted for an enterprise the scheme registered: routed to the acting chief, or held by the
    bureau's duty desk (`AppealHeldAtDutyDesk`) until one is known. A retry with the same `appeal_id` and
    content answers the first answer again."""
    await authorize_enterprise(request, principal, body.enterprise_id, Action.ACT)
    cmd = c.RaiseAppeal(
        appeal_id=body.appeal_id,
        enterprise_id=body.enterprise_id,
        channel=body.channel,
        category=body.category,
        description=body.description,
        raised_by=body.raised_by,
        emergency=body.emergency,
        received_at=body.received_at,
        expected_version=body.expected_version,
    )
    done = await handlers.raise_appeal(deps, cmd, meta)
    assert isinstance(done.state, Appeal)  # raised, under the caller's id or a new one
    return accepted(done.state.appeal_id, done)


@router.post("/appeals/{appeal_id}/acknowledge")
async def acknowledge(
    appeal_id: str, body: AcknowledgeBody, deps: HandlerDeps, meta: CommandMeta, who: PoliceWork
) -> CommandAccepted:
    officer_id = who.writer(body.officer_id, "officer_id")
    cmd = c.AcknowledgeAppeal(appeal_id, officer_id, body.note, body.expected_version)
    return accepted(appeal_id, await handlers.acknowledge(deps, cmd, meta, authorize=who.authorize))


@router.post("/appeals/{appeal_id}/resolve")
async def resolve(
    appeal_id: str, body: ResolveBody, deps: HandlerDeps, meta: CommandMeta, who: PoliceWork
) -> CommandAccepted:
    by = who.writer(body.resolved_by, "resolved_by")
    cmd = c.ResolveAppeal(appeal_id, body.what_was_done, by, body.expected_version)
    return accepted(appeal_id, await handlers.resolve(deps, cmd, meta, authorize=who.authorize))


@router.post("/appeals/{appeal_id}/refer")
async def refer(
    appeal_id: str, body: ReferBody, deps: HandlerDeps, meta: CommandMeta, who: PoliceWork
) -> CommandAccepted:
    by = who.writer(body.referred_by, "referred_by")
    cmd = c.ReferAppeal(appeal_id, body.department_id, body.note, by, body.expected_version)
    return accepted(appeal_id, await handlers.refer(deps, cmd, meta, authorize=who.authorize))


@router.post("/appeals/{appeal_id}/follow-ups", status_code=201)
async def follow_up(
    appeal_id: str, body: FollowUpBody, deps: HandlerDeps, meta: CommandMeta, who: PoliceWork
) -> CommandAccepted:
    by = who.writer(body.followed_up_by, "followed_up_by")
    cmd = c.FollowUpReferral(appeal_id, body.note, by, body.expected_version)
    return accepted(appeal_id, await handlers.follow_up(deps, cmd, meta, authorize=who.authorize))


@router.post("/appeals/{appeal_id}/report-back")
async def report_back(
    appeal_id: str, body: ReportBackBody, deps: HandlerDeps, meta: CommandMeta, who: PoliceWork
) -> CommandAccepted:
    by = who.writer(body.recorded_by, "recorded_by")
    cmd = c.RecordDepartmentReport(appeal_id, body.outcome, body.note, by, body.expected_version)
    return accepted(appeal_id, await handlers.report_back(deps, cmd, meta, authorize=who.authorize))


@router.post("/appeals/{appeal_id}/close")
async def close(
    appeal_id: str, body: CloseBody, deps: HandlerDeps, meta: CommandMeta, who: PoliceWork
) -> CommandAccepted:
    by = who.writer(body.closed_by, "closed_by")
    cmd = c.CloseUnresolved(appeal_id, body.reason, by, body.expected_version)
    return accepted(appeal_id, await handlers.close_unresolved(deps, cmd, meta, authorize=who.authorize))


@router.post("/appeals/{appeal_id}/extension-requests", status_code=201)
async def request_extension(
    appeal_id: str, body: ExtensionRequestBody, deps: HandlerDeps, meta: CommandMeta, who: PoliceWork
) -> CommandAccepted:
    by = who.writer(body.requested_by, "requested_by")
    cmd = c.RequestExtension(appeal_id, body.extra, body.reason, by, body.expected_version)
    return accepted(appeal_id, await handlers.request_extension(deps, cmd, meta, authorize=who.authorize))


@router.post("/appeals/{appeal_id}/extension-approvals", status_code=201)
async def approve_extension(
    appeal_id: str, body: ExtensionApprovalBody, deps: HandlerDeps, meta: CommandMeta, who: ExtensionDecision
) -> CommandAccepted:
    by = who.writer(body.approved_by, "approved_by")
    cmd = c.ApproveExtension(appeal_id, by, body.extra, body.expected_version)
    return accepted(appeal_id, await handlers.approve_extension(deps, cmd, meta, authorize=who.authorize))


@router.post("/appeals/{appeal_id}/extension-refusals", status_code=201)
async def refuse_extension(
    appeal_id: str, body: ExtensionRefusalBody, deps: HandlerDeps, meta: CommandMeta, who: ExtensionDecision
) -> CommandAccepted:
    by = who.writer(body.refused_by, "refused_by")
    cmd = c.RefuseExtension(appeal_id, body.reason, by, body.expected_version)
    return accepted(appeal_id, await handlers.refuse_extension(deps, cmd, meta, authorize=who.authorize))


@router.post("/appeals/{appeal_id}/callback", status_code=201)
async def callback(
    appeal_id: str, body: CallbackBody, deps: HandlerDeps, meta: CommandMeta, who: CallbackAnswer
) -> CommandAccepted:
    cmd = c.RecordCallback(appeal_id, body.rating, body.resolved, body.comment, body.recorded_by, body.expected_version)
    return accepted(appeal_id, await handlers.record_callback(deps, cmd, meta, authorize=who.authorize))


@router.post("/appeals/{appeal_id}/merge")
async def merge(
    appeal_id: str, body: MergeBody, deps: HandlerDeps, meta: CommandMeta, who: PoliceWork
) -> CommandAccepted:
    by = who.writer(body.merged_by, "merged_by")
    cmd = c.MergeAppeal(appeal_id, body.into_appeal_id, by, body.expected_version)
    return accepted(appeal_id, await handlers.merge(deps, cmd, meta, authorize=who.authorize))
