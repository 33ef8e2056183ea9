"""HTTP routes: translators only (parse -> authorize -> command -> handler -> response); no rule lives here.

Ids of new visits, hazards and activities may be supplied by the client (so a retried request
records nothing twice) or are generated here, at the entrypoint, never in the domain. Every route
needs a token; who may do what is in `authorization`.
"""

import uuid
from dataclasses import asdict
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from jingzhang.patrols import handlers
from jingzhang.patrols.authorization import Recorder, RecorderParam, across_all, may_read_duty
from jingzhang.patrols.deps import Deps, get_deps
from jingzhang.patrols.domain.activity import (
    ActivityEvent,
    CaseHandled,
    CaseKind,
    DisputeMediated,
    ForumHeld,
    LeafletsDistributed,
    ServiceMode,
    ServiceOnBehalfHandled,
    TrainingHeld,
    TrainingKind,
    collect_appeal,
)
from jingzhang.patrols.domain.common import VisitKind, local_date
from jingzhang.patrols.domain.duty import DutyStatus
from jingzhang.patrols.domain.hazard import RecordHazard, RectifyHazard, VerifyHazard
from jingzhang.patrols.domain.visit import Proof, RecordVisit
from jingzhang.patrols.projections import activity_counts, duties, hazards, ledger
from jingzhang.shared.aggregate import Decided
from jingzhang.shared.auth.http import CurrentPrincipal, enterprise_in_path, officer_in_path
from jingzhang.shared.auth.policy import Action
from jingzhang.shared.errors import InvalidCommand, NotFound
from jingzhang.shared.http import CommandAccepted

Ident = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,100}$")]

commands = APIRouter(tags=["commands"])
queries = APIRouter(tags=["queries"])


DepsParam = Annotated[Deps, Depends(get_deps)]


def accepted(ident: str, decided: Decided[Any]) -> CommandAccepted:
    return CommandAccepted(id=ident, version=decided.version, events=[e.event_type for e in decided.events])


def _new_id(given: str | None) -> str:
    return given or str(uuid.uuid4())


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expected_version: int | None = Field(default=None, ge=0)


# --- visits --------------------------------------------------------------------------------------


class VisitBody(Body):
    visit_id: Ident | None = None
    enterprise_id: Ident
    kind: VisitKind
    officer_ids: list[str]
    started_at: AwareDatetime
    ended_at: AwareDatetime
    location: str
    person_times: int = Field(ge=1)
    findings: str = ""
    proof: Proof | None = None


@commands.post("/visits", status_code=201)
async def record_visit(body: VisitBody, deps: DepsParam, police: RecorderParam) -> CommandAccepted:
    """A visit or joint patrol (`PatrolCompleted`); it fulfils the duty it settles."""
    await police.may_act_for(body.enterprise_id)
    visit_id = _new_id(body.visit_id)
    command = RecordVisit(
        visit_id=visit_id,
        enterprise_id=body.enterprise_id,
        kind=body.kind,
        officer_ids=tuple(body.officer_ids),
        started_at=body.started_at,
        ended_at=body.ended_at,
        location=body.location,
        person_times=body.person_times,
        findings=body.findings,
        now=deps.clock.now(),
        proof=body.proof,
    )
    decided = await handlers.record_visit(deps.store, deps.clock, command, police.meta, body.expected_version)
    return accepted(visit_id, decided)


# --- hazards -------------------------------------------------------------------------------------


class HazardBody(Body):
    hazard_id: Ident | None = None
    enterprise_id: Ident
    description: str
    found_on: date
    rectification_due: date
    officer_ids: list[str]
    found_on_visit_id: str | None = None


class RectifyBody(Body):
    rectified_on: date
    measures: str
    officer_ids: list[str]


class VerifyBody(Body):
    on_visit_id: str
    verified_on: date
    officer_ids: list[str]


@commands.post("/hazards", status_code=201)
async def record_hazard(body: HazardBody, deps: DepsParam, police: RecorderParam) -> CommandAccepted:
    await police.may_act_for(body.enterprise_id)
    hazard_id = _new_id(body.hazard_id)
    command = RecordHazard(
        hazard_id=hazard_id,
        enterprise_id=body.enterprise_id,
        description=body.description,
        found_on=body.found_on,
        rectification_due=body.rectification_due,
        officer_ids=tuple(body.officer_ids),
        today=local_date(deps.clock.now()),
        found_on_visit_id=body.found_on_visit_id,
    )
    decided = await handlers.record_hazard(deps.store, deps.clock, command, police.meta, body.expected_version)
    return accepted(hazard_id, decided)


