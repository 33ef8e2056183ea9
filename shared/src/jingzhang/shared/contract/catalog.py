"""What the contract publishes: each service's registry, and which aggregate's stream carries each event type.

Each service declares its own `ServiceContract` (in its `events` module); the application layer
collects them (`jingzhang.app.services`), since only it knows the list of services.

The kernel's registries know event types but not their aggregates; the subjects
(`jz.<service>.evt.<aggregate_type>.<aggregate_id>.<EventType>`) need both, so the catalog pairs
each service's registry with its aggregates' event tuples. `check_catalog` fails the export when a
registered type is on no aggregate (or on two), so a new event cannot ship without a channel.
"""

from dataclasses import dataclass
from typing import get_args

from jingzhang.shared.events import DomainEvent, EventRegistry


@dataclass(frozen=True, slots=True)
class AggregateEvents:
    aggregate_type: str
    events: tuple[type[DomainEvent], ...]
    description: str


@dataclass(frozen=True, slots=True)
class ServiceContract:
    service: str
    registry: EventRegistry
    aggregates: tuple[AggregateEvents, ...]
    description: str


@dataclass(frozen=True, slots=True)
class EventEntry:
    """One published event type at its current schema version."""

    service: str
    aggregate_type: str
    model: type[DomainEvent]

    @property
    def key(self) -> str:
        """`<service>/<EventType>.v<N>`: the lock's key and the schema file's path under `schemas/`."""
        return f"{self.service}/{self.model.event_type}.v{self.model.schema_version}"


def members(union: object) -> tuple[type[DomainEvent], ...]:
    """The classes of an event union (`A | B`), or the one class when it is not a union."""
    members = get_args(union) or (union,)
    return tuple(m for m in members if isinstance(m, type) and issubclass(m, DomainEvent))


def check_catalog(contracts: tuple[ServiceContract, ...]) -> None:
    for contract in contracts:
        placed = [m.event_type for agg in contract.aggregates for m in agg.events]
        registered = sorted(contract.registry.models)
        if sorted(placed) != registered:
            raise ValueError(
                f"{contract.service}: event types on aggregates {sorted(placed)} differ from its registry {registered}"
            )


def entries(contracts: tuple[ServiceContract, ...]) -> list[EventEntry]:
    return [
        EventEntry(c.service, agg.aggregate_type, c.registry.model(m.event_type))
        for c in contracts
        for agg in c.aggregates
        for m in agg.events
    ]
