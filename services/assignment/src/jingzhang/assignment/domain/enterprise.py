"""The enterprise aggregate's state and its pure fold, with the queries every decision reads.

Chief terms are never overwritten: a reassignment closes one term and opens another, so the state
answers "who held tier T, slot S of this enterprise at D" for any D.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import assert_never

from jingzhang.assignment.domain.events import (
    ActingChiefChanged,
    ChiefAssigned,
    ChiefRelieved,
    ChiefTier,
    CoverageGapChanged,
    CoverageGapClosed,
    CoverageGapOpened,
    CoverageShortfallClosed,
    CoverageShortfallOpened,
    EnterpriseClass,
    EnterpriseClosed,
    EnterpriseEvent,
    EnterpriseReclassified,
    EnterpriseRegistered,
    EnterpriseReinstated,
    EnterpriseSuspended,
    NobodyActing,
    NobodyActingEnded,
    PoliceOfficeClosed,
    PoliceOfficeOpened,
    Slot,
    TaskForceFormed,
    TaskForceMemberAdded,
    TaskForceMemberRemoved,
)
from jingzhang.shared.events import DomainEvent


class EnterpriseStatus(StrEnum):
    UNREGISTERED = "unregistered"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class ChiefTerm:
    """One officer's time in one slot: `[effective_from, effective_until)`, open while `until` is None."""

    tier: ChiefTier
    slot: Slot
    officer_id: str
    effective_from: datetime
    effective_until: datetime | None = None
    relieved_reason: str | None = None

    def covers(self, at: datetime) -> bool:
        return self.effective_from <= at and (self.effective_until is None or at < self.effective_until)


@dataclass(frozen=True, slots=True)
class TaskForce:
    name: str
    leader_officer_id: str
    members: dict[str, str] = field(default_factory=dict)  # officer id -> role


@dataclass(frozen=True, slots=True)
class PoliceOffice:
    office_id: str
    online: bool
    offline: bool
    location: str | None
    opened_on: date | None = None


@dataclass(frozen=True, slots=True)
class EnterpriseState:
    enterprise_id: str = ""
    status: EnterpriseStatus = EnterpriseStatus.UNREGISTERED
    name: str = ""
    credit_code: str = ""
    address: str = ""
    industry: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    enterprise_class: EnterpriseClass = EnterpriseClass.SMALL_MICRO
    registered_on: date | None = None  # None only for a registration read without its business date
    registration: EnterpriseRegistered | None = None  # what was registered, to tell a retry from a clash
    terms: tuple[ChiefTerm, ...] = ()
    gap: frozenset[ChiefTier] = frozenset()  # the tiers of the open coverage gap; empty: no gap
    acting_timeline: dict[ChiefTier, tuple[tuple[datetime, str | None], ...]] = field(default_factory=dict)
    """Per tier, every recorded change (effective from, who acts) in time order, so who acts at any instant
    is known (`calendar.sync_acting`, `calendar.nobody_acting`). A change effective earlier may be
    recorded after one scheduled for later; two at one instant: the later recorded stands."""
    nobody_acting: frozenset[ChiefTier] = frozenset()  # as recorded by `NobodyActing`, until it ended
    shortfalls: dict[ChiefTier, Slot] = field(default_factory=dict)  # recorded: tier -> its vacant slot
    task_force: TaskForce | None = None
    office: PoliceOffice | None = None


INITIAL = EnterpriseState()


# --- queries -----------------------------------------------------------------------------------


def current_term(state: EnterpriseState, tier: ChiefTier, slot: Slot) -> ChiefTerm | None:
    return next((t for t in state.terms if (t.tier, t.slot) == (tier, slot) and t.effective_until is None), None)


def holder(state: EnterpriseState, tier: ChiefTier, slot: Slot) -> str | None:
    term = current_term(state, tier, slot)
    return term.officer_id if term else None


def serving_from(state: EnterpriseState, at: datetime, tiers: Iterable[ChiefTier] = tuple(ChiefTier)) -> list[str]:
    """Officers whose terms in `tiers` are not ended by `at` (held then, or from later, or ending later):
    whose absences a check of who acts from `at` on must know."""
    wanted = set(tiers)
    return sorted(
        {
            t.officer_id
            for t in state.terms
            if t.tier in wanted and (t.effective_until is None or t.effective_until > at)
        }
    )


def holder_at(state: EnterpriseState, tier: ChiefTier, slot: Slot, at: datetime) -> str | None:
    """Who held the slot at `at`, from the full history."""
    term = next((t for t in state.terms if (t.tier, t.slot) == (tier, slot) and t.covers(at)), None)
    return term.officer_id if term else None


def chiefs(state: EnterpriseState) -> dict[tuple[ChiefTier, Slot], str]:
    return {(t.tier, t.slot): t.officer_id for t in state.terms if t.effective_until is None}