@commands.post("/hazards/{hazard_id}/rectify")
async def rectify_hazard(
    hazard_id: Ident, body: RectifyBody, deps: DepsParam, police: RecorderParam
) -> CommandAccepted:
    await police.may_act_for(await handlers.hazard_enterprise(deps.store, hazard_id))
    today = local_date(deps.clock.now())
    command = RectifyHazard(body.rectified_on, body.measures, tuple(body.officer_ids), today)
    meta = police.meta
    decided = await handlers.rectify_hazard(deps.store, deps.clock, hazard_id, command, meta, body.expected_version)
    return accepted(hazard_id, decided)


@commands.post("/hazards/{hazard_id}/verify")
async def verify_hazard(hazard_id: Ident, body: VerifyBody, deps: DepsParam, police: RecorderParam) -> CommandAccepted:
    await police.may_act_for(await handlers.hazard_enterprise(deps.store, hazard_id))
    today = local_date(deps.clock.now())
    command = VerifyHazard(body.on_visit_id, body.verified_on, tuple(body.officer_ids), today)
    meta = police.meta
    decided = await handlers.verify_hazard(deps.store, deps.clock, hazard_id, command, meta, body.expected_version)
    return accepted(hazard_id, decided)


# --- activities ----------------------------------------------------------------------------------


class ActivityBody(Body):
    activity_id: Ident | None = None
    enterprise_id: Ident | None = None
    officer_ids: list[str]
    occurred_on: date


class EnterpriseActivityBody(ActivityBody):
    enterprise_id: Ident


class DisputeBody(EnterpriseActivityBody):
    parties: list[str]
    outcome: str
    agreement_reached: bool


class CaseBody(EnterpriseActivityBody):
    police_case_number: str
    kind: CaseKind


class ServiceOnBehalfBody(EnterpriseActivityBody):
    item: str
    mode: ServiceMode


class TrainingBody(ActivityBody):
    kind: TrainingKind
    attendees: int
    topic: str


class LeafletsBody(ActivityBody):
    count: int
    topic: str


class AppealBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ref_id: str | None = Field(default=None, description="The forum's own reference; defaults to its position")
    enterprise_id: Ident | None = Field(default=None, description="Defaults to the forum's host")
    description: str
    category: str


class ForumBody(ActivityBody):
    attendees: int
    appeals: list[AppealBody] = []


def _common(body: ActivityBody, activity_id: str) -> dict[str, Any]:
    return {
        "activity_id": activity_id,
        "enterprise_id": body.enterprise_id,
        "officer_ids": tuple(body.officer_ids),
        "occurred_on": body.occurred_on,
    }


async def _record(body: ActivityBody, deps: Deps, police: Recorder, build: Any) -> CommandAccepted:
    activity_id = _new_id(body.activity_id)
    recorded: ActivityEvent = build(_common(body, activity_id))
    await police.may_act_for(*_enterprises(recorded))
    decided = await handlers.record_activity(deps.store, deps.clock, recorded, police.meta, body.expected_version)
    return accepted(activity_id, decided)


@commands.post("/disputes", status_code=201)
async def mediate_dispute(body: DisputeBody, deps: DepsParam, police: RecorderParam) -> CommandAccepted:
    def build(common: dict[str, Any]) -> ActivityEvent:
        return DisputeMediated(
            **common, parties=list(body.parties), outcome=body.outcome, agreement_reached=body.agreement_reached
        )

    return await _record(body, deps, police, build)


@commands.post("/cases", status_code=201)
async def handle_case(body: CaseBody, deps: DepsParam, police: RecorderParam) -> CommandAccepted:
    return await _record(
        body, deps, police, lambda c: CaseHandled(**c, police_case_number=body.police_case_number, kind=body.kind)
    )


@commands.post("/services-on-behalf", status_code=201)
async def serve_on_behalf(body: ServiceOnBehalfBody, deps: DepsParam, police: RecorderParam) -> CommandAccepted:
    """`occurred_on` is the day the service was done."""
    return await _record(body, deps, police, lambda c: ServiceOnBehalfHandled(**c, item=body.item, mode=body.mode))


