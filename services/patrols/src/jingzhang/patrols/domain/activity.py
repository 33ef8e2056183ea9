"""The `activity` stream (id = activity id): one-off direct services (五直暖企) and outreach.

Each activity is a single fact: a dispute mediated, a case handled, a service done on the
enterprise's behalf, a training, leaflets handed out, a forum. Each is reported by its own command
(`MediateDispute`, ..., `HoldForum`) and decided by its own function, which turns the report into
its one event and checks it. Recording one twice is a no-op so retries are safe; recording different
facts under a known id is refused.
"""

import uuid
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated, TypedDict, assert_never

from pydantic import BaseModel, ConfigDict

from jingzhang.patrols.domain.common import (
    CONTACT,
    FreeText,
    given_id,
    require_count,
    require_length,
    require_not_after,
    require_officers,
    require_text,
    same_record,
)
from jingzhang.patrols.domain.limits import (
    IDENT_LENGTH,
    LINE_LENGTH,
    MAX_APPEALS,
    MAX_ATTENDEES,
    MAX_LEAFLETS,
    MAX_PARTIES,
    MAX_YUAN,
    TEXT_LENGTH,
)
from jingzhang.patrols.domain.subjects import Claim, claim
from jingzhang.shared.errors import DomainRejected, InvalidCommand
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.privacy.fields import Personal, PersonalKind


class Activity(DomainEvent):
    """Fields every activity carries; `enterprise_id` is None only for zone-wide ones."""

    activity_id: str
    enterprise_id: str | None = None
    officer_ids: tuple[str, ...]
    occurred_on: date


class RiskLevel(StrEnum):
    """How far a dispute could go (风险等级); the top one is the seed's 可能引发重大风险隐患."""

    GENERAL = "general"
    """一般: between the parties, no wider trouble in sight."""
    ELEVATED = "elevated"
    """较大: could disturb the site's work or draw in more people."""
    MAJOR = "major"
    """重大风险隐患: could become a major risk (mass incident, violence, production stopped)."""


class DisputeMediated(Activity):
    enterprise_id: str
    # The people (or firms) in dispute; a list, as personal fields are str or list[str] (same JSON array).
    parties: Annotated[list[str], Personal(PersonalKind.NAME, subject=CONTACT)]
    outcome: FreeText
    agreement_reached: bool
    risk_level: RiskLevel | None = None
    """The risk the dispute carried when it was mediated; None where it was not assessed (before issue 14)."""


class CaseKind(StrEnum):
    ILLEGAL_OBSTRUCTION_OF_CONSTRUCTION = "illegal_obstruction_of_construction"
    DISRUPTION_OF_PRODUCTION = "disruption_of_production"
    OTHER = "other"


class CaseHandled(Activity):
    """A reference only: the case itself stays in the police records system."""

    enterprise_id: str
    police_case_number: str
    kind: CaseKind
    losses_recovered_yuan: int | None = None
    """What the case work recovered for the enterprise (挽回损失), in whole yuan; None where none was stated."""


class ServiceMode(StrEnum):
    """代办 done for the enterprise, 领办 led through, 跟办 followed up."""

    ACT_FOR = "act_for"
    LEAD = "lead"
    FOLLOW = "follow"


class ServiceOnBehalfHandled(Activity):
    """`occurred_on` is the day the service was done."""

    enterprise_id: str
    item: str
    mode: ServiceMode

    @property
    def done_on(self) -> date:
        return self.occurred_on


class TrainingKind(StrEnum):
    LEGAL = "legal"
    FOUR_PREVENTIONS = "four_preventions"
    CHIEF_TRAINING = "chief_training"


class TrainingHeld(Activity):
    kind: TrainingKind
    attendees: int
    topic: str


class LeafletsDistributed(Activity):
    count: int
    topic: str


