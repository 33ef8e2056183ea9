"""Request bodies: what a caller sends to record work, translated by the routes into domain commands.

Ids of new visits, hazards and activities may be supplied by the client (so a retried request
records nothing twice); the handler draws one when they are left out.
"""

from datetime import date
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from jingzhang.patrols.domain.activity import CaseKind, ServiceMode, TrainingKind
from jingzhang.patrols.domain.common import VisitKind
from jingzhang.patrols.domain.visit import Proof

Ident = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,100}$")]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expected_version: int | None = Field(default=None, ge=0)


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
