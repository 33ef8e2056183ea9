"""Personal data in the patrols events: which fields are sealed for whom, and retries that still work once sealed.

Events are sealed as the event store seals them on append (`Protector`, here over an in-memory key
store) and decoded back, so the states below hold tokens exactly as a reloaded aggregate does.
"""

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from pydantic import BaseModel

from jingzhang.patrols.domain.activity import ActivityCommand, ActivityEvent, ActivityState, collect_appeal
from jingzhang.patrols.domain.common import VisitKind
from jingzhang.patrols.domain.hazard import HazardRectified, HazardState, HazardStatus, RecordHazard, decide_record
from jingzhang.patrols.domain.visit import GeoPoint, Proof, RecordVisit, VisitState, decide_record_visit
from jingzhang.patrols.events import REGISTRY
from jingzhang.shared.errors import DomainRejected
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.privacy import tokens
from jingzhang.shared.privacy.fields import Personal, PersonalKind
from jingzhang.shared.privacy.keystore import MemoryKeyStore
from jingzhang.shared.privacy.protect import Protector

from .samples import ACTIVITIES, APPEAL, COMMANDS, DAY, MONDAY, at, decide_activity

CONTACT = "contact/{enterprise_id}"
TEXT = PersonalKind.FREE_TEXT
EXPECTED = {
    "PatrolCompleted.findings": (TEXT, CONTACT),
    "PatrolCompleted.proof.photo_ref": (PersonalKind.PHOTO, CONTACT),
    "PatrolCompleted.proof.position": (PersonalKind.LOCATION, "officer/{officer_ids[0]}"),
    "HazardFound.description": (TEXT, CONTACT),
    "HazardRectified.measures": (TEXT, CONTACT),
    "DisputeMediated.parties": (PersonalKind.NAME, CONTACT),
    "DisputeMediated.outcome": (TEXT, CONTACT),
    "ForumHeld.collected_appeals.description": (TEXT, CONTACT),
}

START = at(MONDAY, 9)
NOW = START + timedelta(hours=3)
VISIT = RecordVisit(
    visit_id="visit-1",
    enterprise_id="ent-1",
    kind=VisitKind.JOINT_PATROL,
    officer_ids=("chief-a", "chief-b"),
    started_at=START,
    ended_at=START + timedelta(hours=2),
    location="east gate",
    person_times=5,
    findings="Mr Liu of the night shift reports the east gate unlit",
    proof=Proof(geo=GeoPoint(lat=32.7, lon=108.9), photo_ref="photos/visit-1.jpg"),
)
HAZARD = RecordHazard(
    hazard_id="hz-1",
    enterprise_id="ent-1",
    description="Mr Liu's lorry blocks the fire exit",
    found_on=DAY,
    rectification_due=DAY + timedelta(days=7),
    officer_ids=("chief-a",),
)


def _markers(model: type[BaseModel], prefix: str) -> dict[str, tuple[PersonalKind, str]]:
    found = {}
    for name, info in model.model_fields.items():
        marker = next((m for m in info.metadata if isinstance(m, Personal)), None)
        if marker is not None:
            found[f"{prefix}.{name}"] = (marker.kind, marker.subject)
        for inner in _models(info.annotation):
            found |= _markers(inner, f"{prefix}.{name}")
    return found


def _models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in getattr(annotation, "__args__", ()) for m in _models(arg)]


async def sealed(event: DomainEvent, keys: MemoryKeyStore | None = None) -> DomainEvent:
    """`event` as the store keeps it and a reload reads it: every personal value a token."""
    [document] = await Protector(keys or MemoryKeyStore()).serialise([event])
    return REGISTRY.decode(event.event_type, event.schema_version, json.loads(document))


def subject_of(value: str) -> str:
    token = tokens.parse(value)
    assert token is not None, f"not sealed: {value!r}"
    return token.subject


