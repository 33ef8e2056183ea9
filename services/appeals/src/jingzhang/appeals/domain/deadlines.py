"""Deadlines derived from the events alone, so a restarted scheduler finds them again.

The scheduler keeps only (appeal_id, next_check_at); at that time it loads the appeal and the
enterprise's chiefs and records whatever `check_deadlines` returns. Checking early or twice is
harmless: each warning and breach is recorded once per window.

The limits run from receipt, also while the duty desk holds an appeal nobody could be given: a limit
that passes there is recorded as passed at the duty desk, charged to no chief, and warns nobody.
"""

from datetime import datetime

from jingzhang.appeals.domain import events as ev
from jingzhang.appeals.domain.escalation import escalate
from jingzhang.appeals.domain.guards import holder
from jingzhang.appeals.domain.policy import DEFAULT_TIME_LIMITS, TimeLimits
from jingzhang.appeals.domain.routing import ChiefsSnapshot
from jingzhang.appeals.domain.state import Appeal, AppealState, Referral, evolve
from jingzhang.appeals.domain.timer import ZERO
from jingzhang.appeals.domain.vocabulary import DeadlineKind, EscalationReason, Status
from jingzhang.shared.events import DomainEvent


def _running(state: AppealState) -> Appeal | None:
    return state if isinstance(state, Appeal) and state.status.is_open else None


def due_at(state: AppealState) -> datetime | None:
    """When the appeal must be done; None when finished or paused (referred to a department)."""
    appeal = _running(state)
    return None if appeal is None else appeal.timer.due_at


def warning_at(state: AppealState) -> datetime | None:
    appeal = _running(state)
    return None if appeal is None else appeal.timer.warning_at


def first_response_due(state: AppealState) -> datetime | None:
    """When the first answer is due, while nobody has answered yet."""
    appeal = _running(state)
    return None if appeal is None or appeal.responded else appeal.first_response_due_at


def next_check_at(state: AppealState) -> datetime | None:
    """The earliest moment `check_deadlines` could record something; None when nothing is pending."""
    appeal = _running(state)
    if appeal is None:
        return None
    pending = [
        None if appeal.first_response_breached else first_response_due(appeal),
        None if appeal.warned or appeal.breached or appeal.unrouted else warning_at(appeal),
        None if appeal.breached else due_at(appeal),
        *_referral_checks(appeal, DEFAULT_TIME_LIMITS),
    ]
    return min((t for t in pending if t is not None), default=None)


def _referral_checks(appeal: Appeal, policy: TimeLimits) -> list[datetime | None]:
    """When the department's reply is to be chased next: reminded, overdue, escalated past the grace."""
    referral = appeal.referral if appeal.status is Status.REFERRED else None
    if referral is None:
        return []
    remind, escalate_at = _referral_times(referral, policy)
    return [
        None if referral.reminded or referral.overdue else remind,
        None if referral.overdue else referral.due_at,
        None if referral.escalated else escalate_at,
    ]


def _referral_times(referral: Referral, policy: TimeLimits) -> tuple[datetime, datetime]:
    """The reminder (once the warning share of the reply limit has run) and the escalation (a grace after)."""
    limit = referral.due_at - referral.referred_at
    return referral.referred_at + limit * policy.warning_fraction, referral.due_at + policy.grace(limit)


def check_deadlines(
    state: AppealState, now: datetime, chiefs: ChiefsSnapshot, policy: TimeLimits = DEFAULT_TIME_LIMITS
) -> list[DomainEvent]:
    """Warnings, breaches and the escalations they cause, as of `now`."""
    held = _running(state)
    if held is not None and held.unrouted:
        return passed_at_duty_desk(held, now)
    events: list[DomainEvent] = []
    for check in (_first_response, _resolution, _referral):
        appeal = _running(state)
        if appeal is None:
            break
        found = check(appeal, now, chiefs, policy)
        for event in found:
            state = evolve(state, event)
        events.extend(found)
    return events


def passed_at_duty_desk(appeal: Appeal, now: datetime) -> list[DomainEvent]:
    """The limits that ran out, as of `now`, while nobody held the appeal: each recorded once."""
    found: list[DomainEvent] = []
    first, due = first_response_due(appeal), due_at(appeal)
    if first is not None and not appeal.first_response_breached and now >= first:
        found.append(ev.DeadlinePassedAtDutyDesk(kind=DeadlineKind.FIRST_RESPONSE, due_at=first, passed_at=now))
    if due is not None and not appeal.breached and now >= due:
        found.append(ev.DeadlinePassedAtDutyDesk(kind=DeadlineKind.RESOLUTION, due_at=due, passed_at=now))
    return found


def _first_response(appeal: Appeal, now: datetime, chiefs: ChiefsSnapshot, _: TimeLimits) -> list[DomainEvent]:
    """No answer in time: recorded and escalated, without extra time (the resolution clock runs on)."""
    due = first_response_due(appeal)
    if due is None or appeal.first_response_breached or now < due:
        return []
    breach = _breach(appeal, DeadlineKind.FIRST_RESPONSE, due, now)
    return [breach, *escalate(appeal, chiefs, EscalationReason.FIRST_RESPONSE_BREACHED, ZERO, now)]


def _resolution(appeal: Appeal, now: datetime, chiefs: ChiefsSnapshot, policy: TimeLimits) -> list[DomainEvent]:
    due, warn = due_at(appeal), warning_at(appeal)
    if due is None or warn is None or appeal.breached:
        return []
    if now >= due:
        grace = policy.grace(appeal.time_limit)
        breach = _breach(appeal, DeadlineKind.RESOLUTION, due, now)
        return [breach, *escalate(appeal, chiefs, EscalationReason.DEADLINE_BREACHED, grace, now)]
    if now >= warn and not appeal.warned:
        officer_id = holder(appeal).officer_id
        return [
            ev.DeadlineWarningRaised(kind=DeadlineKind.RESOLUTION, due_at=due, officer_id=officer_id, warned_at=now)
        ]
    return []


def _referral(appeal: Appeal, now: datetime, chiefs: ChiefsSnapshot, policy: TimeLimits) -> list[DomainEvent]:
    """A department that has not reported back: reminded, then overdue (its own figure), then, a grace
    later, the appeal goes one chief up like a breach, to chase it with more weight (催办、督办)."""
    referral = appeal.referral if appeal.status is Status.REFERRED else None
    if referral is None or appeal.department_id is None:
        return []
    remind, escalate_at = _referral_times(referral, policy)
    officer_id = holder(appeal).officer_id
    department, due = appeal.department_id, referral.due_at
    found: list[DomainEvent] = []
    if now >= due and not referral.overdue:
        found.append(
            ev.ReferralReplyOverdue(department_id=department, due_at=due, officer_id=officer_id, overdue_at=now)
        )
    elif remind <= now < due and not referral.reminded:
        found.append(
            ev.ReferralReplyReminded(department_id=department, due_at=due, officer_id=officer_id, reminded_at=now)
        )
    if now >= escalate_at and not referral.escalated:
        found.extend(escalate(appeal, chiefs, EscalationReason.REFERRAL_UNANSWERED, ZERO, now))
    return found


def _breach(appeal: Appeal, kind: DeadlineKind, due: datetime, now: datetime) -> ev.DeadlineBreached:
    current = holder(appeal)
    return ev.DeadlineBreached(kind=kind, due_at=due, tier=current.tier, officer_id=current.officer_id, breached_at=now)
