"""The evaluation service's own event types, for its store, its relay and its subscribers."""

from jingzhang.evaluation.domain.events import EVALUATION_EVENTS
from jingzhang.shared.events import EventRegistry

REGISTRY = EventRegistry(EVALUATION_EVENTS)
