"""The appeal's state, rebuilt by a pure fold over its events."""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import assert_never, cast

from jingzhang.appeals.domain import events as ev
from jingzhang.appeals.domain.timer import Timer
from jingzhang.appeals.domain.vocabulary import (
    Category,
    Channel,
    ChiefTier,
    DeadlineKind,
    EscalationReason,
    HoldReason,
    LimitClass,
    Outcome,
    ReportOutcome,
    Slot,
    Status,
)
from jingzhang.shared.aggregate import Aggregate
from jingzhang.shared.events import DomainEvent

AGGREGATE_TYPE = "appeal"


@dataclass(frozen=True, slots=True)
class Holder:
    """The chief who answers for the appeal now."""

    tier: ChiefTier
    officer_id: str
    slot: Slot


@dataclass(frozen=True, slots=True)
class PendingExtension:
    extra: timedelta
    requested_by: str


@dataclass(frozen=True, slots=True)
class Callback:
    rating: int
    resolved: bool


@dataclass(frozen=True, slots=True)
class Referral:
    """A department's reply being chased: due at `due_at`; each step of the chase recorded once."""

    referred_at: datetime
    due_at: datetime
    reminded: bool = False
    overdue: bool = False
    escalated: bool = False


@dataclass(frozen=True, slots=True)
class NoAppeal:
    """Before `AppealRaised`."""


@dataclass(frozen=True, slots=True)
class Appeal:
    appeal_id: str
    enterprise_id: str
    channel: Channel
    category: Category
    description: str
    raised_by: str
    emergency: bool
    raised_at: datetime
    received_at: datetime
    limit_class: LimitClass
    time_limit: timedelta
    first_response_due_at: datetime
    timer: Timer
    status: Status = Status.RAISED
    holder: Holder | None = None
    informed_officer_ids: tuple[str, ...] = ()
    diverted_to_110: bool = False
    responded: bool = False
    warned: bool = False
    breached: bool = False
    first_response_breached: bool = False
    department_id: str | None = None
    referral: Referral | None = None
    """The department's reply being chased, while it holds the appeal (issue 14)."""
    follow_ups: int = 0
    pending_extension: PendingExtension | None = None
    outcome: Outcome | None = None
    outcome_note: str | None = None
    callback: Callback | None = None
    escalations: int = 0
    reopen_count: int = 0
    merged_into: str | None = None
    held: HoldReason | None = None
    """Why the duty desk holds it, while nobody does (status `raised`)."""
    intake: tuple[DomainEvent, ...] = ()
    """What the raise recorded (raised, diverted, routed or held): what a retried raise answers again."""

    @property
    def unrouted(self) -> bool:
        """Open and held by the duty desk: no chief holds it yet."""
        return self.holder is None and self.status.is_open

    @property
    def intake_done(self) -> bool:
        return bool(self.intake) and isinstance(self.intake[-1], _INTAKE_ENDS)


_INTAKE_ENDS = (ev.AppealRouted, ev.AppealHeldAtDutyDesk)
"""The raise's recording ends with its routing, or the duty desk holding it."""


AppealState = NoAppeal | Appeal


def evolve(state: AppealState, event: DomainEvent) -> AppealState:
    if not isinstance(event, ev.APPEAL_EVENTS):
        raise TypeError(f"{event.event_type} is not an appeal event")
    event = cast(ev.AppealEvent, event)
    if isinstance(event, ev.AppealRaised):
        return _raised(event)
    if not isinstance(state, Appeal):
        raise ValueError(f"{event.event_type} before AppealRaised")
    if not state.intake_done:
        state = replace(state, intake=(*state.intake, event))
    return _apply(state, event)


def _raised(e: ev.AppealRaised) -> Appeal:
    received = e.received
    return Appeal(
        appeal_id=e.appeal_id,
        enterprise_id=e.enterprise_id,
        channel=e.channel,
        category=e.category,
        description=e.description,
        raised_by=e.raised_by,
        emergency=e.emergency,
        raised_at=e.raised_at,
        received_at=received,
        limit_class=e.limit_class,
        time_limit=e.time_limit,
        first_response_due_at=received + e.first_response_within,
        timer=Timer.start(e.time_limit, e.warning_fraction, received),
        intake=(e,),
    )


