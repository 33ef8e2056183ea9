"""The `duty` stream (id = duty id): one owed visit from scheduled to fulfilled or overdue.

The assignee is written into the stream when it changes, so a later reassignment never rewrites
who answered for a duty in the past: evaluation reads `DutyOverdue.assignee_officer_id` as it was.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import assert_never

from pydantic import AwareDatetime

from jingzhang.patrols.domain.cadence import Duty, Responsible, on_time, responsible, responsible_for
from jingzhang.patrols.domain.common import VisitKind, local_date
from jingzhang.patrols.domain.periods import Period
from jingzhang.patrols.domain.snapshot import AssignmentSnapshot
from jingzhang.patrols.domain.vocabulary import ChiefTier, Slot
from jingzhang.shared.errors import DomainRejected, InvalidCommand
from jingzhang.shared.events import DomainEvent


class ReassignReason(StrEnum):
    A_AWAY = "a_away"
    A_BACK = "a_back"
    CHIEF_CHANGED = "chief_changed"


class DutyScheduled(DomainEvent):
    duty_id: str
    enterprise_id: str
    kind: VisitKind
    tier: ChiefTier
    period: Period
    due_at: AwareDatetime
    assignee_officer_id: str | None


class DutyFulfilled(DomainEvent):
    duty_id: str
    visit_id: str
    on_time: bool


class DutyOverdue(DomainEvent):
    """The duty's due time passed without a visit; the assignee is who answered for it then."""

    duty_id: str
    assignee_officer_id: str | None


class DutyReassigned(DomainEvent):
    duty_id: str
    to_officer_id: str
    reason: ReassignReason


DutyEvent = DutyScheduled | DutyFulfilled | DutyOverdue | DutyReassigned
DUTY_EVENTS: tuple[type[DomainEvent], ...] = (DutyScheduled, DutyFulfilled, DutyOverdue, DutyReassigned)


class DutyStatus(StrEnum):
    UNSCHEDULED = "unscheduled"
    OPEN = "open"
    OVERDUE = "overdue"
    FULFILLED = "fulfilled"


@dataclass(frozen=True, slots=True)
class DutyState:
    duty: Duty | None = None
    assignee: str | None = None
    status: DutyStatus = DutyStatus.UNSCHEDULED
    fulfilled_by: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status in (DutyStatus.OPEN, DutyStatus.OVERDUE)


def evolve(state: DutyState, event: DomainEvent) -> DutyState:
    if not isinstance(event, DutyEvent):
        raise TypeError(f"not a duty event: {event.event_type}")
    match event:
        case DutyScheduled():
            return DutyState(_duty_of(event), event.assignee_officer_id, DutyStatus.OPEN)
        case DutyFulfilled():
            return replace(state, status=DutyStatus.FULFILLED, fulfilled_by=event.visit_id)
        case DutyOverdue():
            return replace(state, status=DutyStatus.OVERDUE)
        case DutyReassigned():
            return replace(state, assignee=event.to_officer_id)
        case _:
            assert_never(event)


def _duty_of(event: DutyScheduled) -> Duty:
    return Duty(event.duty_id, event.enterprise_id, event.kind, event.tier, event.period, event.due_at)


# --- commands and decisions ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScheduleDuty:
    duty: Duty
    assignee_officer_id: str | None


@dataclass(frozen=True, slots=True)
class FulfilDuty:
    duty_id: str
    visit_id: str
    visited_at: datetime


@dataclass(frozen=True, slots=True)
class MarkDutyOverdue:
    """`responsible` is `cadence.responsible(duty, snapshot, now)`: B while A is away."""

    duty_id: str
    responsible: Responsible | None


@dataclass(frozen=True, slots=True)
class ReassignDuty:
    duty_id: str
    to_officer_id: str
    reason: ReassignReason


def _scheduled(state: DutyState) -> Duty:
    if state.duty is None:
        raise DomainRejected("no such duty has been scheduled")
    return state.duty


def decide_schedule(state: DutyState, command: ScheduleDuty) -> list[DomainEvent]:
    """Planning runs again and again over overlapping windows; a known duty is left alone."""
    if state.duty is not None:
        if state.duty != command.duty:
            raise DomainRejected(f"duty {command.duty.duty_id} was scheduled with other terms")
        return []
    duty = command.duty
    return [
        DutyScheduled(
            duty_id=duty.duty_id,
            enterprise_id=duty.enterprise_id,
            kind=duty.kind,
            tier=duty.tier,
            period=duty.period,
            due_at=duty.due_at,
            assignee_officer_id=command.assignee_officer_id,
        )
    ]


