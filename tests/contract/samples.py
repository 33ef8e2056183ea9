"""Sample wire events for every published type ("controls"), built from each type's JSON Schema."""

import uuid
from datetime import UTC, datetime

from jingzhang.shared.contract.catalog import EventEntry
from jingzhang.shared.contract.controls import CONTROLS
from jingzhang.shared.contract.published import old_sample
from jingzhang.shared.contract.wire import envelope_schema
from jingzhang.shared.envelope import Envelope, StreamId
from jingzhang.shared.events import DomainEvent

AT = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)


def payload(entry: EventEntry) -> DomainEvent:
    return entry.model.model_validate(old_sample(entry.key, envelope_schema(entry), CONTROLS))


def envelope(entry: EventEntry, event: DomainEvent, version: int = 1, event_id: int = 1) -> Envelope:
    return Envelope(
        event_id=uuid.UUID(int=event_id), service=entry.service, stream=StreamId(entry.aggregate_type, "agg-7"),
        version=version, event_type=event.event_type, schema_version=event.schema_version,
        data=event.model_dump(mode="json"), occurred_at=AT, recorded_at=AT, correlation_id=uuid.UUID(int=99),
        causation_id=uuid.UUID(int=98), actor="officer-1", position=5,
    )  # fmt: skip
