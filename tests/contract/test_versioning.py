"""Exporting over a published contract: compatible changes pass, breaking ones need a new version and an upcaster."""

import json
from pathlib import Path

import pytest

from jingzhang.shared.contract.catalog import AggregateEvents, ServiceContract
from jingzhang.shared.contract.export import ContractBroken, export
from jingzhang.shared.contract.published import LOCK_FILE
from jingzhang.shared.events import DomainEvent, EventRegistry


class Counted(DomainEvent):
    tally_id: str
    amount: int


class CountedWithNote(DomainEvent):
    event_type = "Counted"
    tally_id: str
    amount: int
    note: str = ""


class CountedAsText(DomainEvent):
    event_type = "Counted"
    tally_id: str
    amount: str


class CountedV2(DomainEvent):
    """v2 splits `amount` into a quantity and a unit."""

    event_type = "Counted"
    schema_version = 2
    tally_id: str
    quantity: int
    unit: str


def contracts(model: type[DomainEvent], registry: EventRegistry | None = None) -> tuple[ServiceContract, ...]:
    registry = registry or EventRegistry([model])
    return (ServiceContract("demo", registry, (AggregateEvents("tally", (model,), "A tally."),), "Demo."),)


def lock(folder: Path) -> dict[str, str]:
    published: dict[str, str] = json.loads((folder / LOCK_FILE).read_text())["published"]
    return published


@pytest.fixture
def published(tmp_path: Path) -> Path:
    export(tmp_path, contracts(Counted))
    return tmp_path


class TestWhenATypeWasPublished:
    def test_its_schema_and_fingerprint_are_written(self, published: Path) -> None:
        assert list(lock(published)) == ["demo/Counted.v1"]
        assert (published / "schemas/demo/Counted.v1.json").exists()

    def test_a_new_optional_field_is_exported_under_the_same_version(self, published: Path) -> None:
        before = lock(published)["demo/Counted.v1"]
        export(published, contracts(CountedWithNote))
        assert lock(published)["demo/Counted.v1"] != before

    def test_a_type_change_under_the_same_version_is_refused(self, published: Path) -> None:
        with pytest.raises(ContractBroken, match=r"demo/Counted.v1/data/amount: type changed from integer to string"):
            export(published, contracts(CountedAsText))

    def test_a_new_version_without_an_upcaster_is_refused(self, published: Path) -> None:
        with pytest.raises(ContractBroken, match=r"demo/Counted.v1: a v1 sample no longer decodes: no upcaster"):
            export(published, contracts(CountedV2))

    def test_a_new_version_with_an_upcaster_keeps_the_old_one_published(self, published: Path) -> None:
        registry = EventRegistry([CountedV2])

        @registry.upcaster("Counted", 1)
        def _split(data: dict[str, object]) -> dict[str, object]:
            return {"tally_id": data["tally_id"], "quantity": data["amount"], "unit": "piece"}

        export(published, contracts(CountedV2, registry))
        assert list(lock(published)) == ["demo/Counted.v1", "demo/Counted.v2"]
        assert (published / "schemas/demo/Counted.v1.json").exists()
        assert (published / "schemas/demo/Counted.v2.json").exists()

    def test_an_upcaster_that_cannot_read_the_old_version_is_refused(self, published: Path) -> None:
        registry = EventRegistry([CountedV2])
        registry.upcaster("Counted", 1)(lambda data: {"tally_id": data["tally_id"]})
        with pytest.raises(ContractBroken, match="no longer decodes"):
            export(published, contracts(CountedV2, registry))

    def test_a_dropped_type_is_refused(self, published: Path) -> None:
        with pytest.raises(ContractBroken, match="no longer produced"):
            export(published, _other())

    def test_a_hand_edited_schema_file_is_caught(self, published: Path) -> None:
        path = published / "schemas/demo/Counted.v1.json"
        path.write_text(path.read_text().replace('"amount"', '"amount_x"'))
        with pytest.raises(ContractBroken, match="differs from its published fingerprint"):
            export(published, contracts(Counted))


class Other(DomainEvent):
    other_id: str


def _other() -> tuple[ServiceContract, ...]:
    return (ServiceContract("demo", EventRegistry([Other]), (AggregateEvents("other", (Other,), "Other."),), "Demo."),)
