"""Evaluation reads the other services' events through its own tolerant readers (`upstream`), as any
outside subscriber would: what a producer publishes decodes into them field for field, a field they do
not know is ignored, a type they do not declare is `Unread`, and every field and word they read is one
the published contract (`contract/schemas/<producer>/`) has.

The producers' own classes build the events here: tests stand above every layer, and this is the proof
that the readers take what the producers publish.
"""

import json
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest

from jingzhang.appeals.domain.events import (
    AppealEscalated,
    AppealMerged,
    AppealReferred,
    DepartmentReportedBack,
    ExtensionApproved,
)
from jingzhang.appeals.domain.vocabulary import EscalationReason, ReportOutcome
from jingzhang.assignment.domain.events import (
    AbsenceDeclared,
    ChiefRelieved,
    EnterpriseClass,
    EnterpriseClosed,
    EnterpriseReclassified,
    EnterpriseReinstated,
    EnterpriseSuspended,
    OfficerRetired,
    PoliceOfficeClosed,
    Slot,
)
from jingzhang.evaluation.projections.facts import PROJECTION as FACTS
from jingzhang.evaluation.upstream import appeals, assignment, patrols
from jingzhang.patrols.domain.activity import (
    CaseHandled,
    CaseKind,
    DisputeMediated,
    ServiceMode,
    ServiceOnBehalfHandled,
    TrainingHeld,
    TrainingKind,
)
from jingzhang.patrols.domain.duty import DutyReassigned, ReassignReason
from jingzhang.shared.events import DomainEvent, EventDecodeError
from jingzhang.shared.readers import PublishedEvent, Unread
from tests.evaluation.samples import PC, SC, at, enterprise, forum, office, officer, problem, reopened, small_year

CONTRACT = Path(__file__).resolve().parents[3] / "contract" / "schemas"
READERS: dict[str, tuple[type[PublishedEvent], ...]] = {
    assignment.PRODUCER: assignment.EVENTS,
    appeals.PRODUCER: appeals.EVENTS,
    patrols.PRODUCER: patrols.EVENTS,
}
DAY = date(2025, 6, 3)


def published() -> list[DomainEvent]:
    """One event of every type evaluation reads, as its producer builds it."""
    year = [step.payload for service in ("assignment", "appeals", "patrols") for step in small_year()[service]]
    more: list[DomainEvent] = [
        enterprise("e5", on=DAY).payload,  # business dates, entered later
        officer("o5", on=DAY).payload,
        office("e5", "office-5", on=DAY).payload,
        forum("f1", DAY, ("r1", "r2")).payload,
        reopened("a1", at(3, 6)).payload,
        problem("rp-1", DAY).payload,
        EnterpriseReclassified(
            enterprise_id="e1",
            previous_class=EnterpriseClass.CITY_KEY_PROJECT,
            enterprise_class=EnterpriseClass.SMALL_MICRO,
        ),
        EnterpriseSuspended(enterprise_id="e1", reason="audit"),
        EnterpriseReinstated(enterprise_id="e1"),
        EnterpriseClosed(enterprise_id="e1", reason="moved away"),
        ChiefRelieved(
            enterprise_id="e1", tier=PC, slot=Slot.A, officer_id="o1", effective_from=at(6, 1), reason="rota"
        ),
        PoliceOfficeClosed(enterprise_id="e1", office_id="office-1", reason="moved"),
        OfficerRetired(officer_id="o3", effective_from=at(9, 1)),
        AppealEscalated(
            from_tier=PC,
            to_tier=SC,
            officer_id="o2",
            slot_acting=Slot.B,
            informed_officer_ids=("o1",),
            reason=EscalationReason.DEADLINE_BREACHED,
            extra_time=timedelta(hours=24),
            escalated_at=at(3, 2),
        ),
        AppealReferred(department_id="dept-1", note="theirs", referred_by="o1", referred_at=at(3, 2)),
        DepartmentReportedBack(
            department_id="dept-1", outcome=ReportOutcome.DONE, note="done", recorded_by="clerk", reported_at=at(3, 4)
        ),
        ExtensionApproved(extra=timedelta(days=2), approved_by="o2", approved_at=at(3, 3)),
        AppealMerged(into_appeal_id="a1", merged_by="o1", merged_at=at(3, 5)),
        DutyReassigned(duty_id="d1", to_officer_id="o2", reason=ReassignReason.A_AWAY),
        DisputeMediated(
            activity_id="x1",
            enterprise_id="e1",
            officer_ids=("o1",),
            occurred_on=DAY,
            parties=["a firm", "a neighbour"],
            outcome="settled",
            agreement_reached=True,
        ),
        ServiceOnBehalfHandled(
            activity_id="x2",
            enterprise_id="e1",
            officer_ids=("o1",),
            occurred_on=DAY,
            item="permit",
            mode=ServiceMode.LEAD,
        ),
        CaseHandled(
            activity_id="x3",
            enterprise_id="e1",
            officer_ids=("o1", "o2"),
            occurred_on=DAY,
            police_case_number="2025-17",
            kind=CaseKind.ILLEGAL_OBSTRUCTION_OF_CONSTRUCTION,
        ),
        TrainingHeld(
            activity_id="x4",
            officer_ids=("o1",),
            occurred_on=DAY,
            kind=TrainingKind.FOUR_PREVENTIONS,
            attendees=9,
            topic="fire",
        ),
    ]
    return [*year, *more]


