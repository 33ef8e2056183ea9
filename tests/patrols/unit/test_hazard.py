"""The hazard stream: found -> rectified -> verified, and the overdue rectification."""

from dataclasses import replace
from datetime import date, timedelta

import pytest

from jingzhang.patrols.domain.hazard import (
    HazardFound,
    HazardRectificationOverdue,
    HazardRectified,
    HazardState,
    HazardStatus,
    HazardVerified,
    MarkRectificationOverdue,
    RecordHazard,
    RectifyHazard,
    VerifyHazard,
    decide_mark_overdue,
    decide_record,
    decide_rectify,
    decide_verify,
    evolve,
    is_rectification_overdue,
)
from jingzhang.shared.aggregate import fold
from jingzhang.shared.errors import DomainRejected, InvalidCommand
from jingzhang.shared.events import DomainEvent

FOUND_ON = date(2025, 3, 4)
DUE = date(2025, 3, 14)
RECORD = RecordHazard(
    hazard_id="hz-1",
    enterprise_id="ent-1",
    description="unlit lane behind the dormitory",
    found_on=FOUND_ON,
    rectification_due=DUE,
    officer_ids=("chief-a",),
    found_on_visit_id="visit-1",
)
FOUND = HazardFound(
    hazard_id="hz-1",
    enterprise_id="ent-1",
    description="unlit lane behind the dormitory",
    found_on_visit_id="visit-1",
    found_on=FOUND_ON,
    rectification_due=DUE,
    officer_ids=("chief-a",),
)


def given(*events: DomainEvent) -> HazardState:
    return fold(evolve, HazardState(), events)


def rectify(on: date) -> RectifyHazard:
    return RectifyHazard(hazard_id="hz-1", rectified_on=on, measures="lamps installed", officer_ids=("chief-a",))


def rectified(on: date, on_time: bool = True) -> HazardRectified:
    return HazardRectified(
        hazard_id="hz-1",
        enterprise_id="ent-1",
        rectified_on=on,
        measures="lamps installed",
        officer_ids=("chief-a",),
        on_time=on_time,
    )


def verify(on: date, visit_id: str = "visit-2") -> VerifyHazard:
    return VerifyHazard(hazard_id="hz-1", on_visit_id=visit_id, verified_on=on, officer_ids=("chief-b",))


OVERDUE = MarkRectificationOverdue("hz-1")


class TestWhenUnknown:
    def test_a_hazard_found_on_a_visit_is_recorded_with_its_deadline(self) -> None:
        assert decide_record(HazardState(), RECORD, FOUND_ON) == [FOUND]

    def test_a_reported_hazard_names_no_visit(self) -> None:
        (event,) = decide_record(HazardState(), replace(RECORD, found_on_visit_id=None), FOUND_ON)
        assert isinstance(event, HazardFound)
        assert event.found_on_visit_id is None

    def test_a_deadline_before_the_finding_is_invalid(self) -> None:
        command = replace(RECORD, rectification_due=FOUND_ON - timedelta(days=1))
        with pytest.raises(InvalidCommand) as refused:
            decide_record(HazardState(), command, FOUND_ON)
        assert refused.value.field == "rectification_due"

    def test_a_finding_in_the_future_is_invalid(self) -> None:
        with pytest.raises(InvalidCommand) as refused:
            decide_record(HazardState(), RECORD, FOUND_ON - timedelta(days=1))
        assert refused.value.field == "found_on"

    def test_it_cannot_be_rectified(self) -> None:
        with pytest.raises(DomainRejected, match="no such hazard"):
            decide_rectify(HazardState(), rectify(FOUND_ON), FOUND_ON)


