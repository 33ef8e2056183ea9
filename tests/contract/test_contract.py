"""The committed contract/ folder: in step with the models, compatible with what it published, and true to the wire."""

import dataclasses
import filecmp
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from cloudevents.core.formats.json import JSONFormat

from jingzhang.app.services import contracts as catalog
from jingzhang.shared.contract.catalog import EventEntry, check_catalog, entries
from jingzhang.shared.contract.controls import CONTROLS
from jingzhang.shared.contract.export import current_entries, export, registries
from jingzhang.shared.contract.published import Published, contract_breaches
from jingzhang.shared.contract.samples import SAMPLE_TEXT
from jingzhang.shared.contract.wire import CONTEXT_ATTRIBUTES, envelope_schema, wire_model
from jingzhang.shared.envelope import decode, encode
from jingzhang.shared.events import EventRegistry

from .samples import envelope, payload

CONTRACT = Path(__file__).resolve().parents[2] / "contract"
CONTRACTS = catalog()
ENTRIES = entries(CONTRACTS)


def _differences(left: Path, right: Path) -> list[str]:
    def files(root: Path) -> set[str]:
        found = (p.relative_to(root) for p in root.rglob("*") if p.is_file())
        return {str(p) for p in found if "node_modules" not in p.parts}

    both = files(left) & files(right)
    changed = [f for f in sorted(both) if not filecmp.cmp(left / f, right / f, shallow=False)]
    return sorted(files(left) ^ files(right)) + changed


def test_the_committed_contract_is_in_step_with_the_models(tmp_path: Path, apis: dict[str, Any]) -> None:
    fresh = tmp_path / "contract"
    shutil.copytree(CONTRACT, fresh, ignore=shutil.ignore_patterns("node_modules"))  # old versions stay published
    export(fresh, catalog(), apis)
    differences = _differences(CONTRACT, fresh)
    assert not differences, f"contract/ is out of step ({differences[:5]}): run `jingzhang contract export`"


def test_every_registered_type_is_on_exactly_one_aggregate() -> None:
    check_catalog(CONTRACTS)
    assert len(ENTRIES) == sum(len(c.registry.models) for c in CONTRACTS) == len({e.key for e in ENTRIES})


def test_todays_models_are_compatible_with_every_published_schema() -> None:
    published = Published.read(CONTRACT)
    assert len(published.schemas) >= len(ENTRIES)
    found = contract_breaches(published, current_entries(CONTRACTS), registries(CONTRACTS), CONTROLS)
    assert not found, "incompatible with the published contract:\n" + "\n".join(map(str, found))


def test_the_asyncapi_document_names_every_current_message_with_its_envelope() -> None:
    doc = json.loads((CONTRACT / "asyncapi.json").read_text())
    assert doc["asyncapi"] == "3.0.0"
    messages = doc["components"]["messages"]
    assert len(messages) == len(ENTRIES)
    for entry in ENTRIES:
        message = messages[f"{entry.service}_{entry.model.event_type}_v{entry.model.schema_version}"]
        assert message["contentType"] == "application/cloudevents+json"
        payload_schema = doc["components"]["schemas"][message["payload"]["$ref"].rsplit("/", 1)[1]]
        assert payload_schema["properties"]["type"]["const"] == f"cn.jingzhang.{entry.key.replace('/', '.')}"


def test_channels_are_per_service_and_aggregate_with_subject_parameters() -> None:
    doc = json.loads((CONTRACT / "asyncapi.json").read_text())
    channel = doc["channels"]["appeals_appeal"]
    assert channel["address"] == "jz.appeals.evt.appeal.{aggregate_id}.{event_type}"
    assert set(channel["parameters"]) == {"aggregate_id", "event_type"}
    assert "AppealRaised" in channel["parameters"]["event_type"]["enum"]
    assert "try" not in json.dumps(doc["operations"]).lower()
    assert {op["action"] for op in doc["operations"].values()} == {"send"}


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.key)
class TestEverySampleOnTheWire:
    def test_it_round_trips_through_encode_and_decode(self, entry: EventEntry) -> None:
        event = payload(entry)
        env = envelope(entry, event)
        decoded = decode(encode(env))
        assert decoded == env
        assert decoded.payload(entry_registry(entry)) == event

    def test_the_official_cloudevents_library_reads_it(self, entry: EventEntry) -> None:
        env = envelope(entry, payload(entry))
        event = JSONFormat().read(None, encode(env))
        assert event.get_type() == f"cn.jingzhang.{entry.service}.{entry.model.event_type}.v1"
        assert event.get_id() == str(env.event_id)
        assert event.get_data() == env.data

    def test_it_matches_its_published_schema_model(self, entry: EventEntry) -> None:
        body = encode(envelope(entry, payload(entry)))
        wire_model(entry).model_validate_json(body)
        assert set(envelope_schema(entry)["properties"]) - {"data"} == CONTEXT_ATTRIBUTES

    def test_no_context_attribute_carries_payload_data(self, entry: EventEntry) -> None:
        assert leaks(encode(envelope(entry, payload(entry)))) == []


def leaks(body: bytes) -> list[str]:
    """Context attributes we never declared, or carrying the samples' personal text."""
    event = JSONFormat().read(None, body)
    context = {k: v for k, v in event.get_attributes().items() if k != "data"}
    return sorted(k for k, v in context.items() if k not in CONTEXT_ATTRIBUTES or SAMPLE_TEXT in str(v))


def test_the_leak_check_catches_a_name_in_the_context() -> None:
    entry = ENTRIES[0]
    env = envelope(entry, payload(entry))
    leaked = dataclasses.replace(env, actor=f"{SAMPLE_TEXT} (the reporter)")
    assert leaks(encode(leaked)) == ["actor"]
    assert SAMPLE_TEXT in json.dumps(env.data, ensure_ascii=False)  # the samples do carry the marker


def entry_registry(entry: EventEntry) -> EventRegistry:
    return registries(CONTRACTS)[entry.service]
