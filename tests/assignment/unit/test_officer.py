"""Given/when/then for the officer aggregate: enrolment, transfer, retirement, absences and return."""

from datetime import date, timedelta

import pytest

from jingzhang.assignment.domain.calendar import Interval, PartnerAbsences
from jingzhang.assignment.domain.commands import (
    DeclareAbsence,
    EndAbsence,
    EnrolOfficer,
    RetireOfficer,
    TransferOfficer,
)
from jingzhang.assignment.domain.events import (
    AbsenceDeclared,
    AbsenceEnded,
    OfficerRetired,
    OfficerTransferred,
    Slot,
    UnitKind,
)
from jingzhang.assignment.domain.officer import (
    OfficerStatus,
    away_intervals,
    declare_absence,
    end_absence,
    enrol_officer,
    evolve,
    retire_officer,
    transfer_officer,
)
from jingzhang.shared.errors import DomainRejected, InvalidCommand, NotFound

from .samples import ENTERPRISE_ID, OFFICERS, PC, T0, day, enrolled, given_officer, registered

PC_A, PC_B = OFFICERS[(PC, Slot.A)], OFFICERS[(PC, Slot.B)]


def declare(start: float, end: float, officer_id: str = PC_A) -> DeclareAbsence:
    return DeclareAbsence(officer_id=officer_id, starts_at=day(start), ends_at=day(end), reason="annual leave")


def declared(start: float, end: float, absence_id: str = "leave-1", officer_id: str = PC_A) -> AbsenceDeclared:
    return AbsenceDeclared(
        officer_id=officer_id, absence_id=absence_id, starts_at=day(start), ends_at=day(end), reason="annual leave"
    )


def partner_away(start: float, end: float) -> PartnerAbsences:
    return PartnerAbsences(PC_B, ENTERPRISE_ID, PC, (Interval(day(start), day(end)),))


TRANSFER = TransferOfficer(officer_id=PC_A, unit_kind=UnitKind.BRIGADE, unit_name="治安大队", position="大队长")
TRANSFERRED = OfficerTransferred(
    officer_id=PC_A, unit_kind=UnitKind.BRIGADE, unit_name="治安大队", position="大队长", effective_from=day(5)
)


class TestWhenUnenrolled:
    def test_enrolling_records_the_officer_with_contact_details_enrolled_today(self) -> None:
        cmd = EnrolOfficer(**enrolled(PC_A).model_dump(exclude={"enrolled_on"}))

        assert enrol_officer(given_officer(), cmd, now=T0) == [enrolled(PC_A)]

    def test_an_officer_enrolled_earlier_is_recorded_with_that_day(self) -> None:
        cmd = EnrolOfficer(**{**enrolled(PC_A).model_dump(), "enrolled_on": date(2023, 1, 3)})

        [event] = enrol_officer(given_officer(), cmd, now=T0)

        assert event == enrolled(PC_A).model_copy(update={"enrolled_on": date(2023, 1, 3)})

    def test_an_enrolment_dated_in_the_future_is_refused_naming_the_field(self) -> None:
        cmd = EnrolOfficer(**{**enrolled(PC_A).model_dump(), "enrolled_on": date(2024, 3, 3)})

        with pytest.raises(InvalidCommand) as refused:
            enrol_officer(given_officer(), cmd, now=T0)

        assert refused.value.field == "enrolled_on"

    def test_transfer_names_an_unknown_officer(self) -> None:
        with pytest.raises(NotFound):
            transfer_officer(given_officer(), TRANSFER, at=day(5))

    def test_an_absence_names_an_unknown_officer(self) -> None:
        with pytest.raises(NotFound):
            declare_absence(given_officer(), declare(1, 3), partners=[], absence_id="leave-1")


class TestWhenActive:
    def test_enrolling_the_same_again_is_a_retry_and_records_nothing(self) -> None:
        same = EnrolOfficer(**enrolled(PC_A).model_dump(exclude={"enrolled_on"}))

        assert enrol_officer(given_officer(enrolled(PC_A)), same, now=day(30)) == []

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"rank": "二级警长"}, "rank"),
            ({"unit_kind": UnitKind.BRIGADE}, "unit_kind"),
            ({"enrolled_on": date(2024, 1, 1)}, "enrolled_on"),
            ({"photo_ref": None}, "photo_ref"),
        ],
    )
    def test_enrolling_other_details_under_the_same_id_is_a_duplicate_naming_the_field(
        self, change: dict[str, object], field: str
    ) -> None:
        other = EnrolOfficer(**{**enrolled(PC_A).model_dump(), **change})

        with pytest.raises(DomainRejected) as refused:
            enrol_officer(given_officer(enrolled(PC_A)), other, now=day(1))

        assert (refused.value.code, refused.value.field) == ("duplicate", field)

    def test_a_transfer_records_the_new_unit(self) -> None:
        assert transfer_officer(given_officer(enrolled(PC_A)), TRANSFER, at=day(5)) == [TRANSFERRED]

    def test_a_transfer_to_the_same_post_records_nothing(self) -> None:
        state = given_officer(enrolled(PC_A), TRANSFERRED)

        assert transfer_officer(state, TRANSFER, at=day(5)) == []

    def test_retiring_records_it(self) -> None:
        cmd = RetireOfficer(officer_id=PC_A)

        assert retire_officer(given_officer(enrolled(PC_A)), cmd, at=day(9)) == [
            OfficerRetired(officer_id=PC_A, effective_from=day(9))
        ]

    def test_an_absence_is_declared(self) -> None:
        events = declare_absence(given_officer(enrolled(PC_A)), declare(1, 3), partners=[], absence_id="leave-1")

        assert events == [declared(1, 3)]

    def test_an_absence_starting_before_the_officer_was_enrolled_is_refused_naming_the_field(self) -> None:
        with pytest.raises(InvalidCommand) as refused:
            declare_absence(given_officer(enrolled(PC_A)), declare(-3, 1), partners=[], absence_id="leave-1")

        assert refused.value.field == "starts_at"
        assert "2024-03-01" in refused.value.reason

    def test_an_absence_ending_before_it_starts_is_refused_naming_the_field(self) -> None:
        with pytest.raises(InvalidCommand) as refused:
            declare_absence(given_officer(enrolled(PC_A)), declare(3, 1), partners=[], absence_id="leave-1")

        assert refused.value.field == "ends_at"

    def test_an_absence_overlapping_their_own_is_refused(self) -> None:
        state = given_officer(enrolled(PC_A), declared(1, 3))

        with pytest.raises(DomainRejected):
            declare_absence(state, declare(2, 4), partners=[], absence_id="leave-2")

    def test_a_retried_declaration_records_nothing_but_a_reused_id_is_refused(self) -> None:
        state = given_officer(enrolled(PC_A), declared(1, 3))

        assert declare_absence(state, declare(1, 3), partners=[], absence_id="leave-1") == []
        with pytest.raises(DomainRejected):
            declare_absence(state, declare(5, 6), partners=[], absence_id="leave-1")


