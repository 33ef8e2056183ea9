"""The appeals service's published language: its event registry, aggregate and contract."""

from jingzhang.appeals.domain.events import APPEAL_EVENTS
from jingzhang.appeals.domain.matters import MATTER, MATTER_EVENTS
from jingzhang.appeals.domain.recurring import RECURRING, RECURRING_EVENTS
from jingzhang.appeals.domain.state import APPEAL
from jingzhang.appeals.domain.time_limit_policy import POLICY_EVENTS, TIME_LIMITS
from jingzhang.shared.contract.catalog import AggregateEvents, ServiceContract
from jingzhang.shared.events import EventRegistry

SERVICE = "appeals"

REGISTRY = EventRegistry([*APPEAL_EVENTS, *POLICY_EVENTS, *RECURRING_EVENTS, *MATTER_EVENTS])

CONTRACT = ServiceContract(
    SERVICE,
    REGISTRY,
    (
        AggregateEvents(APPEAL.aggregate_type, APPEAL_EVENTS, "One enterprise appeal (诉求), from intake to close."),
        AggregateEvents(
            TIME_LIMITS.aggregate_type,
            POLICY_EVENTS,
            "The bureau's time limit per appeal category (办理时限), each change effective from a business day.",
        ),
        AggregateEvents(
            RECURRING.aggregate_type,
            RECURRING_EVENTS,
            "A recurring problem (同类诉求反复): similar appeals of one enterprise or one station's area.",
        ),
        AggregateEvents(
            MATTER.aggregate_type,
            MATTER_EVENTS,
            "A matter a chief reported up, the leader assigned and a unit carried out (上报、批办、落实).",
        ),
    ),
    "Enterprise appeals, their routing, time limits and escalation.",
)