@commands.post("/trainings", status_code=201)
async def hold_training(body: TrainingBody, deps: DepsParam, police: RecorderParam) -> CommandAccepted:
    return await _record(
        body, deps, police, lambda c: TrainingHeld(**c, kind=body.kind, attendees=body.attendees, topic=body.topic)
    )


@commands.post("/leaflets", status_code=201)
async def distribute_leaflets(body: LeafletsBody, deps: DepsParam, police: RecorderParam) -> CommandAccepted:
    return await _record(body, deps, police, lambda c: LeafletsDistributed(**c, count=body.count, topic=body.topic))


@commands.post("/forums", status_code=201)
async def hold_forum(body: ForumBody, deps: DepsParam, police: RecorderParam) -> CommandAccepted:
    """Each collected appeal travels in `ForumHeld` under a deterministic appeal id."""

    def build(common: dict[str, Any]) -> ActivityEvent:
        forum_id = common["activity_id"]
        appeals = tuple(
            collect_appeal(forum_id, a.ref_id or str(n), _appeal_enterprise(a, body, n), a.description, a.category)
            for n, a in enumerate(body.appeals, start=1)
        )
        return ForumHeld(**common, attendees=body.attendees, collected_appeals=appeals)

    return await _record(body, deps, police, build)


def _enterprises(recorded: ActivityEvent) -> list[str | None]:
    """Every enterprise an activity names: where it happened, and each appeal a forum collected."""
    collected = recorded.collected_appeals if isinstance(recorded, ForumHeld) else ()
    return [recorded.enterprise_id, *(appeal.enterprise_id for appeal in collected)]


def _appeal_enterprise(appeal: AppealBody, forum: ForumBody, position: int) -> str:
    enterprise_id = appeal.enterprise_id or forum.enterprise_id
    if enterprise_id is None:
        raise InvalidCommand("a zone-wide forum's appeal must name its enterprise", field=f"appeals.{position - 1}")
    return enterprise_id


# --- queries -------------------------------------------------------------------------------------

_DUTY_STATUS = {"due": DutyStatus.OPEN, "overdue": DutyStatus.OVERDUE}


@queries.get("/officers/{officer_id}/duties", dependencies=[Depends(officer_in_path(Action.READ))])
async def officer_duties(
    officer_id: str, deps: DepsParam, status: Literal["due", "overdue"] = "due"
) -> list[dict[str, Any]]:
    """Duties the officer answers for now: `due` (open) or `overdue`, earliest due first."""
    return [asdict(d) for d in await duties.officer_duties(deps.pool, officer_id, _DUTY_STATUS[status])]


@queries.get("/duties/{duty_id}")
async def get_duty(duty_id: str, deps: DepsParam, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    found = await duties.duty(deps.pool, duty_id)
    if found is None:
        raise NotFound("duty", duty_id)
    await may_read_duty(request, principal, found)
    return asdict(found)


@queries.get("/enterprises/{enterprise_id}/ledger", dependencies=[Depends(enterprise_in_path(Action.READ))])
async def enterprise_ledger(enterprise_id: str, deps: DepsParam) -> list[dict[str, Any]]:
    """The work ledger (工作台账): everything done at the enterprise, oldest first."""
    return [asdict(line) for line in await ledger.ledger(deps.pool, enterprise_id)]


_ONE_ENTERPRISE = "read one enterprise's work, hazards included, at GET /enterprises/{enterprise_id}/ledger"


@queries.get(
    "/hazards/open",
    dependencies=[Depends(across_all("the open hazards of every enterprise", _ONE_ENTERPRISE))],
)
async def open_hazards(deps: DepsParam) -> list[dict[str, Any]]:
    """Hazards awaiting rectification (open or overdue), nearest deadline first."""
    return [asdict(h) for h in await hazards.open_hazards(deps.pool)]


@queries.get(
    "/activity-counts",
    dependencies=[Depends(across_all("the activity counts of every enterprise", _ONE_ENTERPRISE))],
)
async def counts(
    deps: DepsParam,
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to", description="inclusive")],
) -> dict[str, int]:
    if end < start:
        raise InvalidCommand("the range ends before it starts", field="to")
    return asdict(await activity_counts.counts(deps.pool, start, end + timedelta(days=1)))
