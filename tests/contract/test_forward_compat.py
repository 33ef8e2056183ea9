"""Forward compatibility: an event of today validates against every schema ever published for its type and
version (the lock's current entry and its history), because the schemas are open for additive change.

The case that made this a rule: `appeals/CallbackRecorded.v1` gained `enterprise_id`; under the v1 schema
published before, closed as it then was, a callback of today failed ("Additional properties are not
allowed"). The earlier schemas are kept (re-issued open, with their `$id`) under `contract/history/`.
"""

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from jingzhang.app.services import contracts as catalog
from jingzhang.shared.contract.catalog import EventEntry, entries
from jingzhang.shared.contract.export import export
from jingzhang.shared.contract.published import Published
from jingzhang.shared.contract.samples import resolve
from jingzhang.shared.envelope import decode, encode, schema_id
from jingzhang.shared.events import DomainEvent

from .samples import envelope, payload
from .test_versioning import Counted, CountedWithNote, contracts

CONTRACT = Path(__file__).resolve().parents[2] / "contract"
PUBLISHED = Published.read(CONTRACT)
ENTRIES = entries(catalog())
CALLBACK = "appeals/CallbackRecorded.v1"


def wire(entry: EventEntry) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(encode(envelope(entry, payload(entry))))
    return body


def errors(schema: dict[str, Any], body: dict[str, Any]) -> list[str]:
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)]


def data_fields(schema: dict[str, Any]) -> set[str]:
    return set(resolve(schema["properties"]["data"], schema).get("properties", {}))


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.key)
def test_todays_event_validates_against_every_schema_published_for_its_version(entry: EventEntry) -> None:
    schemas = PUBLISHED.every_schema(entry.key)
    assert schemas, f"{entry.key} is not published: run `jingzhang contract export`"
    body = wire(entry)
    assert (
        body["dataschema"]
        == schemas[-1]["$id"]
        == schema_id(entry.service, entry.model.event_type, entry.model.schema_version)
    )
    for schema in schemas:
        assert schema["$id"] == body["dataschema"]
        assert errors(schema, body) == []


def test_a_callback_of_today_validates_against_v1_as_published_before_it_had_enterprise_id() -> None:
    earlier = [s for s in PUBLISHED.every_schema(CALLBACK) if "enterprise_id" not in data_fields(s)]
    assert earlier, "the history keeps CallbackRecorded v1 from before enterprise_id"
    entry = next(e for e in ENTRIES if e.key == CALLBACK)
    body = wire(entry)
    assert body["data"]["enterprise_id"]
    assert [errors(schema, body) for schema in earlier] == [[] for _ in earlier]

    closed = json.loads(json.dumps(earlier[0]))  # as it was published then: data closed
    closed["$defs"]["CallbackRecorded"]["additionalProperties"] = False
    assert any("Additional properties are not allowed" in e for e in errors(closed, body))


def test_no_published_schema_closes_an_object() -> None:
    every = [s for key in PUBLISHED.fingerprints for s in PUBLISHED.every_schema(key)]
    assert len(every) > len(ENTRIES)
    assert [s["$id"] for s in every if '"additionalProperties": false' in json.dumps(s)] == []


def test_an_event_published_before_dataschema_still_decodes_and_validates() -> None:
    entry = ENTRIES[0]
    env = envelope(entry, payload(entry))
    body = wire(entry)
    del body["dataschema"]
    assert decode(json.dumps(body).encode()) == env
    assert errors(PUBLISHED.schemas[entry.key], body) == []


def test_an_event_naming_another_types_schema_is_refused() -> None:
    body = wire(ENTRIES[0]) | {"dataschema": schema_id("appeals", "Elsewhere", 1)}
    with pytest.raises(ValueError, match="dataschema"):
        decode(json.dumps(body).encode())


def test_a_compatible_change_keeps_the_schema_it_replaces_and_validates_against_it(tmp_path: Path) -> None:
    export(tmp_path, contracts(Counted))
    first = Published.read(tmp_path).schemas["demo/Counted.v1"]
    export(tmp_path, contracts(CountedWithNote))
    published = Published.read(tmp_path)
    assert published.every_schema("demo/Counted.v1") == [first, published.schemas["demo/Counted.v1"]]
    (entry,) = entries(contracts(CountedWithNote))
    event: DomainEvent = CountedWithNote(tally_id="t1", amount=2, note="更多")
    body = json.loads(encode(envelope(entry, event)))
    assert errors(first, body) == []
    export(tmp_path, contracts(CountedWithNote))  # again: nothing more to keep
    assert len(Published.read(tmp_path).every_schema("demo/Counted.v1")) == 2


def test_a_hand_edited_earlier_schema_is_caught(tmp_path: Path) -> None:
    export(tmp_path, contracts(Counted))
    export(tmp_path, contracts(CountedWithNote))
    (earlier,) = (tmp_path / "history/demo/Counted.v1").glob("*.json")
    earlier.write_text(earlier.read_text().replace('"amount"', '"amount_x"'))
    with pytest.raises(Exception, match="earlier schema file differs"):
        export(tmp_path, contracts(CountedWithNote))
