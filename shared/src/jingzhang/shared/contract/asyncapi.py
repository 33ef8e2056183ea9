"""One AsyncAPI 3.0.0 document for every service's events, built from the catalog.

Built here rather than by FastStream's `AsyncAPI(broker)` because that generator models one
channel per publisher with one message called `Message`, declares no `parameters` for
`{aggregate_id}` in an address, gives messages no `contentType` of their own (only a document-wide
`application/json`, while ours are `application/cloudevents+json`), points `correlationId` at a
`correlation_id` header our wire form does not have, and keys shared schemas by their bare model
name across services. What we need is one channel per service and aggregate, with one message per
event type, each payload the full CloudEvents envelope.
"""

import uuid
from datetime import datetime
from typing import Any

from jingzhang.shared.contract.catalog import AggregateEvents, EventEntry, ServiceContract
from jingzhang.shared.contract.published import Controls, old_sample
from jingzhang.shared.contract.wire import envelope_schema
from jingzhang.shared.envelope import CLOUDEVENTS_CONTENT_TYPE, Envelope, StreamId, encode, schema_id
from jingzhang.shared.events import JsonDict
from jingzhang.shared.streams import stream_name

ASYNCAPI_VERSION = "3.0.0"
NATS_BINDING = {"nats": {"bindingVersion": "0.1.0"}}
SECURITY_SCHEME = "externalUser"
HEADERS_SCHEMA = "jingzhang.NatsHeaders"
EXAMPLE_TIME = datetime.fromisoformat("2026-03-02T09:30:00+08:00")
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def document(contracts: tuple[ServiceContract, ...], version: str, controls: Controls | None = None) -> JsonDict:
    schemas: JsonDict = {}
    messages: JsonDict = {}
    channels: JsonDict = {}
    operations: JsonDict = {}
    for contract in contracts:
        for agg in contract.aggregates:
            key = f"{contract.service}_{agg.aggregate_type}"
            entries = [EventEntry(contract.service, agg.aggregate_type, m) for m in agg.events]
            for entry in entries:
                messages[_message_key(entry)] = _message(entry, schemas, controls or {})
            channels[key] = _channel(contract, agg, entries)
            operations[f"publish_{key}"] = _operation(key, entries)
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": _info(contracts, version),
        "defaultContentType": CLOUDEVENTS_CONTENT_TYPE,
        "servers": _servers(),
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": messages,
            "schemas": dict(sorted({**schemas, HEADERS_SCHEMA: _headers()}.items())),
            "securitySchemes": {SECURITY_SCHEME: _security()},
        },
    }


def _info(contracts: tuple[ServiceContract, ...], version: str) -> JsonDict:
    services = "\n".join(
        f"- `{c.service}` (stream `{stream_name(c.service)}`, subjects `jz.{c.service}.evt.>`): {c.description}"
        for c in contracts
    )
    return {
        "title": "jingzhang events",
        "version": version,
        "description": (
            "Events of the enterprise police-chief (警长) system for subscribing government systems. Each message"
            " is a CloudEvents 1.0 structured-mode JSON document; the subject is"
            " `jz.<service>.evt.<aggregatetype>.<aggregateid>.<EventType>`. Deduplicate by `id`, apply per"
            " aggregate in `aggregateversion` order. See docs/subscribers.md.\n\n" + services
        ),
    }


def _servers() -> JsonDict:
    return {
        "jetstream": {
            "host": "{host}:{port}",
            "protocol": "nats",
            "description": (
                "NATS JetStream. Subscribing systems log in as the read-only user `external` and set the inbox"
                " prefix `_INBOX_external` (docs/subscribers.md); TLS as operations configure it."
            ),
            "variables": {
                "host": {"default": "localhost", "description": "The NATS host operations gives you."},
                "port": {"default": "4222"},
            },
            "security": [{"$ref": f"#/components/securitySchemes/{SECURITY_SCHEME}"}],
        }
    }


def _security() -> JsonDict:
    return {
        "type": "userPassword",
        "description": (
            "NATS user and password, as deployed (deploy/nats/auth.conf): user `external`, its password issued"
            " by the bureau's operations. It may create and use consumers on the JZ_* streams and nothing else."
        ),
    }


def _headers() -> JsonDict:
    """The NATS headers on every event message (the body is the whole CloudEvent; these are for routing)."""
    return {
        "type": "object",
        "description": "NATS message headers. Unknown headers may appear: ignore them.",
        "required": ["Content-Type"],
        "properties": {
            "Content-Type": {"const": CLOUDEVENTS_CONTENT_TYPE, "description": "CloudEvents structured mode."},
            "Nats-Msg-Id": {
                "type": "string",
                "format": "uuid",
                "description": "The event id, for JetStream's duplicate window. Absent on events republished"
                " from PostgreSQL after a stream was lost: deduplicate by the CloudEvent's `id`, always.",
            },
            "Nats-Expected-Last-Sequence": {
                "type": "string",
                "pattern": "^[0-9]+$",
                "description": "The producer's optimistic check on the stream's last sequence; informational.",
            },
            "traceparent": {
                "type": "string",
                "pattern": "^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$",
                "description": "W3C trace context of the publish; its trace id is the event's correlation id.",
            },
            "tracestate": {"type": "string", "description": "W3C trace state, when the trace has one."},
        },
    }


