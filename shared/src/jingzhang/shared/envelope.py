"""The event envelope: metadata around a payload, and its CloudEvents 1.0 structured-mode form.

On the wire (NATS) and in replays an event is one JSON document with
`Content-Type: application/cloudevents+json`. Context attributes carry ids and routing facts only;
personal data stays inside `data`.
"""

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jingzhang.shared.events import DomainEvent, EventRegistry, JsonDict

CLOUDEVENTS_CONTENT_TYPE = "application/cloudevents+json"
SUBJECT_ROOT = "jz"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


def check_token(value: str, what: str) -> str:
    """Subject tokens may not contain dots, spaces or wildcards."""
    if not _TOKEN.fullmatch(value):
        raise ValueError(f"{what} {value!r} must be 1-128 letters, digits, '_' or '-'")
    return value


@dataclass(frozen=True, slots=True)
class StreamId:
    """An aggregate's event stream: its type (e.g. `enterprise`) and id."""

    aggregate_type: str
    aggregate_id: str

    def __post_init__(self) -> None:
        check_token(self.aggregate_type, "aggregate type")
        check_token(self.aggregate_id, "aggregate id")

    def __str__(self) -> str:
        return f"{self.aggregate_type}-{self.aggregate_id}"


@dataclass(frozen=True, slots=True)
class Metadata:
    """What the caller knows about why an event happens: passed in, never invented by the domain."""

    actor: str
    correlation_id: uuid.UUID
    causation_id: uuid.UUID | None = None

    def caused_by(self, event: "Envelope") -> "Metadata":
        """Metadata for events written in reaction to `event`."""
        return Metadata(actor=self.actor, correlation_id=event.correlation_id, causation_id=event.event_id)


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event about to be appended: its payload, when it happened in domain time, and its id."""

    payload: DomainEvent
    occurred_at: datetime
    event_id: uuid.UUID = field(default_factory=uuid.uuid4)


@dataclass(frozen=True, slots=True)
class Envelope:
    """A recorded event."""

    event_id: uuid.UUID
    service: str
    stream: StreamId
    version: int
    event_type: str
    schema_version: int
    data: JsonDict
    occurred_at: datetime
    recorded_at: datetime
    correlation_id: uuid.UUID
    causation_id: uuid.UUID | None
    actor: str
    position: int = 0

    @property
    def subject(self) -> str:
        return event_subject(self.service, self.stream, self.event_type)

    def payload(self, registry: EventRegistry) -> DomainEvent:
        return registry.decode(self.event_type, self.schema_version, self.data)


def event_subject(service: str, stream: StreamId, event_type: str) -> str:
    """`jz.<service>.evt.<aggregate type>.<aggregate id>.<EventType>`: consumers filter on any token."""
    return f"{SUBJECT_ROOT}.{service}.evt.{stream.aggregate_type}.{stream.aggregate_id}.{event_type}"


def service_subjects(service: str) -> str:
    return f"{SUBJECT_ROOT}.{service}.evt.>"


def aggregate_subjects(service: str, aggregate_type: str) -> str:
    return f"{SUBJECT_ROOT}.{service}.evt.{aggregate_type}.>"


def ce_type(service: str, event_type: str, schema_version: int) -> str:
    return f"cn.jingzhang.{service}.{event_type}.v{schema_version}"


SCHEMA_NAMESPACE = "https://jingzhang.cn/contract/schemas/"
"""The project's namespace for published schemas: `<namespace><service>/<EventType>.v<N>.json` mirrors
`contract/schemas/`; an id, stable for as long as the version is published, not a place to fetch from."""


def schema_id(service: str, event_type: str, schema_version: int) -> str:
    """The `$id` of an event type's published JSON Schema, and the CloudEvents `dataschema` of its events."""
    return f"{SCHEMA_NAMESPACE}{service}/{event_type}.v{schema_version}.json"


def _parse_ce_type(value: str) -> tuple[str, str, int]:
    parts = value.split(".")
    if len(parts) != 5 or parts[:2] != ["cn", "jingzhang"] or not parts[4].startswith("v"):
        raise ValueError(f"not a jingzhang CloudEvents type: {value!r}")
    return parts[2], parts[3], int(parts[4][1:])


def to_cloudevent(env: Envelope) -> JsonDict:
    return {
        "specversion": "1.0",
        "id": str(env.event_id),
        "source": f"/jingzhang/{env.service}",
        "type": ce_type(env.service, env.event_type, env.schema_version),
        "subject": str(env.stream),
        "time": env.occurred_at.isoformat(),
        "datacontenttype": "application/json",
        "dataschema": schema_id(env.service, env.event_type, env.schema_version),
        "recordedtime": env.recorded_at.isoformat(),
        "aggregatetype": env.stream.aggregate_type,
        "aggregateid": env.stream.aggregate_id,
        "aggregateversion": env.version,
        "correlationid": str(env.correlation_id),
        "causationid": str(env.causation_id) if env.causation_id else None,
        "actor": env.actor,
        "position": env.position,
        "data": env.data,
    }


def encode(env: Envelope) -> bytes:
    doc = {k: v for k, v in to_cloudevent(env).items() if v is not None}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


def from_cloudevent(doc: dict[str, Any]) -> Envelope:
    """Events published before `dataschema` existed have none; one that names another schema is refused."""
    if doc.get("specversion") != "1.0":
        raise ValueError("specversion must be 1.0")
    service, event_type, schema_version = _parse_ce_type(str(doc["type"]))
    if "dataschema" in doc and doc["dataschema"] != schema_id(service, event_type, schema_version):
        raise ValueError(f"dataschema {doc['dataschema']!r} does not belong to type {doc['type']!r}")
    causation = doc.get("causationid")
    return Envelope(
        event_id=uuid.UUID(str(doc["id"])),
        service=service,
        stream=StreamId(str(doc["aggregatetype"]), str(doc["aggregateid"])),
        version=int(doc["aggregateversion"]),
        event_type=event_type,
        schema_version=schema_version,
        data=dict(doc.get("data") or {}),
        occurred_at=datetime.fromisoformat(str(doc["time"])),
        recorded_at=datetime.fromisoformat(str(doc["recordedtime"])),
        correlation_id=uuid.UUID(str(doc["correlationid"])),
        causation_id=uuid.UUID(str(causation)) if causation else None,
        actor=str(doc["actor"]),
        position=int(doc.get("position", 0)),
    )


def decode(body: bytes) -> Envelope:
    doc = json.loads(body)
    if not isinstance(doc, dict):
        raise ValueError("a CloudEvent must be a JSON object")
    return from_cloudevent(doc)