def chiefs_at(state: EnterpriseState, at: datetime) -> dict[tuple[ChiefTier, Slot], str]:
    return {(t.tier, t.slot): t.officer_id for t in state.terms if t.covers(at)}


def posts_of(state: EnterpriseState, officer_id: str) -> list[tuple[ChiefTier, Slot]]:
    """The slots `officer_id` holds now."""
    return [slot for slot, holder_id in chiefs(state).items() if holder_id == officer_id]


def last_change(state: EnterpriseState, tier: ChiefTier, slot: Slot) -> datetime | None:
    """When the slot last changed hands: a new change may not be dated before it."""
    times = [t.effective_until or t.effective_from for t in state.terms if (t.tier, t.slot) == (tier, slot)]
    return max(times, default=None)


# --- evolve ------------------------------------------------------------------------------------


def evolve(state: EnterpriseState, event: DomainEvent) -> EnterpriseState:
    if not isinstance(event, EnterpriseEvent):
        raise TypeError(f"{event.event_type} is not an enterprise event")
    return _apply(state, event)


def _apply(state: EnterpriseState, event: EnterpriseEvent) -> EnterpriseState:
    match event:
        case EnterpriseRegistered():
            return _registered(event)
        case EnterpriseReclassified(enterprise_class=enterprise_class):
            return replace(state, enterprise_class=enterprise_class)
        case EnterpriseSuspended():
            return replace(state, status=EnterpriseStatus.SUSPENDED)
        case EnterpriseReinstated():
            return replace(state, status=EnterpriseStatus.ACTIVE)
        case EnterpriseClosed():
            return replace(state, status=EnterpriseStatus.CLOSED)
        case ChiefAssigned():
            term = ChiefTerm(event.tier, event.slot, event.officer_id, event.effective_from)
            return replace(state, terms=(*state.terms, term))
        case ChiefRelieved():
            return replace(state, terms=tuple(_relieve(t, event) for t in state.terms))
        case CoverageGapOpened(missing=missing) | CoverageGapChanged(missing=missing):
            return replace(state, gap=frozenset(missing))
        case CoverageGapClosed():
            return replace(state, gap=frozenset())
        case ActingChiefChanged(tier=tier, officer_id=officer_id, effective_from=since):
            changes = sorted([*(c for c in state.acting_timeline.get(tier, ()) if c[0] != since), (since, officer_id)])
            return replace(state, acting_timeline={**state.acting_timeline, tier: tuple(changes)})
        case NobodyActing(tier=tier):
            return replace(state, nobody_acting=state.nobody_acting | {tier})
        case NobodyActingEnded(tier=tier):
            return replace(state, nobody_acting=state.nobody_acting - {tier})
        case CoverageShortfallOpened(tier=tier, vacant=vacant):
            return replace(state, shortfalls={**state.shortfalls, tier: vacant})
        case CoverageShortfallClosed(tier=tier):
            return replace(state, shortfalls={t: v for t, v in state.shortfalls.items() if t is not tier})
        case TaskForceFormed(name=name, leader_officer_id=leader):
            return replace(state, task_force=TaskForce(name, leader))
        case TaskForceMemberAdded() | TaskForceMemberRemoved():
            return replace(state, task_force=_task_force(state.task_force, event))
        case PoliceOfficeOpened():
            office = PoliceOffice(event.office_id, event.online, event.offline, event.location, event.opened_on)
            return replace(state, office=office)
        case PoliceOfficeClosed():
            return replace(state, office=None)
        case _:
            assert_never(event)


def _registered(event: EnterpriseRegistered) -> EnterpriseState:
    return EnterpriseState(
        enterprise_id=event.enterprise_id,
        status=EnterpriseStatus.ACTIVE,
        name=event.name,
        credit_code=event.credit_code,
        address=event.address,
        industry=event.industry,
        contact_name=event.contact_name,
        contact_phone=event.contact_phone,
        enterprise_class=event.enterprise_class,
        registered_on=event.registered_on,
        registration=event,
    )


def _relieve(term: ChiefTerm, event: ChiefRelieved) -> ChiefTerm:
    same = (term.tier, term.slot, term.officer_id) == (event.tier, event.slot, event.officer_id)
    if not same or term.effective_until is not None:
        return term
    return replace(term, effective_until=event.effective_from, relieved_reason=event.reason)


def _task_force(force: TaskForce | None, event: TaskForceMemberAdded | TaskForceMemberRemoved) -> TaskForce:
    if force is None:
        raise ValueError("task force members recorded before the task force was formed")
    members = {k: v for k, v in force.members.items() if k != event.officer_id}
    if isinstance(event, TaskForceMemberAdded):
        members[event.officer_id] = event.role
    return replace(force, members=members)