def decide_fulfil(state: DutyState, command: FulfilDuty) -> list[DomainEvent]:
    duty = _scheduled(state)
    if state.status is DutyStatus.FULFILLED:
        if state.fulfilled_by == command.visit_id:
            return []
        raise DomainRejected(f"duty {duty.duty_id} was already fulfilled by visit {state.fulfilled_by}")
    if local_date(command.visited_at) < duty.period.start:
        raise InvalidCommand("a visit before the duty's period cannot fulfil it", field="visited_at")
    return [DutyFulfilled(duty_id=duty.duty_id, visit_id=command.visit_id, on_time=on_time(duty, command.visited_at))]


def decide_mark_overdue(state: DutyState, command: MarkDutyOverdue, now: datetime) -> list[DomainEvent]:
    """Raise the miss against whoever held the duty, then hand it to whoever can act now."""
    duty = _scheduled(state)
    if state.status is not DutyStatus.OPEN:
        return []
    if now < duty.due_at:
        raise DomainRejected(f"duty {duty.duty_id} is not due until {duty.due_at.isoformat()}")
    events: list[DomainEvent] = [DutyOverdue(duty_id=duty.duty_id, assignee_officer_id=state.assignee)]
    return events + _handover(state, command.responsible)


def decide_reassign(state: DutyState, command: ReassignDuty) -> list[DomainEvent]:
    duty = _scheduled(state)
    if state.status is DutyStatus.FULFILLED:
        raise DomainRejected(f"duty {duty.duty_id} is fulfilled; its assignee is history")
    if state.assignee == command.to_officer_id:
        return []
    return [DutyReassigned(duty_id=duty.duty_id, to_officer_id=command.to_officer_id, reason=command.reason)]


def _handover(state: DutyState, now_responsible: Responsible | None) -> list[DomainEvent]:
    if state.duty is None or now_responsible is None or now_responsible.officer_id == state.assignee:
        return []
    reason = reassign_reason(state.assignee, now_responsible)
    return [DutyReassigned(duty_id=state.duty.duty_id, to_officer_id=now_responsible.officer_id, reason=reason)]


def reassign_reason(previous: str | None, now_responsible: Responsible) -> ReassignReason:
    if now_responsible.slot is Slot.B and now_responsible.other is not None:
        return ReassignReason.A_AWAY
    if now_responsible.slot is Slot.A and previous is not None and previous == now_responsible.other:
        return ReassignReason.A_BACK
    return ReassignReason.CHIEF_CHANGED


def reassignments(states: Iterable[DutyState], snapshot: AssignmentSnapshot, at: datetime) -> list[ReassignDuty]:
    """After an assignment or absence changes: open duties not yet due follow the new holder.

    Duties already due (overdue) or fulfilled keep their assignee, so the past is never rewritten;
    an overdue duty passes to B only through `decide_mark_overdue`.
    """
    return [
        command
        for state in states
        if state.duty is not None and state.status is DutyStatus.OPEN and state.duty.due_at > at
        for command in _follow(state, state.duty, snapshot, at)
    ]


def _follow(state: DutyState, duty: Duty, snapshot: AssignmentSnapshot, at: datetime) -> list[ReassignDuty]:
    now_responsible = responsible(duty, snapshot, at)
    if now_responsible is None or now_responsible.officer_id == state.assignee:
        return []
    reason = reassign_reason(state.assignee, now_responsible)
    return [ReassignDuty(duty.duty_id, now_responsible.officer_id, reason)]


def answering(snapshot: AssignmentSnapshot, at: datetime) -> list[tuple[str, ChiefTier, str]]:
    """Who answers at `at` for the duties of each tier of each enterprise in the snapshot (a tier with
    nobody is left out). An open duty not yet due is one `reassignments` moves exactly when its assignee
    is not the one named here for its enterprise and tier, so the worker reads only those."""
    return [
        (enterprise.enterprise_id, tier, found.officer_id)
        for enterprise in snapshot.enterprises
        for tier in ChiefTier
        if (found := responsible_for(enterprise.enterprise_id, tier, snapshot, at)) is not None
    ]
