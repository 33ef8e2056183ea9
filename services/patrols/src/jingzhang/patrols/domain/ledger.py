"""The work ledger (工作台账) and activity counts: pure readings of the patrols events.

A projection files `ledger_entry(event)` under its enterprise in time order; reports call
`count_activities` over a period. Duty events are plans, not work done, so neither reads them.
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import assert_never

from jingzhang.patrols.domain.activity import (
    ActivityEvent,
    CaseHandled,
    CaseKind,
    DisputeMediated,
    ForumHeld,
    LeafletsDistributed,
    ServiceOnBehalfHandled,
    TrainingHeld,
    TrainingKind,
)
from jingzhang.patrols.domain.common import VisitKind, local_date
from jingzhang.patrols.domain.duty import DutyEvent
from jingzhang.patrols.domain.hazard import (
    HazardEvent,
    HazardFound,
    HazardRectificationOverdue,
    HazardRectified,
    HazardVerified,
)
from jingzhang.patrols.domain.periods import Period
from jingzhang.patrols.domain.visit import PatrolCompleted
from jingzhang.shared.events import DomainEvent

WorkEvent = PatrolCompleted | HazardEvent | ActivityEvent
PatrolsEvent = WorkEvent | DutyEvent


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    enterprise_id: str
    occurred_on: date
    kind: str
    ref_id: str
    officer_ids: tuple[str, ...]
    summary: str


def occurred_on(event: WorkEvent) -> date:
    """The day the work happened (not the day it was recorded)."""
    match event:
        case PatrolCompleted():
            return local_date(event.started_at)
        case HazardFound():
            return event.found_on
        case HazardRectified():
            return event.rectified_on
        case HazardVerified():
            return event.verified_on
        case HazardRectificationOverdue():
            return event.detected_on
        case _:
            return event.occurred_on


def ledger_entry(event: DomainEvent) -> LedgerEntry | None:
    """The enterprise's ledger line for `event`; None for plans and zone-wide activities."""
    if not isinstance(event, WorkEvent) or event.enterprise_id is None:
        return None
    ref_id, officers, summary = _describe(event)
    return LedgerEntry(event.enterprise_id, occurred_on(event), event.event_type, ref_id, officers, summary)


def _describe(event: WorkEvent) -> tuple[str, tuple[str, ...], str]:
    match event:
        case PatrolCompleted():
            what = f"{event.kind.value} at {event.location}, {event.person_times} person-times"
            return event.visit_id, event.officer_ids, f"{what}: {event.findings}"
        case HazardFound():
            return event.hazard_id, event.officer_ids, f"{event.description} (due {event.rectification_due})"
        case HazardRectified():
            return event.hazard_id, event.officer_ids, event.measures
        case HazardVerified():
            return event.hazard_id, event.officer_ids, f"verified on visit {event.on_visit_id}"
        case HazardRectificationOverdue():
            return event.hazard_id, (), f"rectification overdue since {event.rectification_due}"
        case _:
            return event.activity_id, event.officer_ids, _describe_activity(event)


def _describe_activity(event: ActivityEvent) -> str:
    match event:
        case DisputeMediated():
            agreed = "agreement reached" if event.agreement_reached else "no agreement"
            risk = "" if event.risk_level is None else f", {event.risk_level.value} risk"
            return f"{' / '.join(event.parties)}: {event.outcome} ({agreed}{risk})"
        case CaseHandled():
            recovered = "" if event.losses_recovered_yuan is None else f", {event.losses_recovered_yuan} yuan recovered"
            return f"{event.kind.value} case {event.police_case_number}{recovered}"
        case ServiceOnBehalfHandled():
            return f"{event.mode.value}: {event.item}"
        case TrainingHeld():
            return f"{event.kind.value} training, {event.attendees} attendees: {event.topic}"
        case LeafletsDistributed():
            return f"{event.count} leaflets: {event.topic}"
        case ForumHeld():
            return f"forum, {event.attendees} attendees, {len(event.collected_appeals)} appeals collected"
        case _:
            assert_never(event)


# --- counts --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ActivityCounts:
    """The report's figures for one period (see DOMAIN.md, "The report's figures")."""

    weekly_revisits: int = 0
    leader_meetings: int = 0
    inspections: int = 0
    joint_patrols: int = 0
    person_times: int = 0
    hazards_found: int = 0
    hazards_rectified: int = 0
    hazards_verified: int = 0
    hazards_overdue: int = 0
    disputes_mediated: int = 0
    disputes_agreed: int = 0
    cases_handled: int = 0
    obstruction_cases: int = 0
    services_on_behalf: int = 0
    legal_trainings: int = 0
    four_preventions_trainings: int = 0
    chief_trainings: int = 0
    leaflets: int = 0
    forums: int = 0
    appeals_collected: int = 0


_VISIT_FIELDS = {
    VisitKind.WEEKLY_REVISIT: "weekly_revisits",
    VisitKind.LEADER_MEETING: "leader_meetings",
    VisitKind.INSPECTION: "inspections",
    VisitKind.JOINT_PATROL: "joint_patrols",
}
_TRAINING_FIELDS = {
    TrainingKind.LEGAL: "legal_trainings",
    TrainingKind.FOUR_PREVENTIONS: "four_preventions_trainings",
    TrainingKind.CHIEF_TRAINING: "chief_trainings",
}


def count_activities(events: Iterable[DomainEvent], period: Period) -> ActivityCounts:
    """Counts work whose day falls in `period`; other events are ignored."""
    totals: Counter[str] = Counter()
    for event in events:
        if isinstance(event, WorkEvent) and period.contains(occurred_on(event)):
            totals.update(_increments(event))
    return ActivityCounts(**totals)


def _increments(event: WorkEvent) -> Mapping[str, int]:
    match event:
        case PatrolCompleted():
            return {_VISIT_FIELDS[event.kind]: 1, "person_times": event.person_times}
        case HazardFound():
            return {"hazards_found": 1}
        case HazardRectified():
            return {"hazards_rectified": 1}
        case HazardVerified():
            return {"hazards_verified": 1}
        case HazardRectificationOverdue():
            return {"hazards_overdue": 1}
        case _:
            return _activity_increments(event)


def _activity_increments(event: ActivityEvent) -> Mapping[str, int]:
    match event:
        case DisputeMediated():
            return {"disputes_mediated": 1, "disputes_agreed": int(event.agreement_reached)}
        case CaseHandled():
            obstruction = event.kind is CaseKind.ILLEGAL_OBSTRUCTION_OF_CONSTRUCTION
            return {"cases_handled": 1, "obstruction_cases": int(obstruction)}
        case ServiceOnBehalfHandled():
            return {"services_on_behalf": 1}
        case TrainingHeld():
            return {_TRAINING_FIELDS[event.kind]: 1}
        case LeafletsDistributed():
            return {"leaflets": event.count}
        case ForumHeld():
            return {"forums": 1, "appeals_collected": len(event.collected_appeals)}
        case _:
            assert_never(event)
