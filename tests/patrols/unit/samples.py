"""Sample snapshots, visits and times shared by the patrols unit tests.

March 2025: Monday 3 March opens ISO week 2025-W10. Officers: A/B per tier for enterprise `ent-1`.
"""

from datetime import date, datetime, timedelta
from typing import assert_never

from jingzhang.patrols.domain.activity import (
    ActivityCommand,
    ActivityEvent,
    ActivityState,
    CaseHandled,
    CaseKind,
    DisputeMediated,
    DistributeLeaflets,
    ForumAppeal,
    ForumHeld,
    HandleCase,
    HoldForum,
    HoldTraining,
    LeafletsDistributed,
    MediateDispute,
    ServeOnBehalf,
    ServiceMode,
    ServiceOnBehalfHandled,
    TrainingHeld,
    TrainingKind,
    collect_appeal,
    decide_distribute_leaflets,
    decide_handle_case,
    decide_hold_forum,
    decide_hold_training,
    decide_mediate_dispute,
    decide_serve_on_behalf,
)
from jingzhang.patrols.domain.common import ZONE_TZ, VisitKind
from jingzhang.patrols.domain.snapshot import Absence, AssignmentSnapshot, EnterpriseSnapshot, TierChiefs
from jingzhang.patrols.domain.visit import PatrolCompleted
from jingzhang.patrols.domain.vocabulary import ChiefTier, EnterpriseClass
from jingzhang.shared.events import DomainEvent

MONDAY = date(2025, 3, 3)
NEXT_MONDAY = date(2025, 3, 10)
APRIL_1 = date(2025, 4, 1)

CHIEFS = {
    ChiefTier.BUREAU_LEADER: TierChiefs(a="leader-a", b="leader-b"),
    ChiefTier.STATION_CHIEF: TierChiefs(a="station-a", b="station-b"),
    ChiefTier.POLICE_CHIEF: TierChiefs(a="chief-a", b="chief-b"),
}


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZONE_TZ)


def enterprise(
    enterprise_id: str = "ent-1",
    enterprise_class: EnterpriseClass = EnterpriseClass.CITY_KEY_PROJECT,
    registered_on: date = date(2025, 1, 1),
    chiefs: dict[ChiefTier, TierChiefs] | None = None,
) -> EnterpriseSnapshot:
    return EnterpriseSnapshot(enterprise_id, enterprise_class, registered_on, CHIEFS if chiefs is None else chiefs)


def snapshot(*enterprises: EnterpriseSnapshot, absences: tuple[Absence, ...] = ()) -> AssignmentSnapshot:
    return AssignmentSnapshot(enterprises=enterprises or (enterprise(),), absences=absences)


def away(officer_id: str, start: date, days: int) -> Absence:
    return Absence(officer_id, at(start, 0), at(start + timedelta(days=days), 0))


def visit(
    started_at: datetime,
    kind: VisitKind = VisitKind.WEEKLY_REVISIT,
    enterprise_id: str = "ent-1",
    visit_id: str = "visit-1",
    officer_ids: tuple[str, ...] = ("chief-a",),
) -> PatrolCompleted:
    return PatrolCompleted(
        visit_id=visit_id,
        enterprise_id=enterprise_id,
        kind=kind,
        officer_ids=officer_ids,
        started_at=started_at,
        ended_at=started_at + timedelta(hours=1),
        location="site office",
        person_times=len(officer_ids),
        findings="no trouble reported",
    )


# One of each activity, on 5 March, all but the training and leaflets at ent-1.
DAY = date(2025, 3, 5)
OFFICERS = ("chief-a",)
APPEAL = collect_appeal("forum-1", "f1-1", "ent-1", "trucks blocked at the gate", "traffic")
ACTIVITIES: tuple[ActivityEvent, ...] = (
    DisputeMediated(
        activity_id="act-1",
        enterprise_id="ent-1",
        officer_ids=OFFICERS,
        occurred_on=DAY,
        parties=["contractor", "villagers"],
        outcome="wages paid in two instalments",
        agreement_reached=True,
    ),
    CaseHandled(
        activity_id="act-2",
        enterprise_id="ent-1",
        officer_ids=OFFICERS,
        occurred_on=DAY,
        police_case_number="HK-2025-0042",
        kind=CaseKind.ILLEGAL_OBSTRUCTION_OF_CONSTRUCTION,
    ),
    ServiceOnBehalfHandled(
        activity_id="act-3",
        enterprise_id="ent-1",
        officer_ids=OFFICERS,
        occurred_on=DAY,
        item="residence permits for 12 workers",
        mode=ServiceMode.ACT_FOR,
    ),
    TrainingHeld(
        activity_id="act-4",
        officer_ids=OFFICERS,
        occurred_on=DAY,
        kind=TrainingKind.LEGAL,
        attendees=40,
        topic="labour law",
    ),
    LeafletsDistributed(activity_id="act-5", officer_ids=OFFICERS, occurred_on=DAY, count=500, topic="anti-fraud"),
    ForumHeld(
        activity_id="forum-1",
        enterprise_id="ent-1",
        officer_ids=OFFICERS,
        occurred_on=DAY,
        attendees=12,
        collected_appeals=(APPEAL,),
    ),
)

# The commands that report them, as the routes build them from request bodies.
COMMANDS: tuple[ActivityCommand, ...] = (
    MediateDispute(
        activity_id="act-1",
        enterprise_id="ent-1",
        officer_ids=OFFICERS,
        occurred_on=DAY,
        parties=("contractor", "villagers"),
        outcome="wages paid in two instalments",
        agreement_reached=True,
    ),
    HandleCase(
        activity_id="act-2",
        enterprise_id="ent-1",
        officer_ids=OFFICERS,
        occurred_on=DAY,
        police_case_number="HK-2025-0042",
        kind=CaseKind.ILLEGAL_OBSTRUCTION_OF_CONSTRUCTION,
    ),
    ServeOnBehalf(
        activity_id="act-3",
        enterprise_id="ent-1",
        officer_ids=OFFICERS,
        occurred_on=DAY,
        item="residence permits for 12 workers",
        mode=ServiceMode.ACT_FOR,
    ),
    HoldTraining(
        activity_id="act-4",
        officer_ids=OFFICERS,
        occurred_on=DAY,
        kind=TrainingKind.LEGAL,
        attendees=40,
        topic="labour law",
    ),
    DistributeLeaflets(activity_id="act-5", officer_ids=OFFICERS, occurred_on=DAY, count=500, topic="anti-fraud"),
    HoldForum(
        activity_id="forum-1",
        enterprise_id="ent-1",
        officer_ids=OFFICERS,
        occurred_on=DAY,
        attendees=12,
        appeals=(ForumAppeal(ref_id="f1-1", description="trucks blocked at the gate", category="traffic"),),
    ),
)


def decide_activity(state: ActivityState, command: ActivityCommand, today: date = DAY) -> list[DomainEvent]:
    """When: an activity command, through its own decide function."""
    match command:
        case MediateDispute():
            return decide_mediate_dispute(state, command, today)
        case HandleCase():
            return decide_handle_case(state, command, today)
        case ServeOnBehalf():
            return decide_serve_on_behalf(state, command, today)
        case HoldTraining():
            return decide_hold_training(state, command, today)
        case DistributeLeaflets():
            return decide_distribute_leaflets(state, command, today)
        case HoldForum():
            return decide_hold_forum(state, command, today)
        case _:
            assert_never(command)