class TestWhenOpen:
    state = given(FOUND)

    def test_recording_it_again_changes_nothing(self) -> None:
        assert decide_record(self.state, RECORD, FOUND_ON + timedelta(days=1)) == []

    def test_recording_other_facts_under_its_id_is_a_duplicate(self) -> None:
        with pytest.raises(DomainRejected, match="already recorded") as refused:
            decide_record(self.state, replace(RECORD, rectification_due=DUE + timedelta(days=1)), FOUND_ON)
        assert (refused.value.code, refused.value.field) == ("duplicate", "hazard_id")

    def test_rectifying_by_the_deadline_is_on_time(self) -> None:
        assert decide_rectify(self.state, rectify(DUE), DUE) == [rectified(DUE)]

    def test_it_cannot_be_verified_before_rectification(self) -> None:
        with pytest.raises(DomainRejected, match="not rectified"):
            decide_verify(self.state, verify(DUE), DUE)

    def test_it_is_not_overdue_on_its_deadline_day(self) -> None:
        assert not is_rectification_overdue(self.state, DUE)
        with pytest.raises(DomainRejected, match="due by"):
            decide_mark_overdue(self.state, OVERDUE, DUE)

    def test_the_day_after_its_deadline_it_is_overdue(self) -> None:
        after = DUE + timedelta(days=1)
        assert decide_mark_overdue(self.state, OVERDUE, after) == [
            HazardRectificationOverdue(
                hazard_id="hz-1", enterprise_id="ent-1", rectification_due=DUE, detected_on=after
            )
        ]

    def test_a_rectification_before_the_finding_is_invalid(self) -> None:
        with pytest.raises(InvalidCommand) as refused:
            decide_rectify(self.state, rectify(FOUND_ON - timedelta(days=1)), FOUND_ON)
        assert refused.value.field == "rectified_on"


class TestWhenOverdue:
    state = given(
        FOUND,
        HazardRectificationOverdue(
            hazard_id="hz-1", enterprise_id="ent-1", rectification_due=DUE, detected_on=DUE + timedelta(days=1)
        ),
    )

    def test_it_is_raised_once(self) -> None:
        assert self.state.status is HazardStatus.OVERDUE
        assert decide_mark_overdue(self.state, OVERDUE, DUE + timedelta(days=5)) == []

    def test_a_late_rectification_is_recorded_as_late(self) -> None:
        late = DUE + timedelta(days=3)
        assert decide_rectify(self.state, rectify(late), late) == [rectified(late, on_time=False)]


class TestWhenRectified:
    state = given(FOUND, rectified(date(2025, 3, 10)))

    def test_a_later_visit_verifies_it(self) -> None:
        assert decide_verify(self.state, verify(date(2025, 3, 12)), date(2025, 3, 12)) == [
            HazardVerified(
                hazard_id="hz-1",
                enterprise_id="ent-1",
                on_visit_id="visit-2",
                verified_on=date(2025, 3, 12),
                officer_ids=("chief-b",),
            )
        ]

    def test_a_verification_before_the_rectification_is_invalid(self) -> None:
        with pytest.raises(InvalidCommand) as refused:
            decide_verify(self.state, verify(date(2025, 3, 9)), date(2025, 3, 12))
        assert refused.value.field == "verified_on"

    def test_it_is_never_overdue_and_cannot_be_rectified_twice(self) -> None:
        assert decide_mark_overdue(self.state, OVERDUE, DUE + timedelta(days=1)) == []
        with pytest.raises(DomainRejected, match="already rectified"):
            decide_rectify(self.state, rectify(date(2025, 3, 11)), date(2025, 3, 11))


class TestWhenVerified:
    state = given(
        FOUND,
        rectified(date(2025, 3, 10)),
        *decide_verify(given(FOUND, rectified(date(2025, 3, 10))), verify(date(2025, 3, 12)), date(2025, 3, 12)),
    )

    def test_the_life_ends_verified_on_the_later_visit(self) -> None:
        assert (self.state.status, self.state.verified_on_visit_id) == (HazardStatus.VERIFIED, "visit-2")

    def test_the_same_verification_again_changes_nothing(self) -> None:
        assert decide_verify(self.state, verify(date(2025, 3, 12)), date(2025, 3, 12)) == []

    def test_another_verification_is_refused(self) -> None:
        with pytest.raises(DomainRejected, match="not rectified"):
            decide_verify(self.state, verify(date(2025, 3, 13), visit_id="visit-3"), date(2025, 3, 13))
