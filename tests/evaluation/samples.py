"""Canonical sample events of the other services (and evaluation's own), shared by the e2e tests and
the convergence property: a small, hand-checkable year of one enterprise's work.

`Step` is one event as its service would record it; `SCENARIO` lists them per service in each
service's own order.
"""

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from jingzhang.appeals.domain.events import (
    AppealAcknowledged,
    AppealClosedUnresolved,
    AppealRaised,
    AppealReopened,
    AppealResolved,
    AppealRouted,
    CallbackRecorded,
)
from jingzhang.appeals.domain.recurring import ClusterKind, RecurringProblemDetected
from jingzhang.appeals.domain.vocabulary import Category, Channel, LimitClass
from jingzhang.assignment.domain.events import (
    ChiefAssigned,
    ChiefTier,
    EnterpriseClass,
    EnterpriseRegistered,
    OfficerEnrolled,
    PoliceOfficeOpened,
    Slot,
    UnitKind,
)
from jingzhang.evaluation.domain.events import ChiefRated, SpotCheckAnswerRecorded
from jingzhang.evaluation.domain.period import BUREAU_TZ
from jingzhang.patrols.domain.activity import (
    CaseHandled,
    CaseKind,
    DisputeMediated,
    ForumHeld,
    LeafletsDistributed,
    RiskLevel,
    collect_appeal,
    collected_appeal_id,
)
from jingzhang.patrols.domain.common import VisitKind
from jingzhang.patrols.domain.duty import DutyFulfilled, DutyOverdue, DutyScheduled
from jingzhang.patrols.domain.hazard import HazardRectified
from jingzhang.patrols.domain.periods import Period as PatrolPeriod
from jingzhang.patrols.domain.visit import PatrolCompleted
from jingzhang.shared.envelope import Envelope, StreamId
from jingzhang.shared.events import DomainEvent

PC = ChiefTier.POLICE_CHIEF
SC = ChiefTier.STATION_CHIEF
BL = ChiefTier.BUREAU_LEADER


def at(month: int, day: int, hour: int = 9, minute: int = 0, year: int = 2025) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BUREAU_TZ)


@dataclass(frozen=True, slots=True)
class Step:
    service: str
    aggregate_type: str
    aggregate_id: str
    payload: DomainEvent
    occurred_at: datetime
    """When the producing service recorded it, by its clock: the knowledge time."""


def recorded_on(when: datetime, steps: list[Step]) -> list[Step]:
    """The same events, recorded (entered) at `when`: what happened earlier, learned later."""
    return [replace(step, occurred_at=when) for step in steps]


# --- assignment ----------------------------------------------------------------------------------


def enterprise(
    enterprise_id: str,
    cls: EnterpriseClass = EnterpriseClass.CITY_KEY_PROJECT,
    when: datetime | None = None,
    on: date | None = None,
) -> Step:
    """Registered (recorded) `when`; `on` is the business day it gives, if any."""
    event = EnterpriseRegistered(
        enterprise_id=enterprise_id,
        name=f"Enterprise {enterprise_id}",
        credit_code="91610900MA70000000",
        address="Hengkou",
        industry="construction",
        contact_name="Wang",
        contact_phone="13800000000",
        enterprise_class=cls,
        registered_on=on,
    )
    return Step("assignment", "enterprise", enterprise_id, event, when or at(1, 2))


HENGKOU = "Hengkou station"


def officer(officer_id: str, unit_name: str = HENGKOU, on: date | None = None) -> Step:
    event = OfficerEnrolled(
        officer_id=officer_id,
        name=f"Officer {officer_id}",
        unit_kind=UnitKind.STATION,
        unit_name=unit_name,
        position="community police chief",
        rank="2nd class",
        phone="13900000000",
        wechat_id=f"wx-{officer_id}",
        photo_ref=None,
        enrolled_on=on,
    )
    return Step("assignment", "officer", officer_id, event, at(1, 2))