class TestWhatIsPersonal:
    def test_names_and_text_people_write_are_marked_and_nothing_else(self) -> None:
        found: dict[str, tuple[PersonalKind, str]] = {}
        for model in REGISTRY.models.values():
            found |= _markers(model, model.__name__)
        assert found == EXPECTED

    async def test_a_visit_is_sealed_as_the_enterprise_contacts_and_keeps_its_facts(self) -> None:
        [recorded] = decide_record_visit(VisitState(), VISIT, NOW)
        stored = await sealed(recorded)
        assert stored.model_dump(exclude={"findings", "proof"}) == recorded.model_dump(exclude={"findings", "proof"})
        assert subject_of(stored.findings) == "contact/ent-1"
        assert subject_of(stored.proof.photo_ref) == "contact/ent-1"
        assert stored.proof.geo is None

    async def test_where_a_visit_took_place_is_sealed_as_the_reporting_officers_whereabouts(self) -> None:
        keys = MemoryKeyStore()
        [recorded] = decide_record_visit(VisitState(), VISIT, NOW)
        stored = await sealed(recorded, keys)
        token = tokens.parse(stored.proof.position)
        assert token is not None, stored.proof.position
        assert (token.kind, token.subject) == (PersonalKind.LOCATION, "officer/chief-a")
        assert "32.7" not in stored.proof.position
        key = await keys.get_or_create("officer/chief-a")
        assert tokens.open_token(key, token) == "32.7,108.9"

    async def test_a_visit_recorded_before_the_place_was_sealed_reads_as_it_was(self) -> None:
        """Events of earlier releases carry `geo` in the clear: they decode unchanged, and a retry of such
        a report is still known by its other facts."""
        [recorded] = decide_record_visit(VisitState(), VISIT, NOW)
        document = json.loads(recorded.model_dump_json())
        document["proof"] = {"geo": {"lat": 32.7, "lon": 108.9}, "photo_ref": None}
        old = REGISTRY.decode(recorded.event_type, recorded.schema_version, document)
        assert old.proof == Proof(geo=GeoPoint(lat=32.7, lon=108.9))
        assert decide_record_visit(VisitState(recorded=old), VISIT, NOW) == []

    async def test_a_collected_appeal_is_sealed_for_its_own_enterprise(self) -> None:
        elsewhere = collect_appeal("forum-1", "f1-2", "ent-2", "Mr Liu's copper cable was stolen", "theft")
        stored = await sealed(ACTIVITIES[5].model_copy(update={"collected_appeals": (APPEAL, elsewhere)}))
        subjects = [subject_of(appeal.description) for appeal in stored.collected_appeals]
        assert subjects == ["contact/ent-1", "contact/ent-2"]

    async def test_the_measures_of_a_rectification_are_sealed(self) -> None:
        rectified = HazardRectified(
            hazard_id="hz-1",
            enterprise_id="ent-1",
            rectified_on=DAY,
            measures="Mr Liu moved his lorry",
            officer_ids=("chief-a",),
            on_time=True,
        )
        assert subject_of((await sealed(rectified)).measures) == "contact/ent-1"

    async def test_each_party_of_a_dispute_is_sealed_as_a_name(self) -> None:
        stored = await sealed(ACTIVITIES[0])
        parties = [tokens.parse(p) for p in stored.parties]
        assert [(t.kind, t.subject) for t in parties if t] == [(PersonalKind.NAME, "contact/ent-1")] * 2


class TestRetriesOnceSealed:
    """A reloaded report holds tokens, a retry plaintext: the retry is known by its other facts."""

    async def test_a_retried_visit_records_nothing(self) -> None:
        [recorded] = decide_record_visit(VisitState(), VISIT, NOW)
        assert decide_record_visit(VisitState(recorded=await sealed(recorded)), VISIT, NOW) == []

    async def test_a_visit_with_other_facts_under_the_same_id_is_still_refused(self) -> None:
        [recorded] = decide_record_visit(VisitState(), VISIT, NOW)
        state = VisitState(recorded=await sealed(recorded))
        with pytest.raises(DomainRejected, match="other facts"):
            decide_record_visit(state, replace(VISIT, person_times=6), NOW)

    async def test_a_retried_hazard_records_nothing_and_another_under_its_id_is_refused(self) -> None:
        [found] = decide_record(HazardState(), HAZARD, DAY)
        state = HazardState(found=await sealed(found), status=HazardStatus.OPEN)
        assert decide_record(state, HAZARD, DAY) == []
        with pytest.raises(DomainRejected, match="other facts"):
            decide_record(state, replace(HAZARD, found_on=DAY - timedelta(days=1)), DAY)

    @pytest.mark.parametrize(
        ("activity", "command"), list(zip(ACTIVITIES, COMMANDS, strict=True)), ids=lambda a: type(a).__name__
    )
    async def test_a_retried_activity_records_nothing(self, activity: ActivityEvent, command: ActivityCommand) -> None:
        state = ActivityState(recorded=await sealed(activity))
        assert decide_activity(state, command, DAY) == []

    async def test_a_dispute_with_another_outcome_flag_is_still_refused(self) -> None:
        state = ActivityState(recorded=await sealed(ACTIVITIES[0]))
        other = COMMANDS[0].model_copy(update={"agreement_reached": False})
        with pytest.raises(DomainRejected, match="other facts"):
            decide_activity(state, other, DAY)
