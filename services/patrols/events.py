"""The patrols service's own event types, by stream: `duty`, `visit`, `hazard`, `activity`."""

from jingzhang.patrols.domain.activity import ACTIVITY_EVENTS
from jingzhang.patrols.domain.duty import DUTY_EVENTS
from jingzhang.patrols.domain.hazard import HAZARD_EVENTS
from jingzhang.patrols.domain.visit import PatrolCompleted
from jingzhang.shared.events import EventRegistry

REGISTRY = EventRegistry([*DUTY_EVENTS, PatrolCompleted, *HAZARD_EVENTS, *ACTIVITY_EVENTS])
