"""Raising an appeal: recorded, diverted to 110 if it is an emergency, and routed to a chief."""

from datetime import datetime

from jingzhang.appeals.domain import events as ev
from jingzhang.appeals.domain.commands import RaiseAppeal
from jingzhang.appeals.domain.guards import text
from jingzhang.appeals.domain.policy import DEFAULT_TIME_LIMITS, TimeLimits
from jingzhang.appeals.domain.routing import ChiefsSnapshot, route
from jingzhang.appeals.domain.state import AppealState, NoAppeal
from jingzhang.shared.envelope import check_token
from jingzhang.shared.errors import DomainRejected, InvalidCommand
from jingzhang.shared.events import DomainEvent


def decide_raise(
    state: AppealState,
    cmd: RaiseAppeal,
    now: datetime,
    chiefs: ChiefsSnapshot,
    policy: TimeLimits = DEFAULT_TIME_LIMITS,
) -> list[DomainEvent]:
    """Every appeal gets an answer (有求必应): refused only when nobody at all can be given it."""
    if not isinstance(state, NoAppeal):
        raise DomainRejected(f"appeal {cmd.appeal_id!r} was already raised", code="duplicate")
    if chiefs.enterprise_id != cmd.enterprise_id:
        raise ValueError("the chiefs snapshot belongs to another enterprise")
    appeal_id = _check_id(cmd.appeal_id)
    assignment = route(cmd.channel, chiefs)
    if assignment is None:
        raise DomainRejected("the enterprise has no acting chief at any tier yet", code="no_chief")
    raised = _raised(appeal_id, cmd, now, policy)
    routed = ev.AppealRouted(
        tier=assignment.tier,
        officer_id=assignment.officer_id,
        slot_acting=assignment.slot,
        informed_officer_ids=assignment.informed_officer_ids,
        routed_at=now,
    )
    diverted = [ev.AppealDivertedTo110(diverted_at=now)] if cmd.emergency else []
    return [raised, *diverted, routed]


def _check_id(appeal_id: str | None) -> str:
    if appeal_id is None:  # the handler names a new appeal
        raise InvalidCommand("an appeal is raised under an id", field="appeal_id")
    try:
        return check_token(appeal_id, "appeal id")
    except ValueError as exc:
        raise InvalidCommand(str(exc), field="appeal_id") from None


def _raised(appeal_id: str, cmd: RaiseAppeal, now: datetime, policy: TimeLimits) -> ev.AppealRaised:
    limit_class = policy.limit_class(cmd.category, cmd.emergency)
    limit = policy.limit(limit_class)
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
    )