class CollectedAppeal(BaseModel):
    """An appeal heard at a forum; the appeals service raises it under `appeal_id`.

    `appeal_id` is `collected_appeal_id(forum_id, appeal_ref_id)`, carried in the event so the
    appeals service needs no rule of ours to raise each collected appeal exactly once.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    appeal_ref_id: str
    appeal_id: str
    enterprise_id: str
    description: FreeText
    category: str


class ForumHeld(Activity):
    """`activity_id` is the forum id; `enterprise_id` is the host, None for a zone-wide forum."""

    attendees: int
    collected_appeals: tuple[CollectedAppeal, ...] = ()

    @property
    def forum_id(self) -> str:
        return self.activity_id


ActivityEvent = DisputeMediated | CaseHandled | ServiceOnBehalfHandled | TrainingHeld | LeafletsDistributed | ForumHeld
ACTIVITY_EVENTS: tuple[type[DomainEvent], ...] = (
    DisputeMediated,
    CaseHandled,
    ServiceOnBehalfHandled,
    TrainingHeld,
    LeafletsDistributed,
    ForumHeld,
)

# Fixed so that the same forum appeal maps to the same appeal id on every run and every replica.
_FORUM_APPEALS = uuid.UUID("6f1d2c8e-5b7a-4c1e-9a43-2f0e8d7b6a51")


def collected_appeal_id(forum_id: str, appeal_ref_id: str) -> str:
    """The id to raise a forum's appeal under, so raising it twice creates one appeal."""
    return str(uuid.uuid5(_FORUM_APPEALS, f"{forum_id}/{appeal_ref_id}"))


def collect_appeal(
    forum_id: str, appeal_ref_id: str, enterprise_id: str, description: str, category: str
) -> CollectedAppeal:
    """A forum's appeal with the id it will be raised under."""
    return CollectedAppeal(
        appeal_ref_id=appeal_ref_id,
        appeal_id=collected_appeal_id(forum_id, appeal_ref_id),
        enterprise_id=enterprise_id,
        description=description,
        category=category,
    )


@dataclass(frozen=True, slots=True)
class ActivityState:
    recorded: ActivityEvent | None = None

    @property
    def activity_id(self) -> str:
        """The recorded activity's id; a state some command succeeded on always has one."""
        if self.recorded is None:
            raise LookupError("no activity is recorded")
        return self.recorded.activity_id


def evolve(state: ActivityState, event: DomainEvent) -> ActivityState:
    if not isinstance(event, ActivityEvent):
        raise TypeError(f"not an activity event: {event.event_type}")
    return ActivityState(recorded=event)


# --- commands ------------------------------------------------------------------------------------


class RecordActivity(BaseModel):
    """What every activity report says. `activity_id` None: a new activity, under an id the handler draws."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    activity_id: str | None = None
    enterprise_id: str | None = None
    officer_ids: tuple[str, ...]
    occurred_on: date
    expected_version: int | None = None

    def enterprises(self) -> tuple[str | None, ...]:
        """Every enterprise the report names (None: zone-wide), whose police may record it."""
        return (self.enterprise_id,)

    def named_enterprises(self) -> tuple[tuple[str, str], ...]:
        """Every enterprise the report names, with the field naming it."""
        return () if self.enterprise_id is None else (("enterprise_id", self.enterprise_id),)

    def claim(self) -> Claim:
        """Whom the report names, on the day it says the work was done."""
        return claim(self.occurred_on, "occurred_on", self.named_enterprises(), self.officer_ids)


class MediateDispute(RecordActivity):
    enterprise_id: str
    parties: tuple[str, ...]
    outcome: str
    agreement_reached: bool
    risk_level: RiskLevel | None = None


class HandleCase(RecordActivity):
    enterprise_id: str
    police_case_number: str
    kind: CaseKind
    losses_recovered_yuan: int | None = None


class ServeOnBehalf(RecordActivity):
    """`occurred_on` is the day the service was done."""

    enterprise_id: str
    item: str
    mode: ServiceMode


class HoldTraining(RecordActivity):
    kind: TrainingKind
    attendees: int
    topic: str


class DistributeLeaflets(RecordActivity):
    count: int
    topic: str


class ForumAppeal(BaseModel):
    """An appeal heard at a forum: `ref_id` defaults to its position, `enterprise_id` to the forum's host."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ref_id: str | None = None
    enterprise_id: str | None = None
    description: str
    category: str