def _channel(contract: ServiceContract, agg: AggregateEvents, entries: list[EventEntry]) -> JsonDict:
    return {
        "address": f"jz.{contract.service}.evt.{agg.aggregate_type}.{{aggregate_id}}.{{event_type}}",
        "title": f"{contract.service} / {agg.aggregate_type}",
        "description": f"{agg.description} Stored in JetStream stream `{stream_name(contract.service)}`.",
        "parameters": {
            "aggregate_id": {"description": f"The {agg.aggregate_type}'s id (also the CloudEvents `aggregateid`)."},
            "event_type": {
                "enum": [e.model.event_type for e in entries],
                "description": "The event type; the CloudEvents `type` adds the schema version.",
            },
        },
        "messages": {_message_name(e): {"$ref": f"#/components/messages/{_message_key(e)}"} for e in entries},
        "bindings": {"nats": {}},
    }


def _operation(channel_key: str, entries: list[EventEntry]) -> JsonDict:
    return {
        "action": "send",
        "channel": {"$ref": f"#/channels/{channel_key}"},
        "summary": "The owning service publishes (through its relay, in commit order, once per event).",
        "messages": [{"$ref": f"#/channels/{channel_key}/messages/{_message_name(e)}"} for e in entries],
        "bindings": NATS_BINDING,
    }


def _message(entry: EventEntry, schemas: JsonDict, controls: Controls) -> JsonDict:
    schema_key = f"{entry.service}.{entry.model.event_type}.v{entry.model.schema_version}"
    schemas[schema_key] = _hoist(envelope_schema(entry), entry.service, schemas)
    doc = (entry.model.__doc__ or "").strip()
    message: JsonDict = {
        "name": _message_name(entry),
        "title": f"{entry.model.event_type} v{entry.model.schema_version}",
        "contentType": CLOUDEVENTS_CONTENT_TYPE,
        "headers": {"$ref": f"#/components/schemas/{HEADERS_SCHEMA}"},
        "payload": {"$ref": f"#/components/schemas/{schema_key}"},
        "correlationId": {"location": "$message.payload#/correlationid"},
        "bindings": {"nats": {}},
        "x-dataschema": _schema_url(entry),  # the payload schema's `$id`: an identifier, not an address
        "examples": [_example(entry, controls)],
    }
    if doc:
        message["summary"] = doc.splitlines()[0]
    return message


def _hoist(schema: JsonDict, service: str, schemas: JsonDict) -> JsonDict:
    """Move `$defs` into `components.schemas` (as `<service>.<Name>`) and point the refs there."""
    defs: JsonDict = schema.get("$defs", {})
    for name, definition in defs.items():
        key = f"{service}.{name}"
        moved = _rewrite_refs(definition, service)
        if key in schemas and schemas[key] != moved:
            raise ValueError(f"two different schemas of {service} are both named {name!r}")
        schemas[key] = moved
    body = {k: v for k, v in schema.items() if k not in ("$defs", "$schema", "$id")}
    return _rewrite_refs(body, service)  # type: ignore[no-any-return]


def _rewrite_refs(node: Any, service: str) -> Any:
    if isinstance(node, dict):
        return {
            k: (
                f"#/components/schemas/{service}.{v.removeprefix('#/$defs/')}"
                if k == "$ref"
                else _rewrite_refs(v, service)
            )
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rewrite_refs(v, service) for v in node]
    return node


def _message_name(entry: EventEntry) -> str:
    return f"{entry.model.event_type}_v{entry.model.schema_version}"


def _message_key(entry: EventEntry) -> str:
    return f"{entry.service}_{_message_name(entry)}"


def _schema_url(entry: EventEntry) -> str:
    return schema_id(entry.service, entry.model.event_type, entry.model.schema_version)


def _example(entry: EventEntry, controls: Controls) -> JsonDict:
    """One event as it travels: its headers and its CloudEvent, with sample data (no real person)."""
    import json

    key = entry.key
    env = Envelope(
        event_id=uuid.uuid5(uuid.NAMESPACE_URL, _schema_url(entry)),
        service=entry.service,
        stream=StreamId(entry.aggregate_type, "sample-1"),
        version=1,
        event_type=entry.model.event_type,
        schema_version=entry.model.schema_version,
        data=old_sample(key, envelope_schema(entry), controls),
        occurred_at=EXAMPLE_TIME,
        recorded_at=EXAMPLE_TIME,
        correlation_id=uuid.UUID("4bf92f35-77b3-4da6-a3ce-929d0e0e4736"),
        causation_id=None,
        actor="bureau:sample-user",
        position=1,
    )
    return {
        "name": f"{entry.model.event_type}_v{entry.model.schema_version}_sample",
        "summary": f"A sample `{entry.model.event_type}` v{entry.model.schema_version}, as published.",
        "headers": {
            "Content-Type": CLOUDEVENTS_CONTENT_TYPE,
            "Nats-Msg-Id": str(env.event_id),
            "traceparent": TRACEPARENT,
        },
        "payload": json.loads(encode(env)),
    }