def wire(event: DomainEvent) -> dict[str, Any]:
    data: dict[str, Any] = event.model_dump(mode="json")
    return data


def read(event: DomainEvent, data: dict[str, Any] | None = None) -> DomainEvent:
    return FACTS.registry.decode(event.event_type, event.schema_version, wire(event) if data is None else data)


def within(part: Any, whole: Any) -> bool:
    """Whether every field of `part` is in `whole` with the same value (nested models and lists too)."""
    if isinstance(part, dict):
        return isinstance(whole, dict) and all(k in whole and within(v, whole[k]) for k, v in part.items())
    if isinstance(part, list):
        return isinstance(whole, list) and len(part) == len(whole) and all(map(within, part, whole))
    return bool(part == whole)


class TestWhatTheProducersPublish:
    def test_the_samples_cover_every_type_the_readers_declare(self) -> None:
        declared = {model.event_type for models in READERS.values() for model in models}

        assert {event.event_type for event in published()} == declared

    @pytest.mark.parametrize("event", published(), ids=lambda e: e.event_type)
    def test_decodes_into_the_reader_field_for_field(self, event: DomainEvent) -> None:
        reader = read(event)

        assert isinstance(reader, PublishedEvent)
        assert type(reader).__module__.startswith("jingzhang.evaluation.upstream.")
        assert within(reader.model_dump(mode="json"), wire(event))
        assert reader.model_dump(mode="json") != {}


class TestTolerance:
    @pytest.mark.parametrize("event", published(), ids=lambda e: e.event_type)
    def test_a_field_the_reader_does_not_know_is_ignored(self, event: DomainEvent) -> None:
        grown = {**wire(event), "introduced_later": {"any": ["shape"]}}

        assert read(event, grown) == read(event)

    def test_a_type_the_readers_do_not_declare_is_unread_with_its_fields(self) -> None:
        payload = FACTS.registry.decode("ChiefCommended", 1, {"enterprise_id": "e1", "officer_id": "o1"})

        assert isinstance(payload, Unread)
        assert (payload.type_name, payload.field("officer_id"), payload.field("enterprise_id")) == (
            "ChiefCommended",
            "o1",
            "e1",
        )

    def test_a_published_type_evaluation_does_not_read_is_unread_too(self) -> None:
        absence = AbsenceDeclared(
            officer_id="o1", absence_id="ab1", starts_at=at(5, 1), ends_at=at(5, 8), reason="training course"
        )

        payload = read(absence)

        assert isinstance(payload, Unread)
        assert (payload.type_name, payload.field("absence_id")) == ("AbsenceDeclared", "ab1")

    def test_a_version_newer_than_the_reader_is_refused(self) -> None:
        event = small_year()["assignment"][4].payload

        with pytest.raises(EventDecodeError, match="newer"):
            FACTS.registry.decode(event.event_type, event.schema_version + 1, wire(event))


def schema_of(producer: str, model: type[PublishedEvent]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The published data schema of `model`'s event, and the schema's definitions."""
    document = json.loads((CONTRACT / producer / f"{model.event_type}.v{model.schema_version}.json").read_text())
    definitions: dict[str, Any] = document["$defs"]
    return definitions[model.event_type], definitions


def enum_values(prop: dict[str, Any], definitions: dict[str, Any]) -> set[str]:
    return set(definitions[prop["$ref"].rsplit("/", 1)[-1]]["enum"])


READ_MODELS = [(producer, model) for producer, models in READERS.items() for model in models]


class TestTheContract:
    @pytest.mark.parametrize(("producer", "model"), READ_MODELS, ids=lambda x: getattr(x, "event_type", x))
    def test_every_field_a_reader_reads_is_published_and_required_where_the_reader_requires_it(
        self, producer: str, model: type[PublishedEvent]
    ) -> None:
        data, _ = schema_of(producer, model)

        assert set(model.model_fields) <= set(data["properties"])
        required = {name for name, field in model.model_fields.items() if field.is_required()}
        assert required <= set(data["required"])

    @pytest.mark.parametrize(("producer", "model"), READ_MODELS, ids=lambda x: getattr(x, "event_type", x))
    def test_the_readers_words_are_the_published_values(self, producer: str, model: type[PublishedEvent]) -> None:
        data, definitions = schema_of(producer, model)

        for name, field in model.model_fields.items():
            if isinstance(field.annotation, type) and issubclass(field.annotation, StrEnum):
                assert {w.value for w in field.annotation} == enum_values(data["properties"][name], definitions), name

    def test_a_forums_collected_appeals_carry_the_appeal_id_read(self) -> None:
        _, definitions = schema_of(patrols.PRODUCER, patrols.ForumHeld)

        assert set(patrols.CollectedAppeal.model_fields) <= set(definitions["CollectedAppeal"]["required"])
