"""The wire form: CloudEvents 1.0 structured JSON that the official SDK reads, and the registry."""

import uuid
from datetime import UTC, datetime

import pytest
from cloudevents.core.formats.json import JSONFormat

from jingzhang.shared.envelope import Envelope, StreamId, decode, encode, event_subject
from jingzhang.shared.events import EventDecodeError, EventRegistry

from .sample import REGISTRY, Noted, Tallied

AT = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)


def envelope(**overrides: object) -> Envelope:
    values: dict[str, object] = {
        "event_id": uuid.UUID(int=7),
        "service": "appeals",
        "stream": StreamId("appeal", "a-1"),
        "version": 3,
        "event_type": "Noted",
        "schema_version": 1,
        "data": {"amount": 5, "label": "张三的诉求"},
        "occurred_at": AT,
        "recorded_at": AT,
        "correlation_id": uuid.UUID(int=8),
        "causation_id": None,
        "actor": "officer-1",
        "position": 42,
    }
    values.update(overrides)
    return Envelope(**values)  # type: ignore[arg-type]


def test_the_official_sdk_reads_our_events() -> None:
    event = JSONFormat().read(None, encode(envelope()))
    assert event.get_specversion() == "1.0"
    assert event.get_id() == str(uuid.UUID(int=7))
    assert event.get_type() == "cn.jingzhang.appeals.Noted.v1"
    assert event.get_source() == "/jingzhang/appeals"
    assert event.get_time() == AT
    assert event.get_extension("correlationid") == str(uuid.UUID(int=8))
    assert event.get_extension("aggregateversion") == 3
    assert event.get_data() == {"amount": 5, "label": "张三的诉求"}


def test_personal_data_stays_out_of_context_attributes() -> None:
    event = JSONFormat().read(None, encode(envelope()))
    context = {k: v for k, v in event.get_attributes().items() if k != "data"}
    assert "张三" not in repr(context)


def test_an_event_survives_the_wire_unchanged() -> None:
    original = envelope(causation_id=uuid.UUID(int=9))
    assert decode(encode(original)) == original


def test_subjects_name_service_aggregate_id_and_type() -> None:
    assert (
        event_subject("appeals", StreamId("appeal", "a-1"), "AppealRaised") == "jz.appeals.evt.appeal.a-1.AppealRaised"
    )
    with pytest.raises(ValueError, match="aggregate id"):
        StreamId("appeal", "a.1")


def test_the_registry_upcasts_and_refuses_what_it_cannot_read() -> None:
    assert REGISTRY.decode("Tallied", 1, {"value": 3}) == Tallied(amount=3, unit="piece")
    assert REGISTRY.decode("Noted", 1, {"amount": 1}) == Noted(amount=1)
    with pytest.raises(EventDecodeError, match="newer"):
        REGISTRY.decode("Noted", 2, {"amount": 1})
    with pytest.raises(EventDecodeError):
        REGISTRY.decode("Noted", 1, {"amount": "many"})
    with pytest.raises(EventDecodeError, match="no upcaster"):
        EventRegistry([Tallied]).decode("Tallied", 1, {"value": 3})
    assert set(REGISTRY.json_schemas()) == {"Noted.v1", "Tallied.v2"}