def _apply(s: Appeal, e: ev.AppealEvent) -> Appeal:
    match e:
        case ev.AppealRaised():
            raise ValueError("an appeal is raised once")
        case ev.AppealDivertedTo110():
            return replace(s, diverted_to_110=True)
        case ev.AppealRouted():
            return _routed(s, e)
        case ev.AppealAcknowledged():
            return replace(s, status=Status.IN_PROGRESS, responded=True)
        case ev.AppealResolved():
            return _finished(s, Status.RESOLVED, Outcome.RESOLVED_IN_DUTY, e.what_was_done, e.resolved_at)
        case ev.AppealReferred():
            return _referred(s, e)
        case ev.ReferralFollowedUp():
            return replace(s, follow_ups=s.follow_ups + 1)
        case ev.DepartmentReportedBack():
            return _reported_back(s, e)
        case ev.AppealClosedUnresolved():
            return _finished(s, Status.CLOSED, Outcome.CLOSED_UNRESOLVED, e.reason, e.closed_at)
        case ev.DeadlineWarningRaised():
            return replace(s, warned=True)
        case ev.DeadlineBreached():
            return _missed(s, e.kind)
        case ev.ExtensionRequested():
            return replace(s, pending_extension=PendingExtension(e.extra, e.requested_by))
        case ev.ExtensionApproved():
            return _extended(replace(s, pending_extension=None), e.extra, e.approved_at)
        case ev.ExtensionRefused():
            return replace(s, pending_extension=None)
        case ev.AppealEscalated():
            return _escalated(s, e)
        case ev.CallbackRecorded():
            return replace(s, callback=Callback(e.rating, e.resolved))
        case ev.AppealReopened():
            return _reopened(s, e)
        case ev.AppealMerged():
            return replace(s, status=Status.MERGED, merged_into=e.into_appeal_id, timer=s.timer.pause(e.merged_at))
        case ev.AppealHeldAtDutyDesk():
            return replace(s, held=e.reason)
        case ev.DeadlinePassedAtDutyDesk():
            return _missed(s, e.kind)
        case ev.ReferralReplyReminded():
            return _chased(s, reminded=True)
        case ev.ReferralReplyOverdue():
            return _chased(s, overdue=True)
        case _:
            assert_never(e)


def _routed(s: Appeal, e: ev.AppealRouted) -> Appeal:
    holder = Holder(e.tier, e.officer_id, e.slot_acting)
    status = Status.ROUTED if s.status is Status.RAISED else s.status
    return replace(s, holder=holder, informed_officer_ids=e.informed_officer_ids, status=status, held=None)


def _finished(s: Appeal, status: Status, outcome: Outcome, note: str, at: datetime) -> Appeal:
    return replace(s, status=status, outcome=outcome, outcome_note=note, timer=s.timer.pause(at), responded=True)


def _referred(s: Appeal, e: ev.AppealReferred) -> Appeal:
    timer = s.timer.pause(e.referred_at)
    referral = None if e.reply_due_at is None else Referral(e.referred_at, e.reply_due_at)
    return replace(
        s, status=Status.REFERRED, department_id=e.department_id, responded=True, timer=timer, referral=referral
    )


def _chased(s: Appeal, reminded: bool = False, overdue: bool = False) -> Appeal:
    if s.referral is None:
        return s
    referral = replace(s.referral, reminded=s.referral.reminded or reminded, overdue=s.referral.overdue or overdue)
    return replace(s, referral=referral)


def _reported_back(s: Appeal, e: ev.DepartmentReportedBack) -> Appeal:
    if e.outcome is ReportOutcome.DONE:
        return replace(s, status=Status.RESOLVED, outcome=Outcome.REFERRED_AND_DONE, outcome_note=e.note, referral=None)
    return replace(s, status=Status.IN_PROGRESS, timer=s.timer.resume(e.reported_at), referral=None)


def _missed(s: Appeal, kind: DeadlineKind) -> Appeal:
    if kind is DeadlineKind.FIRST_RESPONSE:
        return replace(s, first_response_breached=True)
    return replace(s, breached=True)


def _extended(s: Appeal, extra: timedelta, at: datetime) -> Appeal:
    """A new window: the warning and the breach may fire again against the new deadline."""
    return replace(s, timer=s.timer.extend(extra, at), warned=False, breached=False)


def _escalated(s: Appeal, e: ev.AppealEscalated) -> Appeal:
    holder = Holder(e.to_tier, e.officer_id, e.slot_acting)
    s = replace(s, holder=holder, informed_officer_ids=e.informed_officer_ids, escalations=s.escalations + 1)
    if e.reason is EscalationReason.REFERRAL_UNANSWERED and s.referral is not None:
        s = replace(s, referral=replace(s.referral, escalated=True))
    return _extended(s, e.extra_time, e.escalated_at) if e.extra_time else s


def _reopened(s: Appeal, e: ev.AppealReopened) -> Appeal:
    return replace(
        s,
        status=Status.IN_PROGRESS,
        outcome=None,
        outcome_note=None,
        callback=None,
        department_id=None,
        referral=None,
        pending_extension=None,
        warned=False,
        breached=False,
        timer=s.timer.restart(s.time_limit, e.reopened_at),
        reopen_count=s.reopen_count + 1,
    )


APPEAL: Aggregate[AppealState] = Aggregate(AGGREGATE_TYPE, NoAppeal(), evolve)
