"""What evaluation reads of the patrols service's events: duties and their fulfilment, visits,
rectified hazards, and the one-off activities (五直暖企, trainings, leaflets, forums)."""

from datetime import date
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict

from jingzhang.shared.readers import PublishedEvent, ReaderRegistry

PRODUCER = "patrols"


class VisitKind(StrEnum):
    """What a visit was (the published values): 每周回访, 每月见面座谈, 每月走访督查, 警企联动联巡."""

    WEEKLY_REVISIT = "weekly_revisit"
    LEADER_MEETING = "leader_meeting"
    INSPECTION = "inspection"
    JOINT_PATROL = "joint_patrol"


class CaseKind(StrEnum):
    ILLEGAL_OBSTRUCTION_OF_CONSTRUCTION = "illegal_obstruction_of_construction"
    DISRUPTION_OF_PRODUCTION = "disruption_of_production"
    OTHER = "other"


class TrainingKind(StrEnum):
    LEGAL = "legal"
    FOUR_PREVENTIONS = "four_preventions"
    CHIEF_TRAINING = "chief_training"


class DutyScheduled(PublishedEvent):
    duty_id: str
    enterprise_id: str
    due_at: AwareDatetime
    assignee_officer_id: str | None


class DutyFulfilled(PublishedEvent):
    duty_id: str
    visit_id: str
    on_time: bool


class DutyOverdue(PublishedEvent):
    duty_id: str
    assignee_officer_id: str | None


class DutyReassigned(PublishedEvent):
    duty_id: str
    to_officer_id: str


class PatrolCompleted(PublishedEvent):
    visit_id: str
    enterprise_id: str
    kind: VisitKind
    officer_ids: tuple[str, ...]
    started_at: AwareDatetime
    person_times: int


class HazardRectified(PublishedEvent):
    enterprise_id: str
    rectified_on: date
    officer_ids: tuple[str, ...]


class Activity(PublishedEvent):
    """What every activity carries; `enterprise_id` is None only for zone-wide ones."""

    enterprise_id: str | None = None
    officer_ids: tuple[str, ...]
    occurred_on: date


class DisputeMediated(Activity):
    """A dispute mediated (化解纠纷), with the risk it carried when patrols says (`risk_level`)."""

    risk_level: str | None = None
    """As published (`general`, `elevated`, `major`); kept a string so a level added later is read, not refused."""


MAJOR_RISK = "major"
"""The published risk level of a dispute that could become a major risk (重大风险隐患)."""


class ServiceOnBehalfHandled(Activity):
    """A service done on the enterprise's behalf (代办, 领办, 跟办)."""


class CaseHandled(Activity):
    kind: CaseKind
    losses_recovered_yuan: int | None = None


class TrainingHeld(Activity):
    kind: TrainingKind


class LeafletsDistributed(Activity):
    count: int


class CollectedAppeal(BaseModel):
    """An appeal heard at a forum, which the appeals service raises under `appeal_id`."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    appeal_id: str


class ForumHeld(Activity):
    activity_id: str
    """The forum's id."""
    collected_appeals: tuple[CollectedAppeal, ...] = ()


EVENTS: tuple[type[PublishedEvent], ...] = (
    DutyScheduled,
    DutyFulfilled,
    DutyOverdue,
    DutyReassigned,
    PatrolCompleted,
    HazardRectified,
    DisputeMediated,
    ServiceOnBehalfHandled,
    CaseHandled,
    TrainingHeld,
    LeafletsDistributed,
    ForumHeld,
)

READS = ReaderRegistry(EVENTS)
