"""Extensions: the holder asks, a bureau leader of the enterprise (A or B) approves or refuses.

A refusal escalates one rung, with no extra time: if the holder says the time is not enough and a
leader will not give more, someone more senior has to take it on (the issue's "refused -> escalate").
"""

from datetime import datetime, timedelta

from jingzhang.appeals.domain import events as ev
from jingzhang.appeals.domain.commands import ApproveExtension, RefuseExtension, RequestExtension
from jingzhang.appeals.domain.escalation import escalate
from jingzhang.appeals.domain.guards import holder, open_appeal, text
from jingzhang.appeals.domain.policy import DEFAULT_TIME_LIMITS, TimeLimits
from jingzhang.appeals.domain.routing import ChiefsSnapshot
from jingzhang.appeals.domain.state import Appeal, AppealState, PendingExtension
from jingzhang.appeals.domain.timer import ZERO
from jingzhang.appeals.domain.vocabulary import ChiefTier, EscalationReason
from jingzhang.shared.errors import DomainRejected, InvalidCommand
from jingzhang.shared.events import DomainEvent


def decide_request_extension(
    state: AppealState, cmd: RequestExtension, now: datetime, policy: TimeLimits = DEFAULT_TIME_LIMITS
) -> list[DomainEvent]:
    appeal = open_appeal(state)
    if appeal.pending_extension is not None:
        raise DomainRejected("an extension request is already waiting for a leader", code="pending")
    if cmd.requested_by != holder(appeal).officer_id:
        raise DomainRejected("only the chief holding the appeal may ask for more time", field="requested_by")
    return [
        ev.ExtensionRequested(
            extra=_within_policy(cmd.extra, policy),
            reason=text(cmd.reason, "reason"),
            requested_by=cmd.requested_by,
            requested_at=now,
        )
    ]


def decide_approve_extension(
    state: AppealState,
    cmd: ApproveExtension,
    now: datetime,
    chiefs: ChiefsSnapshot,
    policy: TimeLimits = DEFAULT_TIME_LIMITS,
) -> list[DomainEvent]:
    appeal, pending = _pending(state)
    _check_leader(appeal, pending, chiefs, cmd.approved_by, "approved_by")
    extra = _within_policy(cmd.extra if cmd.extra is not None else pending.extra, policy)
    return [ev.ExtensionApproved(extra=extra, approved_by=cmd.approved_by, approved_at=now)]


def decide_refuse_extension(
    state: AppealState, cmd: RefuseExtension, now: datetime, chiefs: ChiefsSnapshot
) -> list[DomainEvent]:
    appeal, pending = _pending(state)
    _check_leader(appeal, pending, chiefs, cmd.refused_by, "refused_by")
    refused = ev.ExtensionRefused(reason=text(cmd.reason, "reason"), refused_by=cmd.refused_by, refused_at=now)
    return [refused, *escalate(appeal, chiefs, EscalationReason.EXTENSION_REFUSED, ZERO, now)]


def _pending(state: AppealState) -> tuple[Appeal, PendingExtension]:
    appeal = open_appeal(state)
    if appeal.pending_extension is None:
        raise DomainRejected("no extension request is waiting", code="no_pending_extension")
    return appeal, appeal.pending_extension


def _check_leader(
    appeal: Appeal, pending: PendingExtension, chiefs: ChiefsSnapshot, officer_id: str, field: str
) -> None:
    if chiefs.enterprise_id != appeal.enterprise_id:
        raise ValueError("the chiefs snapshot belongs to another enterprise")
    if officer_id not in chiefs.tier(ChiefTier.BUREAU_LEADER).officer_ids:
        raise DomainRejected("only a bureau leader of the enterprise decides on extensions", field=field)
    if officer_id == pending.requested_by:
        raise DomainRejected("nobody approves their own extension", field=field)


def _within_policy(extra: timedelta, policy: TimeLimits) -> timedelta:
    if not ZERO < extra <= policy.max_extension:
        raise InvalidCommand(
            f"an extension must be more than nothing and at most {policy.max_extension}", field="extra"
        )
    return extra