class HoldForum(RecordActivity):
    """`enterprise_id` is the host, None for a zone-wide forum, whose appeals must then name their own."""

    attendees: int
    appeals: tuple[ForumAppeal, ...] = ()

    def enterprises(self) -> tuple[str | None, ...]:
        return (self.enterprise_id, *(appeal_enterprise(self, n) for n in range(len(self.appeals))))

    def named_enterprises(self) -> tuple[tuple[str, str], ...]:
        """The host's, then each appeal's own (an appeal naming none is the host's)."""
        own = tuple(
            (f"appeals.{n}.enterprise_id", a.enterprise_id) for n, a in enumerate(self.appeals) if a.enterprise_id
        )
        return (*super().named_enterprises(), *own)


ActivityCommand = MediateDispute | HandleCase | ServeOnBehalf | HoldTraining | DistributeLeaflets | HoldForum


def appeal_enterprise(forum: HoldForum, index: int) -> str:
    """The enterprise of the forum's appeal at `index`: its own, else the host's."""
    enterprise_id = forum.appeals[index].enterprise_id or forum.enterprise_id
    if enterprise_id is None:
        raise InvalidCommand(
            "a zone-wide forum's appeal must name its enterprise", field=f"appeals.{index}.enterprise_id"
        )
    return enterprise_id


# --- decisions: each report becomes its one event, checked, recorded once --------------------------


class _Common(TypedDict):
    activity_id: str
    officer_ids: tuple[str, ...]
    occurred_on: date


def _common(command: RecordActivity) -> _Common:
    activity_id = given_id(command.activity_id, "activity_id")
    return {"activity_id": activity_id, "officer_ids": command.officer_ids, "occurred_on": command.occurred_on}


def decide_mediate_dispute(state: ActivityState, command: MediateDispute, latest: date) -> list[DomainEvent]:
    mediated = DisputeMediated(
        **_common(command),
        enterprise_id=command.enterprise_id,
        parties=list(command.parties),
        outcome=command.outcome,
        agreement_reached=command.agreement_reached,
        risk_level=command.risk_level,
    )
    return _record(state, mediated, latest)


def decide_handle_case(state: ActivityState, command: HandleCase, latest: date) -> list[DomainEvent]:
    handled = CaseHandled(
        **_common(command),
        enterprise_id=command.enterprise_id,
        police_case_number=command.police_case_number,
        kind=command.kind,
        losses_recovered_yuan=command.losses_recovered_yuan,
    )
    return _record(state, handled, latest)


def decide_serve_on_behalf(state: ActivityState, command: ServeOnBehalf, latest: date) -> list[DomainEvent]:
    served = ServiceOnBehalfHandled(
        **_common(command), enterprise_id=command.enterprise_id, item=command.item, mode=command.mode
    )
    return _record(state, served, latest)


def decide_hold_training(state: ActivityState, command: HoldTraining, latest: date) -> list[DomainEvent]:
    held = TrainingHeld(
        **_common(command),
        enterprise_id=command.enterprise_id,
        kind=command.kind,
        attendees=command.attendees,
        topic=command.topic,
    )
    return _record(state, held, latest)


def decide_distribute_leaflets(state: ActivityState, command: DistributeLeaflets, latest: date) -> list[DomainEvent]:
    distributed = LeafletsDistributed(
        **_common(command), enterprise_id=command.enterprise_id, count=command.count, topic=command.topic
    )
    return _record(state, distributed, latest)


def decide_hold_forum(state: ActivityState, command: HoldForum, latest: date) -> list[DomainEvent]:
    """Each appeal heard travels in `ForumHeld` under an id derived from the forum and its reference."""
    common = _common(command)
    appeals = tuple(
        collect_appeal(
            common["activity_id"],
            appeal.ref_id or str(index + 1),
            appeal_enterprise(command, index),
            appeal.description,
            appeal.category,
        )
        for index, appeal in enumerate(command.appeals)
    )
    held = ForumHeld(
        **common, enterprise_id=command.enterprise_id, attendees=command.attendees, collected_appeals=appeals
    )
    return _record(state, held, latest)