class TestTheDoubleAbsenceRule:
    """A and B of one tier may never be away at the same time."""

    def test_the_second_absence_is_refused_naming_partner_enterprise_and_tier(self) -> None:
        with pytest.raises(DomainRejected) as refused:
            declare_absence(given_officer(enrolled(PC_A)), declare(2, 4), [partner_away(3, 5)], absence_id="leave-1")

        assert refused.value.code == "double_absence"
        for named in (PC_B, ENTERPRISE_ID, "police_chief"):
            assert named in refused.value.reason

    def test_back_to_back_absences_do_not_overlap(self) -> None:
        events = declare_absence(
            given_officer(enrolled(PC_A)), declare(1, 3), [partner_away(3, 5)], absence_id="leave-1"
        )

        assert events == [declared(1, 3)]

    def test_a_partner_away_at_another_time_is_no_obstacle(self) -> None:
        events = declare_absence(
            given_officer(enrolled(PC_A)), declare(1, 3), [partner_away(10, 12)], absence_id="leave-1"
        )

        assert events == [declared(1, 3)]


class TestReturning:
    def test_returning_early_ends_the_absence_and_shortens_the_time_away(self) -> None:
        state = given_officer(enrolled(PC_A), declared(1, 5))
        cmd = EndAbsence(officer_id=PC_A, absence_id="leave-1")

        events = end_absence(state, cmd, at=day(2))

        assert events == [AbsenceEnded(officer_id=PC_A, absence_id="leave-1", ended_at=day(2))]
        assert away_intervals(evolve(state, events[0])) == (Interval(day(1), day(2)),)

    def test_calling_an_absence_off_before_it_starts_leaves_no_time_away(self) -> None:
        state = given_officer(
            enrolled(PC_A), declared(1, 5), AbsenceEnded(officer_id=PC_A, absence_id="leave-1", ended_at=day(0))
        )

        assert away_intervals(state) == ()

    def test_ending_an_unknown_absence_is_not_found(self) -> None:
        with pytest.raises(NotFound):
            end_absence(given_officer(enrolled(PC_A)), EndAbsence(officer_id=PC_A, absence_id="nope"), at=day(1))

    def test_ending_twice_or_after_the_planned_end_records_nothing(self) -> None:
        ended = AbsenceEnded(officer_id=PC_A, absence_id="leave-1", ended_at=day(2))
        ending = EndAbsence(officer_id=PC_A, absence_id="leave-1")

        assert end_absence(given_officer(enrolled(PC_A), declared(1, 5), ended), ending, at=day(6)) == []
        assert end_absence(given_officer(enrolled(PC_A), declared(1, 5)), ending, at=day(6)) == []


class TestWhenRetired:
    RETIRED = (enrolled(PC_A), OfficerRetired(officer_id=PC_A, effective_from=day(1)))

    def test_retiring_again_records_nothing(self) -> None:
        state = given_officer(*self.RETIRED)

        assert state.status is OfficerStatus.RETIRED
        assert retire_officer(state, RetireOfficer(officer_id=PC_A), at=day(2)) == []

    def test_a_transfer_is_refused(self) -> None:
        with pytest.raises(DomainRejected) as refused:
            transfer_officer(given_officer(*self.RETIRED), TRANSFER, at=day(5))

        assert refused.value.code == "officer_retired"

    def test_an_absence_is_refused(self) -> None:
        with pytest.raises(DomainRejected) as refused:
            declare_absence(given_officer(*self.RETIRED), declare(3, 4), [], absence_id="leave-1")

        assert refused.value.code == "officer_retired"


def test_the_officer_fold_rejects_other_streams_events() -> None:
    with pytest.raises(TypeError):
        evolve(given_officer(), registered())


def test_intervals_are_half_open() -> None:
    start = day(1)
    interval = Interval(start, start + timedelta(hours=8))

    assert interval.contains(start)
    assert not interval.contains(start + timedelta(hours=8))