def chief(
    enterprise_id: str, officer_id: str, tier: ChiefTier, slot: Slot = Slot.A, since: datetime | None = None
) -> Step:
    event = ChiefAssigned(
        enterprise_id=enterprise_id, tier=tier, slot=slot, officer_id=officer_id, effective_from=since or at(1, 3)
    )
    return Step("assignment", "enterprise", enterprise_id, event, at(1, 3))


def office(enterprise_id: str, office_id: str, on: date | None = None) -> Step:
    event = PoliceOfficeOpened(
        enterprise_id=enterprise_id, office_id=office_id, online=True, offline=True, location="gate", opened_on=on
    )
    return Step("assignment", "enterprise", enterprise_id, event, at(2, 1))


# --- appeals -------------------------------------------------------------------------------------


def raised(
    appeal_id: str,
    when: datetime,
    enterprise_id: str = "e1",
    channel: Channel = Channel.PHONE,
    received: datetime | None = None,
) -> Step:
    """Recorded `when`, received then or at `received` (a phone call entered later); first response
    within 1 hour, done within 24 hours of receipt."""
    event = AppealRaised(
        appeal_id=appeal_id,
        enterprise_id=enterprise_id,
        channel=channel,
        category=Category.ADMINISTRATIVE_SERVICE,
        description="needs a permit",
        raised_by="contact",
        emergency=False,
        raised_at=when,
        limit_class=LimitClass.GENERAL,
        time_limit=timedelta(hours=24),
        first_response_within=timedelta(hours=1),
        warning_fraction=0.8,
        received_at=received,
    )
    return Step("appeals", "appeal", appeal_id, event, when)


def routed(appeal_id: str, when: datetime, officer_id: str, slot: Slot = Slot.A) -> Step:
    event = AppealRouted(tier=PC, officer_id=officer_id, slot_acting=slot, informed_officer_ids=(), routed_at=when)
    return Step("appeals", "appeal", appeal_id, event, when)


def acknowledged(appeal_id: str, when: datetime, officer_id: str) -> Step:
    event = AppealAcknowledged(officer_id=officer_id, note="on it", acknowledged_at=when)
    return Step("appeals", "appeal", appeal_id, event, when)


def resolved(appeal_id: str, when: datetime, officer_id: str) -> Step:
    event = AppealResolved(what_was_done="done", resolved_by=officer_id, resolved_at=when)
    return Step("appeals", "appeal", appeal_id, event, when)


def closed_unresolved(appeal_id: str, when: datetime, officer_id: str) -> Step:
    event = AppealClosedUnresolved(reason="cannot", closed_by=officer_id, closed_at=when)
    return Step("appeals", "appeal", appeal_id, event, when)


def callback(appeal_id: str, when: datetime, officer_id: str, level: int, was_resolved: bool) -> Step:
    event = CallbackRecorded(
        rating=level, resolved=was_resolved, comment="", officer_id=officer_id, recorded_by="clerk", recorded_at=when
    )
    return Step("appeals", "appeal", appeal_id, event, when)


def reopened(appeal_id: str, when: datetime) -> Step:
    return Step("appeals", "appeal", appeal_id, AppealReopened(reason="caller not satisfied", reopened_at=when), when)


def appeal(
    appeal_id: str,
    officer_id: str,
    day: int,
    *,
    slot: Slot = Slot.A,
    answer_after: timedelta = timedelta(minutes=30),
    close_after: timedelta = timedelta(hours=5),
    unresolved: bool = False,
    rating: tuple[int, bool] | None = None,
    month: int = 3,
) -> list[Step]:
    """An appeal's whole life on `day` of `month`: raised at 9:00, routed, answered, closed, called back."""
    start = at(month, day)
    steps = [
        raised(appeal_id, start),
        routed(appeal_id, start + timedelta(minutes=1), officer_id, slot),
        acknowledged(appeal_id, start + answer_after, officer_id),
        (closed_unresolved if unresolved else resolved)(appeal_id, start + close_after, officer_id),
    ]
    if rating is not None:
        steps.append(callback(appeal_id, start + close_after + timedelta(hours=1), officer_id, *rating))
    return steps


