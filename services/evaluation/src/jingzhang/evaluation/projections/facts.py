"""The `facts` read model: every other service's events, and evaluation's own, as the facts tables the
scorecards, the ranking and the figure table are computed from.

Convergence: each table is written from one source stream (an enterprise's, an appeal's, a duty's...),
keyed by that stream's ids, and every cross-stream link (a forum's appeals, a duty's visit, the chiefs
a spot-check answer is about) is joined when the facts are loaded. So the tables end in the same state
for any interleaving of the four services' streams that keeps each stream's own order.

Reading: the other services' events through evaluation's tolerant readers (`upstream`), its own with its
own models; an event of a type none of them declares is logged in `fact_events` and otherwise ignored.

Traceability: every applied event is logged in `fact_events` (its stream, type and times), and every
fact row keeps the id of the event it came from, so a number can list the events behind it.

Two clocks: the tables hold business times (when a span began, an appeal was received, work was done);
knowledge time is the `occurred_at` that `fact_events` logs for each event, joined by event id when
the facts are loaded (`loader`). Each table's `recorded_at` is the producer store's commit time, kept
for operators and read by no calculation: in a demo set in another year it runs on another clock.
"""

from collections.abc import Iterator

from jingzhang.evaluation.events import REGISTRY as OWN_EVENTS
from jingzhang.evaluation.events import SERVICE
from jingzhang.evaluation.projections import appeal_facts, assignment_facts, own_facts, work_facts
from jingzhang.evaluation.upstream import appeals, assignment, patrols
from jingzhang.shared.envelope import Envelope
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.projection import Projection, Source
from jingzhang.shared.readers import ReaderRegistry
from jingzhang.shared.statements import Plan, Statement, applying, sql

EVENT_LOG_SQL = """
CREATE TABLE IF NOT EXISTS fact_events (
    event_id        uuid PRIMARY KEY,
    service         text NOT NULL,
    aggregate_type  text NOT NULL,
    aggregate_id    text NOT NULL,
    version         integer NOT NULL,
    event_type      text NOT NULL,
    occurred_at     timestamptz NOT NULL,
    recorded_at     timestamptz NOT NULL,
    seq             bigint GENERATED ALWAYS AS IDENTITY  -- the order applied in: see `position`
);
CREATE INDEX IF NOT EXISTS fact_events_stream ON fact_events (service, aggregate_type, aggregate_id);
CREATE UNIQUE INDEX IF NOT EXISTS fact_events_seq ON fact_events (seq);
CREATE INDEX IF NOT EXISTS fact_events_occurred ON fact_events (occurred_at);
"""

READ_INDEXES_SQL = """
CREATE INDEX IF NOT EXISTS appeals_raised ON appeals (raised_at);
CREATE INDEX IF NOT EXISTS appeals_routed ON appeals (routed_at);
CREATE INDEX IF NOT EXISTS appeals_first_response ON appeals (first_response_at);
CREATE INDEX IF NOT EXISTS appeals_closed ON appeals (closed_at);
CREATE INDEX IF NOT EXISTS appeals_rating ON appeals (rating_at);
CREATE INDEX IF NOT EXISTS appeals_reopened ON appeals (appeal_id) WHERE reopened_at <> '{}';
CREATE INDEX IF NOT EXISTS duties_due ON duties (due_at);
CREATE INDEX IF NOT EXISTS duties_fulfilled ON duties (fulfilled_at);
CREATE INDEX IF NOT EXISTS activities_at ON activities (at);
CREATE INDEX IF NOT EXISTS ratings_period ON ratings (period);
CREATE INDEX IF NOT EXISTS spot_check_answers_answered ON spot_check_answers (answered_at);
"""
"""What a read of one period (`loader.Scope`) and the latest learned time (`loader.read_latest`) look up."""

SQL = "\n".join(
    (EVENT_LOG_SQL, assignment_facts.SQL, appeal_facts.SQL, work_facts.SQL, own_facts.SQL, READ_INDEXES_SQL)
)

_BY_SERVICE: dict[str, Plan] = {
    assignment.PRODUCER: assignment_facts.plan,
    appeals.PRODUCER: appeal_facts.plan,
    patrols.PRODUCER: work_facts.plan,
    SERVICE: own_facts.plan,
}

SOURCES = (
    Source("assignment", "enterprise"),
    Source("assignment", "officer"),
    Source("appeals", "appeal"),
    Source("appeals", "recurring_problem"),
    Source("patrols", "duty"),
    Source("patrols", "visit"),
    Source("patrols", "hazard"),
    Source("patrols", "activity"),
    Source("evaluation", "rating"),
    Source("evaluation", "spot_check"),
)


def reads() -> ReaderRegistry:
    """The upstream readers and evaluation's own events, in one registry that still decodes any other type
    to `Unread` (`EventRegistry.merge` would make a plain registry, which refuses them). Evaluation's own
    events have no upcasters; one added to `events.REGISTRY` must be registered here too."""
    registry = ReaderRegistry((*assignment.EVENTS, *appeals.EVENTS, *patrols.EVENTS))
    for model in OWN_EVENTS.models.values():
        registry.register(model)
    return registry


def plan(env: Envelope, payload: DomainEvent) -> Iterator[Statement]:
    """The statements an event causes (run set-based per batch by the kernel: `statements`)."""
    yield sql(
        "INSERT INTO fact_events (event_id, service, aggregate_type, aggregate_id, version, event_type, occurred_at,"
        " recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (event_id) DO NOTHING",
        env.event_id,
        env.service,
        env.stream.aggregate_type,
        env.stream.aggregate_id,
        env.version,
        env.event_type,
        env.occurred_at,
        env.recorded_at,
    )
    by_service = _BY_SERVICE.get(env.service)
    if by_service is not None:
        yield from by_service(env, payload)


apply, apply_many = applying(plan)


PROJECTION = Projection(
    name="facts",
    schema_sql=SQL,
    sources=SOURCES,
    registry=reads(),
    apply=apply,
    apply_many=apply_many,
    description="Officers, enterprises, chiefs, offices, appeals, duties, activities, ratings, spot checks",
)
