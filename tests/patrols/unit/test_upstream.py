"""Patrols' tolerant reader of the assignment service's events (`upstream.assignment`).

It must read what assignment publishes (built here with the producer's own classes: tests stand above
every layer), ignore what it does not use, let event types it does not know pass as `Unread`, and
ask of the published contract nothing it does not promise.
"""

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from jingzhang.assignment.domain import events as published
from jingzhang.patrols.domain.common import ZONE_TZ
from jingzhang.patrols.domain.vocabulary import ChiefTier, EnterpriseClass, Slot
from jingzhang.patrols.upstream import assignment as reader
from jingzhang.shared.events import DomainEvent, EventDecodeError
from jingzhang.shared.readers import Unread

CONTRACT = Path(__file__).parents[3] / "contract" / "schemas" / "assignment"
AT = datetime(2025, 3, 3, 9, tzinfo=ZONE_TZ)


def read(event: DomainEvent) -> DomainEvent:
    """What the reader makes of `event` as it travels: its JSON payload under its type name."""
    return reader.READS.decode(event.event_type, event.schema_version, event.model_dump(mode="json"))


class TestWhatAssignmentPublishes:
    def test_a_registration_is_read_for_its_class_only(self) -> None:
        registered = published.EnterpriseRegistered(
            enterprise_id="ent-1",
            name="Hengkou logistics park",
            credit_code="91610900MA70000000",
            address="Hengkou",
            industry="logistics",
            contact_name="Wang",
            contact_phone="13800000000",
            enterprise_class=published.EnterpriseClass.ABOVE_SCALE,
        )
        assert read(registered) == reader.EnterpriseRegistered(
            enterprise_id="ent-1", enterprise_class=EnterpriseClass.ABOVE_SCALE
        )

    def test_chiefs_are_read_in_patrols_own_words(self) -> None:
        assigned = published.ChiefAssigned(
            enterprise_id="ent-1",
            tier=published.ChiefTier.STATION_CHIEF,
            slot=published.Slot.B,
            officer_id="station-b",
            effective_from=AT,
        )
        relieved = published.ChiefRelieved(
            enterprise_id="ent-1",
            tier=published.ChiefTier.STATION_CHIEF,
            slot=published.Slot.B,
            officer_id="station-b",
            effective_from=AT,
            reason="transferred",
        )
        expected = {
            "enterprise_id": "ent-1",
            "tier": ChiefTier.STATION_CHIEF,
            "slot": Slot.B,
            "officer_id": "station-b",
            "effective_from": AT,
        }
        assert read(assigned) == reader.ChiefAssigned(**expected)
        assert read(relieved) == reader.ChiefRelieved(**expected)

    def test_a_registration_and_an_enrolment_are_read_with_their_business_days(self) -> None:
        data = {"enterprise_id": "ent-1", "enterprise_class": "small_micro", "registered_on": "2024-11-05"}
        assert reader.READS.decode("EnterpriseRegistered", 1, data) == reader.EnterpriseRegistered(
            enterprise_id="ent-1", enterprise_class=EnterpriseClass.SMALL_MICRO, registered_on=date(2024, 11, 5)
        )
        enrolled = {"officer_id": "chief-a", "name": "pii:1:name:officer/chief-a:x", "enrolled_on": "2024-12-01"}
        assert reader.READS.decode("OfficerEnrolled", 1, enrolled) == reader.OfficerEnrolled(
            officer_id="chief-a", enrolled_on=date(2024, 12, 1)
        )

    def test_events_recorded_before_business_days_were_published_are_read_without_them(self) -> None:
        enrolled = published.OfficerEnrolled(
            officer_id="chief-a",
            name="Li",
            unit_kind=published.UnitKind.STATION,
            unit_name="Hengkou station",
            position="community police",
            rank="first-class inspector",
            phone="13900000000",
            wechat_id="wx-li",
            photo_ref=None,
        )
        old = {k: v for k, v in enrolled.model_dump(mode="json").items() if k != "enrolled_on"}
        assert reader.READS.decode("OfficerEnrolled", 1, old) == reader.OfficerEnrolled(officer_id="chief-a")
        retired = published.OfficerRetired(officer_id="chief-a", effective_from=AT)
        assert read(retired) == reader.OfficerRetired(officer_id="chief-a", effective_from=AT)

    def test_absences_keep_their_instants(self) -> None:
        declared = published.AbsenceDeclared(
            officer_id="chief-a", absence_id="leave-1", starts_at=AT, ends_at=AT + timedelta(days=3), reason="leave"
        )
        ended = published.AbsenceEnded(officer_id="chief-a", absence_id="leave-1", ended_at=AT + timedelta(days=1))
        assert read(declared) == reader.AbsenceDeclared(
            officer_id="chief-a", absence_id="leave-1", starts_at=AT, ends_at=AT + timedelta(days=3)
        )
        assert read(ended) == reader.AbsenceEnded(
            officer_id="chief-a", absence_id="leave-1", ended_at=AT + timedelta(days=1)
        )

    @pytest.mark.parametrize(
        "event",
        [
            published.EnterpriseReclassified(
                enterprise_id="ent-1",
                previous_class=published.EnterpriseClass.SMALL_MICRO,
                enterprise_class=published.EnterpriseClass.CITY_KEY_PROJECT,
            ),
            published.EnterpriseSuspended(enterprise_id="ent-1", reason="renovation"),
            published.EnterpriseReinstated(enterprise_id="ent-1"),
            published.EnterpriseClosed(enterprise_id="ent-1", reason="moved away"),
        ],
        ids=lambda e: e.event_type,
    )
    def test_an_enterprise_lifecycle_event_is_read_under_its_own_name(self, event: DomainEvent) -> None:
        got = read(event)
        assert (type(got).__name__, got.model_dump()["enterprise_id"]) == (event.event_type, "ent-1")