# --- patrols -------------------------------------------------------------------------------------


def duty(duty_id: str, officer_id: str, due: datetime, enterprise_id: str = "e1") -> Step:
    period = PatrolPeriod(key=f"2025-{duty_id}", start=(due - timedelta(days=7)).date(), end=due.date())
    event = DutyScheduled(
        duty_id=duty_id,
        enterprise_id=enterprise_id,
        kind=VisitKind.WEEKLY_REVISIT,
        tier=PC,
        period=period,
        due_at=due,
        assignee_officer_id=officer_id,
    )
    return Step("patrols", "duty", duty_id, event, due - timedelta(days=7))


def visit(
    visit_id: str,
    officer_ids: tuple[str, ...],
    when: datetime,
    kind: VisitKind = VisitKind.WEEKLY_REVISIT,
    people: int = 1,
) -> Step:
    event = PatrolCompleted(
        visit_id=visit_id,
        enterprise_id="e1",
        kind=kind,
        officer_ids=officer_ids,
        started_at=when,
        ended_at=when + timedelta(hours=1),
        location="site",
        person_times=people,
        findings="all well",
    )
    return Step("patrols", "visit", visit_id, event, when + timedelta(hours=1))


def fulfilled(duty_id: str, visit_id: str, when: datetime) -> Step:
    return Step("patrols", "duty", duty_id, DutyFulfilled(duty_id=duty_id, visit_id=visit_id, on_time=True), when)


def overdue(duty_id: str, officer_id: str, when: datetime) -> Step:
    return Step("patrols", "duty", duty_id, DutyOverdue(duty_id=duty_id, assignee_officer_id=officer_id), when)


def hazard_rectified(hazard_id: str, officer_ids: tuple[str, ...], day: date) -> Step:
    event = HazardRectified(
        hazard_id=hazard_id,
        enterprise_id="e1",
        rectified_on=day,
        measures="fenced",
        officer_ids=officer_ids,
        on_time=True,
    )
    return Step("patrols", "hazard", hazard_id, event, at(day.month, day.day, 17))


def leaflets(activity_id: str, count: int, day: date, enterprise_id: str = "e1") -> Step:
    event = LeafletsDistributed(
        activity_id=activity_id,
        enterprise_id=enterprise_id,
        officer_ids=("o1",),
        occurred_on=day,
        count=count,
        topic="four preventions",
    )
    return Step("patrols", "activity", activity_id, event, at(day.month, day.day, 17))


def dispute(activity_id: str, day: date, risk: RiskLevel | None = None) -> Step:
    event = DisputeMediated(
        activity_id=activity_id,
        enterprise_id="e1",
        officer_ids=("o1",),
        occurred_on=day,
        parties=["contractor", "villagers"],
        outcome="wages paid",
        agreement_reached=True,
        risk_level=risk,
    )
    return Step("patrols", "activity", activity_id, event, at(day.month, day.day, 17))


def case(activity_id: str, day: date, kind: CaseKind, recovered_yuan: int | None = None) -> Step:
    event = CaseHandled(
        activity_id=activity_id,
        enterprise_id="e1",
        officer_ids=("o1",),
        occurred_on=day,
        police_case_number=f"HK-{activity_id}",
        kind=kind,
        losses_recovered_yuan=recovered_yuan,
    )
    return Step("patrols", "activity", activity_id, event, at(day.month, day.day, 17))


def problem(problem_id: str, day: date) -> Step:
    """A recurring problem the appeals service found on `day` (issue 14)."""
    found = at(day.month, day.day, 3)
    event = RecurringProblemDetected(
        problem_id=problem_id,
        kind=ClusterKind.ENTERPRISE,
        scope="e1",
        category=Category.DISPUTE,
        appeal_ids=("a1", "a2"),
        detected_at=found,
    )
    return Step("appeals", "recurring_problem", problem_id, event, found)


