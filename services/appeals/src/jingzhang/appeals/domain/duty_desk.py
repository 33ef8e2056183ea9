"""The bureau's duty desk (值班台): an appeal nobody could be given at intake waits here, listed as
unrouted, and goes to the acting chief as soon as one is known; its limits ran from receipt all along.

What ran out while it waited is recorded first, at the desk, so the chief it reaches is not charged
with time nobody could spend.
"""

from datetime import datetime

from jingzhang.appeals.domain.deadlines import passed_at_duty_desk
from jingzhang.appeals.domain.routing import ChiefsSnapshot, route, routed
from jingzhang.appeals.domain.state import Appeal, AppealState
from jingzhang.shared.events import DomainEvent


def decide_route_held(state: AppealState, now: datetime, chiefs: ChiefsSnapshot) -> list[DomainEvent]:
    """The routing, once the enterprise's chiefs have someone acting; nothing while they have not, and
    nothing for an appeal that is routed already or finished (closed or merged at the desk)."""
    if not isinstance(state, Appeal) or not state.unrouted:
        return []
    if chiefs.enterprise_id != state.enterprise_id:
        raise ValueError("the chiefs snapshot belongs to another enterprise")
    assignment = route(state.channel, chiefs)
    if assignment is None:
        return []
    return [*passed_at_duty_desk(state, now), routed(assignment, now)]
