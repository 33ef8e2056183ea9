"""The patrols service's published language: its event registry, aggregates (`duty`, `visit`,
`hazard`, `activity`, `visit_cadence`) and contract."""

from jingzhang.patrols.domain import activity, duty, hazard, visit
from jingzhang.patrols.domain.activity import ACTIVITY_EVENTS, ActivityState
from jingzhang.patrols.domain.cadence_policy import POLICY_EVENTS, VISIT_CADENCE
from jingzhang.patrols.domain.duty import DUTY_EVENTS, DutyState
from jingzhang.patrols.domain.hazard import HAZARD_EVENTS, HazardState
from jingzhang.patrols.domain.visit import PatrolCompleted, VisitEvent, VisitState
from jingzhang.shared.aggregate import Aggregate
from jingzhang.shared.contract.catalog import AggregateEvents, ServiceContract, members
from jingzhang.shared.events import EventRegistry

SERVICE = "patrols"

REGISTRY = EventRegistry([*DUTY_EVENTS, PatrolCompleted, *HAZARD_EVENTS, *ACTIVITY_EVENTS, *POLICY_EVENTS])

DUTY: Aggregate[DutyState] = Aggregate("duty", DutyState(), duty.evolve)
VISIT: Aggregate[VisitState] = Aggregate("visit", VisitState(), visit.evolve)
HAZARD: Aggregate[HazardState] = Aggregate("hazard", HazardState(), hazard.evolve)
ACTIVITY: Aggregate[ActivityState] = Aggregate("activity", ActivityState(), activity.evolve)

CONTRACT = ServiceContract(
    SERVICE,
    REGISTRY,
    (
        AggregateEvents(DUTY.aggregate_type, DUTY_EVENTS, "A chief's visiting duty for one enterprise and period."),
        AggregateEvents(VISIT.aggregate_type, members(VisitEvent), "One recorded visit to an enterprise."),
        AggregateEvents(HAZARD.aggregate_type, HAZARD_EVENTS, "A safety hazard, from finding to verification."),
        AggregateEvents(ACTIVITY.aggregate_type, ACTIVITY_EVENTS, "A chief's recorded service activity."),
        AggregateEvents(
            VISIT_CADENCE.aggregate_type,
            POLICY_EVENTS,
            "The bureau's visit cadence per enterprise class, each change effective from a business day.",
        ),
    ),
    "Patrol visits, duties, hazards and service activities of the chiefs.",
)
