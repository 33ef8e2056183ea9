"""The appeals service's own event types, for the store, the relay and every consumer."""

from jingzhang.appeals.domain.events import APPEAL_EVENTS
from jingzhang.shared.events import EventRegistry

REGISTRY = EventRegistry(APPEAL_EVENTS)