def forum(forum_id: str, day: date, refs: tuple[str, ...]) -> Step:
    collected = tuple(
        collect_appeal(forum_id, ref, enterprise_id="e1", description="road", category="other") for ref in refs
    )
    event = ForumHeld(
        activity_id=forum_id,
        enterprise_id="e1",
        officer_ids=("o1",),
        occurred_on=day,
        attendees=12,
        collected_appeals=collected,
    )
    return Step("patrols", "activity", forum_id, event, at(day.month, day.day, 17))


def forum_appeal_id(forum_id: str, ref: str) -> str:
    return collected_appeal_id(forum_id, ref)


# --- evaluation's own ----------------------------------------------------------------------------


def rated(rating_id: str, enterprise_id: str, officer_id: str, level: int) -> Step:
    event = ChiefRated(
        rating_id=rating_id,
        enterprise_id=enterprise_id,
        officer_id=officer_id,
        tier=PC,
        period="2025",
        level=level,
        comment="",
        rated_at=at(12, 20),
    )
    return Step("evaluation", "rating", rating_id, event, at(12, 20))


def spot_answer(spot_check_id: str, enterprise_id: str, satisfied: bool) -> Step:
    event = SpotCheckAnswerRecorded(
        spot_check_id=spot_check_id,
        enterprise_id=enterprise_id,
        satisfied=satisfied,
        level=5 if satisfied else 2,
        comment="",
        answered_at=at(6, 1),
    )
    return Step("evaluation", "spot_check", spot_check_id, event, at(6, 1))


# --- the small year ------------------------------------------------------------------------------


def small_year() -> dict[str, list[Step]]:
    """o1 is e1's police chief (A), o2 its station chief, o3 its bureau leader.

    o1's hand-computed scorecard for 2025 (see the e2e test): 3 appeals (2 as A, 1 as B); answered in
    time 2 of 3; closed in time 2 of 3; rated 3: resolved 1, satisfied 2 (levels 5, 2, 4); visits
    on time 1 of 2; 1 hazard rectified; 1 joint patrol.
    """
    return {
        "assignment": [
            officer("o1"),
            officer("o2"),
            officer("o3"),
            enterprise("e1"),
            chief("e1", "o1", PC),
            chief("e1", "o2", SC),
            chief("e1", "o3", BL),
            office("e1", "office-1"),
        ],
        "appeals": [
            *appeal("a1", "o1", 1, rating=(5, True)),
            *appeal(
                "a2",
                "o1",
                2,
                slot=Slot.B,
                answer_after=timedelta(hours=2),
                close_after=timedelta(hours=30),
                rating=(2, False),
            ),
            *appeal("a3", "o1", 3, close_after=timedelta(hours=3), unresolved=True, rating=(4, False)),
            *appeal("a4", "o2", 4, rating=(5, True)),
        ],
        "patrols": [
            duty("d1", "o1", at(3, 7, 18)),
            duty("d2", "o1", at(3, 14, 18)),
            visit("v1", ("o1",), at(3, 6, 10)),
            fulfilled("d1", "v1", at(3, 6, 11)),
            overdue("d2", "o1", at(3, 14, 18)),
            hazard_rectified("h1", ("o1", "o2"), date(2025, 4, 2)),
            visit("p1", ("o1", "o2"), at(4, 10, 20), kind=VisitKind.JOINT_PATROL, people=6),
            leaflets("l1", 500, date(2025, 5, 1)),
        ],
    }


def envelope(step: Step, version: int, seq: int) -> Envelope:
    """The envelope a service's store would record for `step`; deterministic ids and times."""
    return Envelope(
        event_id=uuid.UUID(int=seq + 1),
        service=step.service,
        stream=StreamId(step.aggregate_type, step.aggregate_id),
        version=version,
        event_type=step.payload.event_type,
        schema_version=step.payload.schema_version,
        data=step.payload.model_dump(mode="json"),
        occurred_at=step.occurred_at,
        recorded_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=seq),
        correlation_id=uuid.UUID(int=seq + 1),
        causation_id=None,
        actor="sample",
    )
