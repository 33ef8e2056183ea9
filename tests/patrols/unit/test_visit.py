"""The visit stream: a recorded visit must hang together, field by field."""

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from jingzhang.patrols.domain.common import VisitKind
from jingzhang.patrols.domain.visit import (
    GeoPoint,
    PatrolCompleted,
    Proof,
    RecordVisit,
    VisitState,
    decide_record_visit,
    evolve,
)
from jingzhang.shared.errors import DomainRejected, InvalidCommand

from .samples import MONDAY, at

START = at(MONDAY, 9)
NOW = START + timedelta(hours=3)
RECORD = RecordVisit(
    visit_id="visit-1",
    enterprise_id="ent-1",
    kind=VisitKind.JOINT_PATROL,
    officer_ids=("chief-a", "chief-b"),
    started_at=START,
    ended_at=START + timedelta(hours=2),
    location="east gate",
    person_times=5,
    findings="night lighting broken at the east gate",
    proof=Proof(geo=GeoPoint(lat=32.7, lon=108.9), photo_ref="photos/visit-1.jpg"),
)


def refused_field(command: RecordVisit, now: datetime = NOW) -> str | None:
    with pytest.raises(InvalidCommand) as refused:
        decide_record_visit(VisitState(), command, now)
    return refused.value.field


class TestWhenNew:
    def test_a_joint_patrol_is_recorded_with_everything_reported(self) -> None:
        (event,) = decide_record_visit(VisitState(), RECORD, NOW)
        assert isinstance(event, PatrolCompleted)
        assert (event.kind, event.officer_ids, event.person_times) == (
            VisitKind.JOINT_PATROL,
            ("chief-a", "chief-b"),
            5,
        )
        # the place as events record it: text, sealed on append as the reporting officer's
        assert event.proof == Proof(position="32.7,108.9", photo_ref=RECORD.proof.photo_ref)

    def test_proof_is_optional(self) -> None:
        (event,) = decide_record_visit(VisitState(), replace(RECORD, proof=None), NOW)
        assert isinstance(event, PatrolCompleted)
        assert event.proof is None

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"ended_at": START}, "ended_at"),
            ({"ended_at": START - timedelta(minutes=1)}, "ended_at"),
            ({"started_at": datetime(2025, 3, 3, 9)}, "started_at"),
            ({"started_at": datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14)))}, "started_at"),
            ({"ended_at": datetime(9999, 12, 31, 20, tzinfo=timezone(timedelta(hours=-10)))}, "ended_at"),
            ({"person_times": 1}, "person_times"),
            ({"person_times": 10_001}, "person_times"),
            ({"person_times": 10**30}, "person_times"),
            ({"findings": "x" * 2001}, "findings"),
            ({"location": "x" * 201}, "location"),
            ({"officer_ids": tuple(f"o-{n}" for n in range(101))}, "officer_ids"),
            ({"officer_ids": ()}, "officer_ids"),
            ({"officer_ids": ("chief-a", "chief-a")}, "officer_ids"),
            ({"location": "  "}, "location"),
            ({"enterprise_id": ""}, "enterprise_id"),
            ({"proof": Proof()}, "proof"),
            ({"proof": Proof(geo=GeoPoint(lat=95, lon=108.9))}, "proof.geo"),
            ({"proof": Proof(photo_ref=" ")}, "proof.photo_ref"),
        ],
    )
    def test_an_inconsistent_report_is_refused_naming_the_field(self, change: dict[str, object], field: str) -> None:
        assert refused_field(replace(RECORD, **change)) == field

    def test_a_visit_cannot_be_reported_before_it_ends(self) -> None:
        assert refused_field(RECORD, now=START + timedelta(hours=1)) == "ended_at"

    def test_a_reporters_clock_may_run_up_to_five_minutes_ahead(self) -> None:
        ends = RECORD.ended_at
        assert decide_record_visit(VisitState(), RECORD, ends - timedelta(minutes=5))
        assert refused_field(RECORD, now=ends - timedelta(minutes=5, seconds=1)) == "ended_at"

    def test_ten_thousand_person_times_on_one_patrol_are_recorded(self) -> None:
        (event,) = decide_record_visit(VisitState(), replace(RECORD, person_times=10_000), NOW)
        assert isinstance(event, PatrolCompleted)
        assert event.person_times == 10_000

    def test_a_report_without_its_id_is_refused(self) -> None:
        assert refused_field(replace(RECORD, visit_id=None)) == "visit_id"


class TestWhenRecorded:
    state = evolve(VisitState(), decide_record_visit(VisitState(), RECORD, NOW)[0])

    def test_the_same_report_again_changes_nothing(self) -> None:
        assert decide_record_visit(self.state, RECORD, NOW + timedelta(days=1)) == []

    def test_other_facts_under_the_same_id_are_a_duplicate(self) -> None:
        with pytest.raises(DomainRejected, match="already recorded") as refused:
            decide_record_visit(self.state, replace(RECORD, person_times=6), NOW)
        assert (refused.value.code, refused.value.field) == ("duplicate", "visit_id")

    def test_the_state_knows_the_recorded_visit(self) -> None:
        assert self.state.visit_id == "visit-1"
        with pytest.raises(LookupError):
            _ = VisitState().visit_id