class TestTolerance:
    def test_a_field_the_reader_does_not_use_is_ignored(self) -> None:
        data = {"enterprise_id": "ent-1", "enterprise_class": "small_micro", "hotline": "12345", "name": "Park"}
        got = reader.READS.decode("EnterpriseRegistered", 1, data)
        assert got == reader.EnterpriseRegistered(enterprise_id="ent-1", enterprise_class=EnterpriseClass.SMALL_MICRO)
        assert "hotline" not in got.model_dump()

    def test_an_event_type_the_reader_does_not_declare_is_unread_not_an_error(self) -> None:
        formed = published.TaskForceFormed(
            enterprise_id="ent-1", name="Hengkou task force", leader_officer_id="chief-a"
        )
        got = read(formed)
        assert isinstance(got, Unread)
        assert (got.type_name, got.field("leader_officer_id")) == ("TaskForceFormed", "chief-a")

    def test_a_type_assignment_may_add_later_is_unread_too(self) -> None:
        got = reader.READS.decode("EnterpriseRenamed", 1, {"enterprise_id": "ent-1", "name": "New name"})
        assert isinstance(got, Unread)
        assert (got.type_name, got.field("name")) == ("EnterpriseRenamed", "New name")

    def test_a_newer_version_of_a_declared_type_is_refused_until_the_reader_learns_it(self) -> None:
        with pytest.raises(EventDecodeError, match="newer than this build understands"):
            reader.READS.decode("ChiefAssigned", 2, {"enterprise_id": "ent-1"})

    def test_a_field_the_reader_uses_must_be_there(self) -> None:
        with pytest.raises(EventDecodeError, match="enterprise_class"):
            reader.READS.decode("EnterpriseRegistered", 1, {"enterprise_id": "ent-1"})


def _published(event_type: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((CONTRACT / f"{event_type}.v1.json").read_text())
    return schema


def _enum(schema: dict[str, Any], field: dict[str, Any]) -> list[str]:
    return list(schema["$defs"][field["$ref"].removeprefix("#/$defs/")]["enum"])


class TestAgainstThePublishedContract:
    @pytest.mark.parametrize("model", list(reader.READS.models.values()), ids=lambda m: m.__name__)
    def test_every_field_read_is_published_and_required_unless_the_reader_defaults_it(
        self, model: type[DomainEvent]
    ) -> None:
        schema = _published(model.__name__)
        data = schema["$defs"][model.__name__]
        assert set(model.model_fields) <= set(data["properties"])
        assert {name for name, f in model.model_fields.items() if f.is_required()} <= set(data["required"])

    @pytest.mark.parametrize(
        ("event_type", "field", "vocabulary"),
        [
            ("EnterpriseRegistered", "enterprise_class", EnterpriseClass),
            ("ChiefAssigned", "tier", ChiefTier),
            ("ChiefAssigned", "slot", Slot),
        ],
    )
    def test_patrols_words_are_the_published_values(self, event_type: str, field: str, vocabulary: Any) -> None:
        schema = _published(event_type)
        assert _enum(schema, schema["$defs"][event_type]["properties"][field]) == [v.value for v in vocabulary]
