"""The assignment service's event registry and aggregate descriptors, as the kernel consumes them."""

from jingzhang.assignment.domain import enterprise, officer
from jingzhang.assignment.domain.enterprise import EnterpriseState
from jingzhang.assignment.domain.events import ENTERPRISE_EVENTS, OFFICER_EVENTS
from jingzhang.assignment.domain.officer import OfficerState
from jingzhang.shared.aggregate import Aggregate
from jingzhang.shared.events import EventRegistry

SERVICE = "assignment"

REGISTRY = EventRegistry([*ENTERPRISE_EVENTS, *OFFICER_EVENTS])

ENTERPRISE: Aggregate[EnterpriseState] = Aggregate("enterprise", enterprise.INITIAL, enterprise.evolve)
OFFICER: Aggregate[OfficerState] = Aggregate("officer", officer.INITIAL, officer.evolve)
