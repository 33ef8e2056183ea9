"""The patrols service's own event types and aggregates, by stream: `duty`, `visit`, `hazard`, `activity`."""

from jingzhang.patrols.domain import activity, duty, hazard, visit
from jingzhang.patrols.domain.activity import ACTIVITY_EVENTS, ActivityState
from jingzhang.patrols.domain.duty import DUTY_EVENTS, DutyState
from jingzhang.patrols.domain.hazard import HAZARD_EVENTS, HazardState
from jingzhang.patrols.domain.visit import PatrolCompleted, VisitState
from jingzhang.shared.aggregate import Aggregate
from jingzhang.shared.events import EventRegistry

SERVICE = "patrols"

REGISTRY = EventRegistry([*DUTY_EVENTS, PatrolCompleted, *HAZARD_EVENTS, *ACTIVITY_EVENTS])

DUTY: Aggregate[DutyState] = Aggregate("duty", DutyState(), duty.evolve)
VISIT: Aggregate[VisitState] = Aggregate("visit", VisitState(), visit.evolve)
HAZARD: Aggregate[HazardState] = Aggregate("hazard", HazardState(), hazard.evolve)
ACTIVITY: Aggregate[ActivityState] = Aggregate("activity", ActivityState(), activity.evolve)
