"""HTTP routes: translators only (parse -> command -> handler -> response)."""

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from jingzhang.appeals import handlers
from jingzhang.appeals.domain import commands as c
from jingzhang.appeals.domain.vocabulary import Category, Channel, ReportOutcome
from jingzhang.appeals.projections import board, history
from jingzhang.appeals.projections.board import AppealSummary
from jingzhang.appeals.projections.history import HistoryEntry
from jingzhang.shared.envelope import Metadata
from jingzhang.shared.errors import NotFound
from jingzhang.shared.http import CommandAccepted

from .deps import Deps, get_deps, get_meta

router = APIRouter(tags=["appeals"])

DepsDep = Annotated[Deps, Depends(get_deps)]
MetaDep = Annotated[Metadata, Depends(get_meta)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expected_version: int | None = Field(default=None, ge=0)


class RaiseBody(Body):
    appeal_id: str | None = Field(default=None, description="Chosen by the caller for idempotent retries")
    enterprise_id: str
    channel: Channel
    category: Category
    description: str
    raised_by: str
    emergency: bool = False


class AcknowledgeBody(Body):
    officer_id: str
    note: str = ""


class ResolveBody(Body):
    what_was_done: str
    resolved_by: str


class ReferBody(Body):
    department_id: str
    note: str
    referred_by: str


class FollowUpBody(Body):
    note: str
    followed_up_by: str


class ReportBackBody(Body):
    outcome: ReportOutcome
    note: str
    recorded_by: str


class CloseBody(Body):
    reason: str
    closed_by: str


class ExtensionRequestBody(Body):
    extra: timedelta = Field(description="ISO 8601 duration (P2D) or seconds")
    reason: str
    requested_by: str


class ExtensionApprovalBody(Body):
    approved_by: str
    extra: timedelta | None = Field(default=None, description="Less than asked, or omit to grant the request")


class ExtensionRefusalBody(Body):
    reason: str
    refused_by: str


class CallbackBody(Body):
    rating: int = Field(ge=1, le=5)
    resolved: bool
    comment: str = ""
    recorded_by: str


class MergeBody(Body):
    into_appeal_id: str
    merged_by: str


class AppealView(AppealSummary):
    history: list[HistoryEntry]


def accepted(appeal_id: str, done: handlers.Result) -> CommandAccepted:
    return CommandAccepted(id=appeal_id, version=done.version, events=[e.event_type for e in done.events])


@router.post("/appeals", status_code=201)
async def raise_appeal(body: RaiseBody, deps: DepsDep, meta: MetaDep) -> CommandAccepted:
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
async def acknowledge(appeal_id: str, body: AcknowledgeBody, deps: DepsDep, meta: MetaDep) -> CommandAccepted:
    cmd = c.AcknowledgeAppeal(officer_id=body.officer_id, note=body.note, now=deps.clock.now())
    return accepted(appeal_id, await handlers.acknowledge(deps.store, appeal_id, cmd, meta, body.expected_version))


@router.post("/appeals/{appeal_id}/resolve")
async def resolve(appeal_id: str, body: ResolveBody, deps: DepsDep, meta: MetaDep) -> CommandAccepted:
    cmd = c.ResolveAppeal(what_was_done=body.what_was_done, resolved_by=body.resolved_by, now=deps.clock.now())
    return accepted(appeal_id, await handlers.resolve(deps.store, appeal_id, cmd, meta, body.expected_version))


@router.post("/appeals/{appeal_id}/refer")
async def refer(appeal_id: str, body: ReferBody, deps: DepsDep, meta: MetaDep) -> CommandAccepted:
    cmd = c.ReferAppeal(
        department_id=body.department_id, note=body.note, referred_by=body.referred_by, now=deps.clock.now()
    )
    done = await handlers.refer(deps.store, appeal_id, cmd, meta, body.expected_version, deps.directory)
    return accepted(appeal_id, done)


@router.post("/appeals/{appeal_id}/follow-ups", status_code=201)
async def follow_up(appeal_id: str, body: FollowUpBody, deps: DepsDep, meta: MetaDep) -> CommandAccepted:
    cmd = c.FollowUpReferral(note=body.note, followed_up_by=body.followed_up_by, now=deps.clock.now())
    return accepted(appeal_id, await handlers.follow_up(deps.store, appeal_id, cmd, meta, body.expected_version))


@router.post("/appeals/{appeal_id}/report-back")
async def report_back(appeal_id: str, body: ReportBackBody, deps: DepsDep, meta: MetaDep) -> CommandAccepted:
    cmd = c.RecordDepartmentReport(
        outcome=body.outcome, note=body.note, recorded_by=body.recorded_by, now=deps.clock.now()
    )
    return accepted(appeal_id, await handlers.report_back(deps.store, appeal_id, cmd, meta, body.expected_version))


@router.post("/appeals/{appeal_id}/close")
async def close(appeal_id: str, body: CloseBody, deps: DepsDep, meta: MetaDep) -> CommandAccepted:
    cmd = c.CloseUnresolved(reason=body.reason, closed_by=body.closed_by, now=deps.clock.now())
    done = await handlers.close_unresolved(deps.store, appeal_id, cmd, meta, body.expected_version)
    return accepted(appeal_id, done)


@router.post("/appeals/{appeal_id}/extension-requests", status_code=201)
async def request_extension(
    appeal_id: str, body: ExtensionRequestBody, deps: DepsDep, meta: MetaDep
) -> CommandAccepted:
    cmd = c.RequestExtension(extra=body.extra, reason=body.reason, requested_by=body.requested_by, now=deps.clock.now())
    done = await handlers.request_extension(deps.store, appeal_id, cmd, meta, body.expected_version, deps.policy)
    return accepted(appeal_id, done)


@router.post("/appeals/{appeal_id}/extension-approvals", status_code=201)
async def approve_extension(
    appeal_id: str, body: ExtensionApprovalBody, deps: DepsDep, meta: MetaDep
) -> CommandAccepted:
    cmd = c.ApproveExtension(approved_by=body.approved_by, now=deps.clock.now(), extra=body.extra)
    done = await handlers.approve_extension(
        deps.store, deps.chiefs, appeal_id, cmd, meta, body.expected_version, deps.policy
    )
    return accepted(appeal_id, done)


@router.post("/appeals/{appeal_id}/extension-refusals", status_code=201)
async def refuse_extension(appeal_id: str, body: ExtensionRefusalBody, deps: DepsDep, meta: MetaDep) -> CommandAccepted:
    cmd = c.RefuseExtension(reason=body.reason, refused_by=body.refused_by, now=deps.clock.now())
    done = await handlers.refuse_extension(deps.store, deps.chiefs, appeal_id, cmd, meta, body.expected_version)
    return accepted(appeal_id, done)


@router.post("/appeals/{appeal_id}/callback", status_code=201)
async def callback(appeal_id: str, body: CallbackBody, deps: DepsDep, meta: MetaDep) -> CommandAccepted:
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
async def merge(appeal_id: str, body: MergeBody, deps: DepsDep, meta: MetaDep) -> CommandAccepted:
    cmd = c.MergeAppeal(into_appeal_id=body.into_appeal_id, merged_by=body.merged_by, now=deps.clock.now())
    return accepted(appeal_id, await handlers.merge(deps.store, appeal_id, cmd, meta, body.expected_version))


# Queries. The fixed paths come before `/appeals/{appeal_id}` so they are not read as ids.


@router.get("/appeals/overdue")
async def overdue(deps: DepsDep) -> list[AppealSummary]:
    return await board.overdue(deps.pool, deps.clock.now())


@router.get("/appeals/near-breach")
async def near_breach(deps: DepsDep) -> list[AppealSummary]:
    return await board.near_breach(deps.pool, deps.clock.now())


@router.get("/appeals/{appeal_id}")
async def appeal(appeal_id: str, deps: DepsDep) -> AppealView:
    found = await board.summary(deps.pool, appeal_id)
    if found is None:
        raise NotFound("appeal", appeal_id)
    return AppealView(**found.model_dump(), history=await history.history(deps.pool, appeal_id))


@router.get("/enterprises/{enterprise_id}/appeals")
async def enterprise_appeals(
    enterprise_id: str, deps: DepsDep, open_only: Annotated[bool, Query(alias="open")] = False
) -> list[AppealSummary]:
    return await board.of_enterprise(deps.pool, enterprise_id, open_only)


@router.get("/officers/{officer_id}/queue")
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


@router.get("/enterprises/{enterprise_id}/chiefs")
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
