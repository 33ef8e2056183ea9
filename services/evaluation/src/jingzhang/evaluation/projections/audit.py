"""The `audit` read model: one row per event of every aggregate of the four services, answering "who did
what to which enterprise (or officer), when".

A row holds the envelope's facts (service, type, stream, actor, times, correlation) and the ids of the
enterprise and the officer the event concerns. The payload itself is never copied, so the trail holds
no personal data: only ids, which are not personal, and the actor, which is `role:token subject`.
"""

from collections.abc import Iterator

from jingzhang.shared.envelope import Envelope
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.projection import Projection, Source
from jingzhang.shared.readers import ReaderRegistry
from jingzhang.shared.statements import Statement, applying, sql

AUDITED: dict[str, tuple[str, ...]] = {
    "assignment": ("enterprise", "officer", "token_revocation"),
    "appeals": ("appeal", "time_limits", "recurring_problem", "matter"),
    "patrols": ("duty", "visit", "hazard", "activity", "visit_cadence"),
    "evaluation": ("rating", "spot_check", "ranking"),
    "notifications": ("group_webhook", "sms_template", "notification", "delivery"),
}
"""Every aggregate every service publishes, as the published contract's channels list them (a test
holds the two equal, so a new aggregate cannot go unaudited). Its events are read without models:
only the ids of the enterprise and the officer they concern."""

SQL = """
CREATE TABLE IF NOT EXISTS audit_events (
    event_id        uuid PRIMARY KEY,
    service         text NOT NULL,
    event_type      text NOT NULL,
    aggregate_type  text NOT NULL,
    aggregate_id    text NOT NULL,
    version         integer NOT NULL,
    enterprise_id   text,
    officer_id      text,
    actor           text NOT NULL,
    occurred_at     timestamptz NOT NULL,
    recorded_at     timestamptz NOT NULL,
    correlation_id  uuid NOT NULL,
    causation_id    uuid
);
CREATE INDEX IF NOT EXISTS audit_newest ON audit_events (recorded_at DESC, event_id DESC);
CREATE INDEX IF NOT EXISTS audit_by_enterprise ON audit_events (enterprise_id, recorded_at DESC, event_id DESC);
CREATE INDEX IF NOT EXISTS audit_by_officer ON audit_events (officer_id, recorded_at DESC, event_id DESC);
CREATE INDEX IF NOT EXISTS audit_by_actor ON audit_events (actor, recorded_at DESC, event_id DESC);
"""


def concerned(payload: DomainEvent, aggregate_type: str, aggregate_id: str, kind: str) -> str | None:
    """The id of the `kind` ("enterprise" or "officer") an event concerns: its payload's `<kind>_id` field,
    else its own stream's id when the aggregate is one, else None."""
    value = getattr(payload, f"{kind}_id", None)
    if isinstance(value, str) and value:
        return value
    return aggregate_id if aggregate_type == kind else None


def plan(env: Envelope, payload: DomainEvent) -> Iterator[Statement]:
    """One row per event (run set-based per batch by the kernel)."""
    stream = env.stream
    yield sql(
        "INSERT INTO audit_events VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        " ON CONFLICT (event_id) DO NOTHING",
        env.event_id,
        env.service,
        env.event_type,
        stream.aggregate_type,
        stream.aggregate_id,
        env.version,
        concerned(payload, stream.aggregate_type, stream.aggregate_id, "enterprise"),
        concerned(payload, stream.aggregate_type, stream.aggregate_id, "officer"),
        env.actor,
        env.occurred_at,
        env.recorded_at,
        env.correlation_id,
        env.causation_id,
    )


apply, apply_many = applying(plan)


def audit_projection() -> Projection:
    return Projection(
        name="audit",
        schema_sql=SQL,
        sources=tuple(Source(service, kind) for service, kinds in AUDITED.items() for kind in kinds),
        registry=ReaderRegistry(),
        apply=apply,
        apply_many=apply_many,
        description="Who did what to which enterprise or officer, when: one row per event, no payload",
    )


PROJECTION = audit_projection()
