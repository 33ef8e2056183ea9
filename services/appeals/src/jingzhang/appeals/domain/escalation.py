"""One rung up the enterprise's own chiefs: police chief -> station chief -> bureau leader."""

from datetime import datetime, timedelta

from jingzhang.appeals.domain import events as ev
from jingzhang.appeals.domain.guards import holder
from jingzhang.appeals.domain.routing import ChiefsSnapshot, escalation_target
from jingzhang.appeals.domain.state import Appeal
from jingzhang.appeals.domain.vocabulary import EscalationReason


def escalate(
    appeal: Appeal,
    chiefs: ChiefsSnapshot,
    reason: EscalationReason,
    extra_time: timedelta,
    at: datetime,
) -> list[ev.AppealEscalated]:
    """The event moving the appeal up, or nothing at the top of the ladder (the breach stays on record)."""
    current = holder(appeal)
    target = escalation_target(current.tier, chiefs)
    if target is None:
        return []
    return [
        ev.AppealEscalated(
            from_tier=current.tier,
            to_tier=target.tier,
            officer_id=target.officer_id,
            slot_acting=target.slot,
            informed_officer_ids=target.informed_officer_ids,
            reason=reason,
            extra_time=extra_time,
            escalated_at=at,
        )
    ]
