"""The assignment service's published language: its event registry, aggregates and contract."""

from jingzhang.assignment.domain import enterprise, officer
from jingzhang.assignment.domain.enterprise import EnterpriseState
from jingzhang.assignment.domain.events import ENTERPRISE_EVENTS, OFFICER_EVENTS
from jingzhang.assignment.domain.officer import OfficerState
from jingzhang.shared.aggregate import Aggregate
from jingzhang.shared.auth.revocations import AGGREGATE as TOKEN_REVOCATION
from jingzhang.shared.auth.revocations import TokenRevoked
from jingzhang.shared.contract.catalog import AggregateEvents, ServiceContract
from jingzhang.shared.events import EventRegistry

SERVICE = "assignment"

REGISTRY = EventRegistry([*ENTERPRISE_EVENTS, *OFFICER_EVENTS, TokenRevoked])
"""`TokenRevoked` is the kernel's (`shared.auth.revocations`), recorded here (`RECORDED_BY`): published as ours."""

ENTERPRISE: Aggregate[EnterpriseState] = Aggregate("enterprise", enterprise.INITIAL, enterprise.evolve)
OFFICER: Aggregate[OfficerState] = Aggregate("officer", officer.INITIAL, officer.evolve)

CONTRACT = ServiceContract(
    SERVICE,
    REGISTRY,
    (
        AggregateEvents(ENTERPRISE.aggregate_type, ENTERPRISE_EVENTS, "An enterprise: its class, status and chiefs."),
        AggregateEvents(OFFICER.aggregate_type, OFFICER_EVENTS, "A police officer: enrolment, posts, absences."),
        AggregateEvents(
            TOKEN_REVOCATION,
            (TokenRevoked,),
            "A revoked access token (one stream per token, named by a hash of its jti): every service refuses it"
            " until it expires.",
        ),
    ),
    "Who is the chief (警长) of which enterprise, and who acts while a chief is away.",
)
