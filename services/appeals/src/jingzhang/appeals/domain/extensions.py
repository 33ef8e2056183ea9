"""Extensions: the holder asks, a leader of the enterprise approves or refuses (领导批办).

The leaders are the enterprise's own chiefs on the escalation ladder's upper rungs: its station chiefs
(所队长) and bureau leaders (局领导), A or B alike (AB角 are equals), at the holder's tier or above it,
never the one who asked. So a police chief's request goes to the enterprise's station chief or bureau
leader; a station chief's to the other station chief or a bureau leader; a bureau leader's to the
other bureau leader. The HTTP edge admits the same people: the `station_chief` role (recording their
own decision) and the `bureau` role (recording a leader's, naming them).

A refusal escalates one rung, with no extra time: if the holder says the time is not enough and a
leader will not give more, someone more senior has to take it on (the issue's "refused -> escalate").
"""

from datetime import datetime, timedelta

from jingzhang.appeals.domain import events as ev
from jingzhang.appeals.domain.commands import ApproveExtension, RefuseExtension, RequestExtension
from jingzhang.appeals.domain.escalation import escalate
from jingzhang.appeals.domain.guards import holder, open_appeal, text
from jingzhang.appeals.domain.policy import DEFAULT_TIME_LIMITS, TimeLimits
from jingzhang.appeals.domain.routing import LADDER, ChiefsSnapshot
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


LEADER_TIERS = (ChiefTier.STATION_CHIEF, ChiefTier.BUREAU_LEADER)
"""The rungs whose chiefs decide on extensions."""


def deciders(appeal: Appeal, chiefs: ChiefsSnapshot) -> tuple[str, ...]:
    """Who may decide on the holder's extension: the enterprise's leaders at the holder's tier or above."""
    at = LADDER.index(holder(appeal).tier)
    tiers = [t for t in LEADER_TIERS if LADDER.index(t) >= at]
    return tuple(o for t in tiers for o in chiefs.tier(t).officer_ids)


def _check_leader(
    appeal: Appeal, pending: PendingExtension, chiefs: ChiefsSnapshot, officer_id: str, field: str
) -> None:
    if chiefs.enterprise_id != appeal.enterprise_id:
        raise ValueError("the chiefs snapshot belongs to another enterprise")
    if officer_id == pending.requested_by:
        raise DomainRejected("延期不能由申请人自己决定 (nobody approves their own extension)", field=field)
    if officer_id not in deciders(appeal, chiefs):
        raise DomainRejected(
            f"延期由企业的所队长或局领导决定,且不低于承办人层级 ({officer_id} is not a station chief or bureau"
            f" leader of the enterprise at the {holder(appeal).tier} tier or above)",
            field=field,
            code="not_a_leader",
        )


def _within_policy(extra: timedelta, policy: TimeLimits) -> timedelta:
    if not ZERO < extra <= policy.max_extension:
        raise InvalidCommand(
            f"an extension must be more than nothing and at most {policy.max_extension}", field="extra"
        )
    return extra