def _record(state: ActivityState, activity: ActivityEvent, latest: date) -> list[DomainEvent]:
    """Activities are past facts, recorded once: the same report again records nothing.

    `latest` is the last day the work may be dated (today, by the clock with its skew)."""
    _check_common(activity, latest)
    _check_specific(activity)
    if state.recorded is None:
        return [activity]
    if same_record(state.recorded, activity):
        return []
    raise DomainRejected(
        f"活动 {activity.activity_id} 已以不同内容记录"
        f" (activity {activity.activity_id} is already recorded with other facts)",
        field="activity_id",
        code="duplicate",
    )


def _check_common(activity: ActivityEvent, latest: date) -> None:
    require_text(activity.activity_id, "activity_id", IDENT_LENGTH)
    if activity.enterprise_id is not None:
        require_text(activity.enterprise_id, "enterprise_id", IDENT_LENGTH)
    require_officers(activity.officer_ids)
    require_not_after(activity.occurred_on, latest, "occurred_on")


def _check_specific(activity: ActivityEvent) -> None:
    match activity:
        case DisputeMediated():
            _check_dispute(activity)
        case CaseHandled():
            require_text(activity.police_case_number, "police_case_number")
            if activity.losses_recovered_yuan is not None:
                require_count(activity.losses_recovered_yuan, "losses_recovered_yuan", MAX_YUAN)
        case ServiceOnBehalfHandled():
            require_text(activity.item, "item")
        case TrainingHeld():
            require_count(activity.attendees, "attendees", MAX_ATTENDEES)
            require_text(activity.topic, "topic")
        case LeafletsDistributed():
            require_count(activity.count, "count", MAX_LEAFLETS)
            require_text(activity.topic, "topic")
        case ForumHeld():
            _check_forum(activity)
        case _:
            assert_never(activity)


def _check_dispute(dispute: DisputeMediated) -> None:
    if len(dispute.parties) > MAX_PARTIES:
        raise InvalidCommand(f"a dispute names at most {MAX_PARTIES} parties", field="parties")
    for n, party in enumerate(dispute.parties):
        require_length(party, f"parties.{n}", LINE_LENGTH)
    parties = [p.strip() for p in dispute.parties]
    if len(set(parties)) < 2 or not all(parties):
        raise InvalidCommand("a dispute needs at least two distinct, named parties", field="parties")
    require_text(dispute.outcome, "outcome", TEXT_LENGTH)


# Each field of a collected appeal, as the report (`HoldForum.appeals`) called it, and its bound.
_APPEAL_FIELDS = (
    ("appeal_ref_id", "ref_id", LINE_LENGTH),
    ("enterprise_id", "enterprise_id", IDENT_LENGTH),
    ("description", "description", TEXT_LENGTH),
    ("category", "category", LINE_LENGTH),
)


def _check_forum(forum: ForumHeld) -> None:
    require_count(forum.attendees, "attendees", MAX_ATTENDEES)
    if len(forum.collected_appeals) > MAX_APPEALS:
        raise InvalidCommand(f"a forum collects at most {MAX_APPEALS} appeals", field="appeals")
    refs = [a.appeal_ref_id for a in forum.collected_appeals]
    if len(set(refs)) != len(refs):
        raise InvalidCommand("an appeal reference is collected twice", field="appeals")
    for n, appeal in enumerate(forum.collected_appeals):
        for name, reported_as, longest in _APPEAL_FIELDS:
            require_text(getattr(appeal, name), f"appeals.{n}.{reported_as}", longest)
        if appeal.appeal_id != collected_appeal_id(forum.forum_id, appeal.appeal_ref_id):
            raise InvalidCommand(
                "an appeal's id must derive from the forum and its reference", field=f"appeals.{n}.appeal_id"
            )
