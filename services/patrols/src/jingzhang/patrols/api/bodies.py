"""Request bodies: what a caller sends to record work, translated by the routes into domain commands.

Ids of new visits, hazards and activities may be supplied by the client, so a retried request
records nothing twice and answers what the first did (other content under the id is 409
`duplicate`); the handler draws one when they are left out.

Every number, text and list is bounded by what the work can really be (`domain.limits`), so the
OpenAPI document declares what our events' readers can hold and anything larger is a 422 naming the
field before anything is decided. Personal texts are bounded here, not on the events: stored, they
are sealed tokens.
"""

from datetime import date
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from jingzhang.patrols.domain.activity import CaseKind, RiskLevel, ServiceMode, TrainingKind
from jingzhang.patrols.domain.common import VisitKind
from jingzhang.patrols.domain.limits import (
    IDENT_LENGTH,
    LINE_LENGTH,
    MAX_APPEALS,
    MAX_ATTENDEES,
    MAX_LEAFLETS,
    MAX_OFFICERS,
    MAX_PARTIES,
    MAX_PERSON_TIMES,
    MAX_VERSION,
    MAX_YUAN,
    TEXT_LENGTH,
)
from jingzhang.patrols.domain.visit import GeoPoint, Proof

Ident = Annotated[str, Field(pattern=rf"^[A-Za-z0-9_-]{{1,{IDENT_LENGTH}}}$")]
Line = Annotated[str, Field(max_length=LINE_LENGTH)]
Text = Annotated[str, Field(max_length=TEXT_LENGTH)]
Officers = Annotated[list[Ident], Field(max_length=MAX_OFFICERS, description="Enrolled officers, each once")]
NewId = Annotated[
    Ident | None,
    Field(
        description="Chosen by the client for safe retries: the same report again answers what the first did,"
        " other content under it is 409 `duplicate`; left out, the service draws one"
    ),
]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expected_version: int | None = Field(default=None, ge=0, le=MAX_VERSION)


class GeoBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class ProofBody(BaseModel):
    """Where the officer's device was, and a photo kept elsewhere (its reference)."""

    model_config = ConfigDict(extra="forbid")

    geo: GeoBody | None = None
    photo_ref: Text | None = None

    def proof(self) -> Proof:
        geo = None if self.geo is None else GeoPoint(lat=self.geo.lat, lon=self.geo.lon)
        return Proof(geo=geo, photo_ref=self.photo_ref)


class VisitBody(Body):
    visit_id: NewId = None
    enterprise_id: Ident
    kind: VisitKind
    officer_ids: Officers
    started_at: AwareDatetime
    ended_at: AwareDatetime
    location: Line
    person_times: int = Field(ge=1, le=MAX_PERSON_TIMES, description="Everyone deployed (人次), named or not")
    findings: Text = ""
    proof: ProofBody | None = None


class HazardBody(Body):
    hazard_id: NewId = None
    enterprise_id: Ident
    description: Text
    found_on: date
    rectification_due: date
    officer_ids: Officers
    found_on_visit_id: Ident | None = None


class RectifyBody(Body):
    rectified_on: date
    measures: Text
    officer_ids: Officers


class VerifyBody(Body):
    on_visit_id: Ident
    verified_on: date
    officer_ids: Officers


class ActivityBody(Body):
    activity_id: NewId = None
    enterprise_id: Ident | None = None
    officer_ids: Officers
    occurred_on: date


class EnterpriseActivityBody(ActivityBody):
    enterprise_id: Ident


class DisputeBody(EnterpriseActivityBody):
    parties: Annotated[list[Line], Field(max_length=MAX_PARTIES)]
    outcome: Text
    agreement_reached: bool
    risk_level: RiskLevel | None = Field(
        default=None, description="风险等级: general, elevated, or major (could become a major risk, 重大风险隐患)"
    )


class CaseBody(EnterpriseActivityBody):
    police_case_number: Line
    kind: CaseKind
    losses_recovered_yuan: Annotated[int, Field(ge=1, le=MAX_YUAN)] | None = Field(
        default=None, description="挽回损失: what the case work recovered for the enterprise, in whole yuan"
    )


class ServiceOnBehalfBody(EnterpriseActivityBody):
    item: Line
    mode: ServiceMode


class TrainingBody(ActivityBody):
    kind: TrainingKind
    attendees: int = Field(ge=1, le=MAX_ATTENDEES)
    topic: Line


class LeafletsBody(ActivityBody):
    count: int = Field(ge=1, le=MAX_LEAFLETS)
    topic: Line


class AppealBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ref_id: Line | None = Field(default=None, description="The forum's own reference; defaults to its position")
    enterprise_id: Ident | None = Field(default=None, description="Defaults to the forum's host")
    description: Text
    category: Line


class ForumBody(ActivityBody):
    attendees: int = Field(ge=1, le=MAX_ATTENDEES)
    appeals: Annotated[list[AppealBody], Field(max_length=MAX_APPEALS)] = []
