"""Raising an appeal: recorded, diverted to 110 if it is an emergency, and routed to a chief, or held by
the bureau's duty desk when nobody can be given it yet. Every appeal is accepted (有求必应).

A retried raise under the same id (the caller's idempotency key) records nothing: it answers what the
first recorded when it says the same thing, and is refused (`duplicate`) when it says something else.
"""

from datetime import datetime

from jingzhang.appeals.domain import events as ev
from jingzhang.appeals.domain.calendar import CLOCK_SKEW, EARLIEST, bureau_day
from jingzhang.appeals.domain.commands import RaiseAppeal
from jingzhang.appeals.domain.guards import text
from jingzhang.appeals.domain.policy import DEFAULT_TIME_LIMITS, TimeLimits
from jingzhang.appeals.domain.routing import ChiefsSnapshot, route, routed
from jingzhang.appeals.domain.state import Appeal, AppealState
from jingzhang.appeals.domain.time_limit_policy import DEFAULT_SCHEDULE, TimeLimitSchedule, limit_for
from jingzhang.appeals.domain.vocabulary import HoldReason
from jingzhang.shared.envelope import check_token
from jingzhang.shared.errors import DomainRejected, InvalidCommand
from jingzhang.shared.events import DomainEvent


def decide_raise(
    state: AppealState,
    cmd: RaiseAppeal,
    now: datetime,
    chiefs: ChiefsSnapshot | None,
    policy: TimeLimits = DEFAULT_TIME_LIMITS,
    schedule: TimeLimitSchedule = DEFAULT_SCHEDULE,
) -> list[DomainEvent]:
    """`chiefs`: the enterprise as this service knows it; None while assignment's events about it are
    still arriving (the appeal is held at the duty desk, and its receipt cannot be checked against the
    registration yet). `schedule`: the bureau's changes to the time limits; the one in force on the day
    the appeal was received applies."""
    if chiefs is not None and chiefs.enterprise_id != cmd.enterprise_id:
        raise ValueError("the chiefs snapshot belongs to another enterprise")
    appeal_id = _check_id(cmd.appeal_id)
    _token(cmd.enterprise_id, "enterprise_id")  # it names whose personal data the appeal holds
    raised = _raised(appeal_id, cmd, now, chiefs, policy, schedule)
    if isinstance(state, Appeal):
        return _retried(state, raised, cmd.received_at is not None)
    diverted = [ev.AppealDivertedTo110(diverted_at=now)] if cmd.emergency else []
    return [raised, *diverted, _routed_or_held(cmd, now, chiefs)]


def received_at(cmd: RaiseAppeal, now: datetime, chiefs: ChiefsSnapshot | None) -> datetime:
    """When the bureau received it: the caller's time, or now. Not in the future (beyond the clock skew
    allowed), nor before the enterprise was registered (on a day before its `registered_on`)."""
    given = cmd.received_at
    if given is None:
        return now
    if given > now + CLOCK_SKEW:
        raise InvalidCommand(
            f"受理时间晚于当前时间 (received_at {given.isoformat()} is in the future; now {now.isoformat()})",
            field="received_at",
        )
    if given < EARLIEST:
        raise InvalidCommand(
            f"受理时间早于 {EARLIEST.date()} (received_at {given.isoformat()} is before the scheme's records)",
            field="received_at",
        )
    registered_on = chiefs.registered_on if chiefs is not None else None
    if registered_on is not None and bureau_day(given) < registered_on:
        raise InvalidCommand(
            f"受理时间早于企业登记日 {registered_on} (received_at {given.isoformat()} is before the enterprise"
            " was registered)",
            field="received_at",
        )
    return given


def _routed_or_held(cmd: RaiseAppeal, now: datetime, chiefs: ChiefsSnapshot | None) -> DomainEvent:
    if chiefs is None:
        return ev.AppealHeldAtDutyDesk(reason=HoldReason.ENTERPRISE_NOT_YET_KNOWN, held_at=now)
    assignment = route(cmd.channel, chiefs)
    if assignment is None:
        return ev.AppealHeldAtDutyDesk(reason=HoldReason.NO_ACTING_CHIEF, held_at=now)
    return routed(assignment, now)


def _retried(appeal: Appeal, retry: ev.AppealRaised, receipt_given: bool) -> list[DomainEvent]:
    """Nothing more to record if the retry raises what was raised, judged on everything but personal data
    (the description and the name read back from the store are sealed tokens, never the words a retry
    carries); a receipt the retry leaves out is the first attempt's."""
    recorded = appeal.intake[0]
    assert isinstance(recorded, ev.AppealRaised)
    same = _facts(recorded) == _facts(retry) and (not receipt_given or retry.received == recorded.received)
    if not same:
        raise DomainRejected(
            f"诉求 {appeal.appeal_id} 已以不同内容提交"
            f" (appeal {appeal.appeal_id!r} was already raised with other content)",
            field="appeal_id",
            code="duplicate",
        )
    return []


def _facts(e: ev.AppealRaised) -> tuple[object, ...]:
    return (e.enterprise_id, e.channel, e.category, e.emergency)


def _check_id(appeal_id: str | None) -> str:
    if appeal_id is None:  # the handler names a new appeal
        raise InvalidCommand("an appeal is raised under an id", field="appeal_id")
    return _token(appeal_id, "appeal_id")


def _token(value: str, field: str) -> str:
    try:
        return check_token(value, field)
    except ValueError as exc:
        raise InvalidCommand(str(exc), field=field) from None


def _raised(
    appeal_id: str,
    cmd: RaiseAppeal,
    now: datetime,
    chiefs: ChiefsSnapshot | None,
    policy: TimeLimits,
    schedule: TimeLimitSchedule,
) -> ev.AppealRaised:
    limit_class = policy.limit_class(cmd.category, cmd.emergency)
    received = received_at(cmd, now, chiefs)
    limit = limit_for(policy, schedule, cmd.category, cmd.emergency, bureau_day(received))
    return ev.AppealRaised(
        appeal_id=appeal_id,
        enterprise_id=cmd.enterprise_id,
        channel=cmd.channel,
        category=cmd.category,
        description=text(cmd.description, "description"),
        raised_by=text(cmd.raised_by, "raised_by"),
        emergency=cmd.emergency,
        raised_at=now,
        limit_class=limit_class,
        time_limit=limit,
        first_response_within=policy.first_response_within(limit),
        warning_fraction=policy.warning_fraction,
        received_at=received,
    )
