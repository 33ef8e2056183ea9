"""The wire form of one event type as a pydantic model, and from it the published JSON Schema.

The model mirrors `jingzhang.shared.envelope.to_cloudevent`: the CloudEvents 1.0 required
attributes, our extension attributes (ids and routing facts only, never personal data) and `data`,
the event type's payload model. It also validates what subscribers receive, so tests can check a
real encoded event against the very model the schema came from.

The published schemas are open for additive change: every object accepts properties it does not
declare (`additionalProperties: false` of the models is not published), so an event that gained an
optional field still validates against the schema of its version published before ("ignore what you
do not know", docs/subscribers.md). Each carries a stable `$id` (`envelope.schema_id`), which its
events name as their CloudEvents `dataschema`.
"""

import uuid
from typing import Any, Literal, cast

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, create_model

from jingzhang.shared.contract.catalog import EventEntry
from jingzhang.shared.envelope import CLOUDEVENTS_CONTENT_TYPE, ce_type, schema_id
from jingzhang.shared.events import JsonDict

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
TOKEN_PATTERN = r"^[A-Za-z0-9_-]{1,128}$"

# Every context attribute we put on the wire. A new one is a conscious change: the tests check
# that no attribute outside this set appears and that none carries payload (personal) data.
CONTEXT_ATTRIBUTES = frozenset(
    {
        "specversion", "id", "source", "type", "subject", "time", "datacontenttype", "dataschema", "recordedtime",
        "aggregatetype", "aggregateid", "aggregateversion", "correlationid", "causationid", "actor", "position",
    }
)  # fmt: skip


class CloudEventContext(BaseModel):
    """The attributes every jingzhang event carries; the per-type models fix `type`, `source` and `data`."""

    # Extension attributes may be added later without breaking subscribers that ignore them.
    model_config = ConfigDict(frozen=True, extra="allow")

    specversion: Literal["1.0"]
    id: uuid.UUID = Field(description="The event id: deduplicate by it (redeliveries and republishes reuse it).")
    subject: str = Field(description="`<aggregatetype>-<aggregateid>`: the aggregate stream the event belongs to.")
    time: AwareDatetime = Field(description="When it happened, in domain time.")
    datacontenttype: Literal["application/json"]
    recordedtime: AwareDatetime = Field(description="When the producing service recorded it.")
    aggregateid: str = Field(pattern=TOKEN_PATTERN, description="The aggregate's id, also a subject token.")
    aggregateversion: int = Field(ge=1, description="1, 2, 3, ... per aggregate: apply in this order.")
    correlationid: uuid.UUID = Field(description="Shared by every event of one business flow.")
    causationid: uuid.UUID | None = Field(default=None, description="The event that caused this one, if any.")
    actor: str = Field(description="Who or what caused it: an account or worker id, never a name.")
    position: int = Field(ge=0, description="The producer's store position; informational.")


def _const(value: str) -> Any:
    """`Literal[value]` for a value known only at run time."""
    return cast(Any, Literal)[value]


def wire_model(entry: EventEntry) -> type[BaseModel]:
    model = entry.model
    name = f"{model.event_type}V{model.schema_version}CloudEvent"
    return create_model(
        name,
        __base__=CloudEventContext,
        __doc__=f"`{model.event_type}` v{model.schema_version} as a CloudEvents 1.0 structured-mode event.",
        type=(_const(ce_type(entry.service, model.event_type, model.schema_version)), ...),
        source=(_const(f"/jingzhang/{entry.service}"), ...),
        aggregatetype=(_const(entry.aggregate_type), ...),
        dataschema=(
            _const(_id(entry)),
            Field(default=_id(entry), description="This schema's `$id`; absent on events published before it was."),
        ),
        data=(model, ...),
    )


def _id(entry: EventEntry) -> str:
    return schema_id(entry.service, entry.model.event_type, entry.model.schema_version)


def envelope_schema(entry: EventEntry) -> JsonDict:
    """The published JSON Schema (2020-12) of one event type and version, envelope and `data`."""
    schema = opened(wire_model(entry).model_json_schema())
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": _id(entry),
        "title": f"{entry.service}.{entry.model.event_type}.v{entry.model.schema_version}",
        "x-jingzhang": {
            "service": entry.service,
            "aggregateType": entry.aggregate_type,
            "eventType": entry.model.event_type,
            "schemaVersion": entry.model.schema_version,
            "contentType": CLOUDEVENTS_CONTENT_TYPE,
            "subject": f"jz.{entry.service}.evt.{entry.aggregate_type}.{{aggregate_id}}.{entry.model.event_type}",
        },
        **{k: v for k, v in schema.items() if k != "title"},
    }


def opened(node: Any) -> Any:
    """The schema without `additionalProperties: false` anywhere: open for additive change."""
    if isinstance(node, dict):
        return {k: opened(v) for k, v in node.items() if not (k == "additionalProperties" and v is False)}
    if isinstance(node, list):
        return [opened(v) for v in node]
    return node
