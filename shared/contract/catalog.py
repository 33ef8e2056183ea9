"""What the contract publishes: each service's registry, and which aggregate's stream carries each event type.

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


def _assignment() -> ServiceContract:
    from jingzhang.assignment.domain.events import ENTERPRISE_EVENTS, OFFICER_EVENTS
    from jingzhang.assignment.events import ENTERPRISE, OFFICER, REGISTRY

    return ServiceContract(
        "assignment",
        REGISTRY,
        (
            AggregateEvents(
                ENTERPRISE.aggregate_type, ENTERPRISE_EVENTS, "An enterprise: its class, status and chiefs."
            ),
            AggregateEvents(OFFICER.aggregate_type, OFFICER_EVENTS, "A police officer: enrolment, posts, absences."),
        ),
        "Who is the chief (警长) of which enterprise, and who acts while a chief is away.",
    )


def _appeals() -> ServiceContract:
    from jingzhang.appeals.domain.events import APPEAL_EVENTS
    from jingzhang.appeals.domain.state import APPEAL
    from jingzhang.appeals.events import REGISTRY

    return ServiceContract(
        "appeals",
        REGISTRY,
        (AggregateEvents(APPEAL.aggregate_type, APPEAL_EVENTS, "One enterprise appeal (诉求), from intake to close."),),
        "Enterprise appeals, their routing, time limits and escalation.",
    )


def _patrols() -> ServiceContract:
    from jingzhang.patrols.domain.activity import ACTIVITY_EVENTS
    from jingzhang.patrols.domain.duty import DUTY_EVENTS
    from jingzhang.patrols.domain.hazard import HAZARD_EVENTS
    from jingzhang.patrols.domain.visit import VisitEvent
    from jingzhang.patrols.events import ACTIVITY, DUTY, HAZARD, REGISTRY, VISIT

    return ServiceContract(
        "patrols",
        REGISTRY,
        (
            AggregateEvents(DUTY.aggregate_type, DUTY_EVENTS, "A chief's visiting duty for one enterprise and period."),
            AggregateEvents(VISIT.aggregate_type, _members(VisitEvent), "One recorded visit to an enterprise."),
            AggregateEvents(HAZARD.aggregate_type, HAZARD_EVENTS, "A safety hazard, from finding to verification."),
            AggregateEvents(ACTIVITY.aggregate_type, ACTIVITY_EVENTS, "A chief's recorded service activity."),
        ),
        "Patrol visits, duties, hazards and service activities of the chiefs.",
    )


def _evaluation() -> ServiceContract:
    from jingzhang.evaluation.domain.events import RankingEvent, RatingEvent, SpotCheckEvent
    from jingzhang.evaluation.domain.ranking_publication import RANKING
    from jingzhang.evaluation.domain.rating import RATING
    from jingzhang.evaluation.domain.spot_check import SPOT_CHECK
    from jingzhang.evaluation.events import REGISTRY

    return ServiceContract(
        "evaluation",
        REGISTRY,
        (
            AggregateEvents(RATING.aggregate_type, _members(RatingEvent), "One enterprise's rating of a chief."),
            AggregateEvents(SPOT_CHECK.aggregate_type, _members(SpotCheckEvent), "A satisfaction spot check."),
            AggregateEvents(RANKING.aggregate_type, _members(RankingEvent), "The published yearly ranking."),
        ),
        "Ratings, spot checks and the yearly ranking of chiefs.",
    )


def _members(union: object) -> tuple[type[DomainEvent], ...]:
    """The classes of an event union (`A | B`), or the one class when it is not a union."""
    members = get_args(union) or (union,)
    return tuple(m for m in members if isinstance(m, type) and issubclass(m, DomainEvent))


def catalog() -> tuple[ServiceContract, ...]:
    """Imported lazily: the kernel must stay importable without the services."""
    return (_assignment(), _appeals(), _patrols(), _evaluation())


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
