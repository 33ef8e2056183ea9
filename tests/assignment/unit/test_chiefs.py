"""Given/when/then for the three chiefs: assignment, reassignment, relief, history and coverage."""

import pytest

from jingzhang.assignment.domain.calendar import Interval
from jingzhang.assignment.domain.chiefs import assign_chief, recheck_acting, relieve_chief, relieve_departed_officer
from jingzhang.assignment.domain.commands import AssignChief, RelieveChief
from jingzhang.assignment.domain.coverage import missing_tiers, shortfalls
from jingzhang.assignment.domain.enterprise import chiefs_at, holder, holder_at
from jingzhang.assignment.domain.events import (
    ActingChiefChanged,
    ChiefRelieved,
    ChiefTier,
    CoverageGapChanged,
    CoverageGapClosed,
    CoverageGapOpened,
    CoverageShortfallClosed,
    EnterpriseClass,
    EnterpriseClosed,
    EnterpriseSuspended,
    NobodyActing,
    NobodyActingEnded,
    OfficerRetired,
    Slot,
    TaskForceFormed,
    TaskForceMemberAdded,
    TaskForceMemberRemoved,
    UnitKind,
)
from jingzhang.shared.errors import DomainRejected, InvalidCommand, UnknownSubject
from jingzhang.shared.events import DomainEvent

from .samples import (
    ALL_TIERS,
    BL,
    ENTERPRISE_ID,
    OFFICERS,
    PC,
    SC,
    SPARE_STATION_OFFICER,
    T0,
    after,
    assigned,
    day,
    enrolled,
    gap_opened,
    given,
    given_officer,
    registered,
    serving,
    shortfall_opened,
    staffed,
)

PC_A, PC_B = OFFICERS[(PC, Slot.A)], OFFICERS[(PC, Slot.B)]


def assign(tier: ChiefTier, slot: Slot, officer_id: str) -> AssignChief:
    return AssignChief(enterprise_id=ENTERPRISE_ID, tier=tier, slot=slot, officer_id=officer_id)


def acting(
    tier: ChiefTier, officer_id: str | None, previous: str | None, reason: str, at: float = 0
) -> ActingChiefChanged:
    return ActingChiefChanged(
        enterprise_id=ENTERPRISE_ID,
        tier=tier,
        officer_id=officer_id,
        previous_officer_id=previous,
        reason=reason,
        effective_from=day(at),
    )


def relieved(tier: ChiefTier, slot: Slot, officer_id: str, reason: str, at: float) -> ChiefRelieved:
    return ChiefRelieved(
        enterprise_id=ENTERPRISE_ID, tier=tier, slot=slot, officer_id=officer_id, effective_from=day(at), reason=reason
    )


class TestAssigningWhenActive:
    def test_the_first_chief_of_a_tier_narrows_the_gap_and_becomes_the_acting_chief(self) -> None:
        state = given(registered(), gap_opened(*ALL_TIERS))

        events = assign_chief(state, assign(PC, Slot.A, PC_A), serving(PC_A), at=T0)

        reason = "police_chief A assigned"
        assert events == [
            assigned(PC, Slot.A),
            CoverageGapChanged(enterprise_id=ENTERPRISE_ID, missing=(BL, SC), reason=reason),
            shortfall_opened(PC),  # a key project's tier with its A and no B
            acting(PC, PC_A, None, reason),
        ]

    def test_the_last_missing_tier_closes_the_gap(self) -> None:
        state = given(
            registered(),
            gap_opened(*ALL_TIERS),
            assigned(BL, Slot.A),
            assigned(SC, Slot.A),
            CoverageGapChanged(enterprise_id=ENTERPRISE_ID, missing=(PC,), reason="station_chief A assigned"),
        )

        events = assign_chief(state, assign(PC, Slot.A, PC_A), serving(PC_A), at=T0)

        assert events[:2] == [
            assigned(PC, Slot.A),
            CoverageGapClosed(enterprise_id=ENTERPRISE_ID, reason="police_chief A assigned"),
        ]
        assert after(state, events).gap == frozenset()

    def test_a_b_chief_alone_covers_a_tier(self) -> None:
        state = given(
            registered(),
            gap_opened(*ALL_TIERS),
            assigned(BL, Slot.A),
            assigned(SC, Slot.A),
            CoverageGapChanged(enterprise_id=ENTERPRISE_ID, missing=(PC,), reason="station_chief A assigned"),
        )

        events = assign_chief(state, assign(PC, Slot.B, PC_B), serving(PC_B), at=T0)

        assert CoverageGapClosed(enterprise_id=ENTERPRISE_ID, reason="police_chief B assigned") in events

    def test_assigning_the_holder_again_records_nothing(self) -> None:
        assert assign_chief(given(staffed()), assign(PC, Slot.A, PC_A), serving(PC_A), at=T0) == []

    def test_one_officer_cannot_hold_two_slots_of_one_enterprise(self) -> None:
        with pytest.raises(DomainRejected) as refused:
            assign_chief(given(staffed()), assign(PC, Slot.B, PC_A), serving(PC_A), at=T0)

        assert refused.value.code == "already_chief"
        assert "police_chief A" in refused.value.reason

    def test_a_station_officer_cannot_be_the_bureau_leader_chief(self) -> None:
        officer = given_officer(enrolled(SPARE_STATION_OFFICER, UnitKind.STATION))

        with pytest.raises(InvalidCommand) as refused:
            assign_chief(given(registered()), assign(BL, Slot.A, SPARE_STATION_OFFICER), officer, at=T0)

        assert refused.value.field == "officer_id"

    def test_a_retired_officer_is_refused(self) -> None:
        officer = given_officer(enrolled(PC_A), OfficerRetired(officer_id=PC_A, effective_from=T0))

        with pytest.raises(DomainRejected) as refused:
            assign_chief(given(registered()), assign(PC, Slot.A, PC_A), officer, at=T0)

        assert refused.value.code == "officer_retired"

    def test_an_officer_never_enrolled_is_unknown_naming_the_field(self) -> None:
        with pytest.raises(UnknownSubject) as refused:
            assign_chief(given(registered()), assign(PC, Slot.A, PC_A), given_officer(), at=T0)

        assert (refused.value.code, refused.value.field) == ("unknown_officer", "officer_id")

    def test_reassigning_relieves_the_previous_holder_first_and_hands_over_acting(self) -> None:
        state = given(staffed(), acting(PC, PC_A, None, "assigned"))
        new = assign(PC, Slot.A, SPARE_STATION_OFFICER)

        events = assign_chief(state, new, serving(SPARE_STATION_OFFICER), at=day(10))

        reason = "police_chief A assigned"
        assert events == [
            relieved(PC, Slot.A, PC_A, "reassigned", at=10),
            assigned(PC, Slot.A, SPARE_STATION_OFFICER, at=day(10)),
            acting(PC, SPARE_STATION_OFFICER, PC_A, reason, at=10),
        ]

    def test_a_change_dated_before_the_slots_last_change_is_refused(self) -> None:
        state = given(
            staffed(),
            relieved(PC, Slot.A, PC_A, "reassigned", at=10),
            assigned(PC, Slot.A, SPARE_STATION_OFFICER, day(10)),
        )

        with pytest.raises(InvalidCommand) as refused:
            assign_chief(state, assign(PC, Slot.A, PC_A), serving(PC_A), at=day(5))

        assert refused.value.field == "effective_from"


class TestAssigningWhenSuspendedOrClosed:
    def test_a_suspended_enterprise_can_still_be_staffed(self) -> None:
        state = given(registered(), EnterpriseSuspended(enterprise_id=ENTERPRISE_ID, reason="x"))

        events = assign_chief(state, assign(PC, Slot.A, PC_A), serving(PC_A), at=T0)

        assert events[0] == assigned(PC, Slot.A)
        assert not any(isinstance(e, CoverageGapOpened | CoverageGapChanged) for e in events)

    def test_a_closed_enterprise_is_refused(self) -> None:
        state = given(registered(), EnterpriseClosed(enterprise_id=ENTERPRISE_ID, reason="x"))

        with pytest.raises(DomainRejected) as refused:
            assign_chief(state, assign(PC, Slot.A, PC_A), serving(PC_A), at=T0)

        assert refused.value.code == "enterprise_closed"


class TestHistory:
    """Reassignment is an event, never an overwrite: any past date has its answer."""

    def test_a_reassignment_is_answered_correctly_for_a_past_date(self) -> None:
        state = given(
            staffed(),
            relieved(PC, Slot.A, PC_A, "reassigned", at=10),
            assigned(PC, Slot.A, SPARE_STATION_OFFICER, day(10)),
        )

        assert holder_at(state, PC, Slot.A, day(5)) == PC_A
        assert holder_at(state, PC, Slot.A, day(10)) == SPARE_STATION_OFFICER
        assert holder_at(state, PC, Slot.A, day(-1)) is None
        assert holder(state, PC, Slot.A) == SPARE_STATION_OFFICER
        assert chiefs_at(state, day(5))[(PC, Slot.A)] == PC_A


class TestRelieving:
    def test_relieving_the_only_chief_of_a_tier_opens_a_gap_and_leaves_nobody_acting(self) -> None:
        state = given(staffed(), acting(PC, PC_A, None, "assigned"))
        cmd = RelieveChief(enterprise_id=ENTERPRISE_ID, tier=PC, slot=Slot.A, reason="rotation")

        events = relieve_chief(state, cmd, at=day(3))

        reason = "police_chief A relieved"  # the words written are sealed in ChiefRelieved only
        assert events == [
            relieved(PC, Slot.A, PC_A, "rotation", at=3),
            gap_opened(PC, reason=reason),
            CoverageShortfallClosed(enterprise_id=ENTERPRISE_ID, tier=PC, reason=reason),  # no chief: a gap
            acting(PC, None, PC_A, reason, at=3),
            NobodyActing(enterprise_id=ENTERPRISE_ID, tier=PC, since=day(3), reason=reason),
        ]

    def test_relieving_an_empty_slot_records_nothing(self) -> None:
        cmd = RelieveChief(enterprise_id=ENTERPRISE_ID, tier=PC, slot=Slot.B, reason="x")

        assert relieve_chief(given(staffed()), cmd, at=day(3)) == []


class TestRelievingADepartedOfficer:
    def test_an_officer_who_retires_is_relieved_and_the_gap_reopens(self) -> None:
        state = given(staffed(), acting(PC, PC_A, None, "assigned"))

        events = relieve_departed_officer(state, PC_A, day(20))

        assert events == [
            relieved(PC, Slot.A, PC_A, "officer_retired", at=20),
            gap_opened(PC, reason="officer_retired"),
            CoverageShortfallClosed(enterprise_id=ENTERPRISE_ID, tier=PC, reason="officer_retired"),
            acting(PC, None, PC_A, "officer_retired", at=20),
            NobodyActing(enterprise_id=ENTERPRISE_ID, tier=PC, since=day(20), reason="officer_retired"),
        ]

    def test_with_a_b_in_place_there_is_no_gap_and_b_takes_over(self) -> None:
        state = given(staffed(Slot.A, Slot.B), acting(PC, PC_A, None, "assigned"))

        events = relieve_departed_officer(state, PC_A, day(20), reason="officer_transferred")

        assert events == [
            relieved(PC, Slot.A, PC_A, "officer_transferred", at=20),
            shortfall_opened(PC, Slot.A, reason="officer_transferred"),
            acting(PC, PC_B, PC_A, "officer_transferred", at=20),
        ]

    def test_their_task_force_membership_ends_too(self) -> None:
        state = given(
            staffed(),
            TaskForceFormed(enterprise_id=ENTERPRISE_ID, name="专班", leader_officer_id=OFFICERS[(BL, Slot.A)]),
            TaskForceMemberAdded(enterprise_id=ENTERPRISE_ID, officer_id=PC_A, role="member"),
        )

        events = relieve_departed_officer(state, PC_A, day(20))

        assert TaskForceMemberRemoved(enterprise_id=ENTERPRISE_ID, officer_id=PC_A, reason="officer_retired") in events

    def test_an_enterprise_they_never_served_records_nothing(self) -> None:
        assert relieve_departed_officer(given(staffed()), SPARE_STATION_OFFICER, day(20)) == []

    def test_a_closed_enterprise_records_nothing(self) -> None:
        state = given(staffed(), EnterpriseClosed(enterprise_id=ENTERPRISE_ID, reason="x"))

        assert relieve_departed_officer(state, PC_A, day(20)) == []


class TestCoverageRule:
    def test_a_missing_b_is_no_gap_but_a_shortfall_of_a_key_project(self) -> None:
        state = given(staffed())

        assert missing_tiers(state, T0) == frozenset()
        assert shortfalls(state, T0) == dict.fromkeys(ALL_TIERS, Slot.B)

    def test_an_above_scale_enterprise_owes_a_and_b_too(self) -> None:
        state = given(registered(EnterpriseClass.ABOVE_SCALE), assigned(PC, Slot.B))

        assert shortfalls(state, T0) == {PC: Slot.A}

    def test_backups_are_not_expected_of_small_enterprises(self) -> None:
        state = given(registered(EnterpriseClass.SMALL_MICRO), *(assigned(t, Slot.A) for t in ALL_TIERS))

        assert shortfalls(state, T0) == {}

    def test_a_fully_paired_key_project_falls_short_nowhere(self) -> None:
        assert shortfalls(given(staffed(Slot.A, Slot.B)), T0) == {}


class TestAssigningNeverLeavesAAndBBothAway:
    """The A/B rule on the assignment path: a newcomer away while their partner in the tier is away is refused."""

    def test_a_b_away_while_the_a_is_away_is_refused_naming_both_the_dates_and_the_tier(self) -> None:
        absences = {PC_A: (Interval(day(2), day(5)),), PC_B: (Interval(day(4), day(8)),)}

        with pytest.raises(DomainRejected) as refused:
            assign_chief(given(staffed()), assign(PC, Slot.B, PC_B), serving(PC_B), absences, at=day(1))

        assert refused.value.code == "partners_both_away"
        for named in (PC_A, PC_B, "police_chief", "辖区警长", "2024-03-05 17:00 至 2024-03-06 17:00"):
            assert named in refused.value.reason

    def test_a_new_a_away_while_the_b_is_away_is_refused_too(self) -> None:
        absences = {SPARE_STATION_OFFICER: (Interval(day(2), day(5)),), PC_B: (Interval(day(3), day(4)),)}

        with pytest.raises(DomainRejected) as refused:
            assign_chief(
                given(staffed(Slot.A, Slot.B)),
                assign(PC, Slot.A, SPARE_STATION_OFFICER),
                serving(SPARE_STATION_OFFICER),
                absences,
                at=day(1),
            )

        assert refused.value.code == "partners_both_away"

    def test_an_a_relieved_from_a_later_date_is_the_partner_until_then(self) -> None:
        """A leaves from day 6: a B away on day 3 while A is away then is refused, one away on day 7 is not."""
        a_leaving = given(staffed(), relieved(PC, Slot.A, PC_A, "调整", at=6))
        absences = {PC_A: (Interval(day(2), day(8)),), PC_B: (Interval(day(3), day(4)),)}
        later = {PC_A: (Interval(day(2), day(8)),), PC_B: (Interval(day(7), day(8)),)}

        with pytest.raises(DomainRejected) as refused:
            assign_chief(a_leaving, assign(PC, Slot.B, PC_B), serving(PC_B), absences, at=day(1))
        events = assign_chief(a_leaving, assign(PC, Slot.B, PC_B), serving(PC_B), later, at=day(1))

        assert refused.value.code == "partners_both_away"
        assert events[0] == assigned(PC, Slot.B, at=day(1))

    def test_an_a_assigned_from_a_later_date_is_the_partner_from_then(self) -> None:
        a_coming = given(registered(), assigned(PC, Slot.A, at=day(6)))
        before = {PC_A: (Interval(day(2), day(8)),), PC_B: (Interval(day(3), day(4)),)}
        overlapping = {PC_A: (Interval(day(2), day(8)),), PC_B: (Interval(day(5), day(7)),)}

        events = assign_chief(a_coming, assign(PC, Slot.B, PC_B), serving(PC_B), before, at=day(1))
        with pytest.raises(DomainRejected) as refused:
            assign_chief(a_coming, assign(PC, Slot.B, PC_B), serving(PC_B), overlapping, at=day(1))

        assert events[0] == assigned(PC, Slot.B, at=day(1))
        assert refused.value.code == "partners_both_away"
        assert "2024-03-07 17:00 至 2024-03-08 17:00" in refused.value.reason  # only from A's first day

    def test_absences_that_overlapped_before_the_term_begins_do_not_count(self) -> None:
        absences = {PC_A: (Interval(day(2), day(5)),), PC_B: (Interval(day(4), day(8)),)}

        events = assign_chief(given(staffed()), assign(PC, Slot.B, PC_B), serving(PC_B), absences, at=day(5))

        assert events[0] == assigned(PC, Slot.B, at=day(5))

    def test_absences_at_different_times_are_no_obstacle(self) -> None:
        absences = {PC_A: (Interval(day(2), day(5)),), PC_B: (Interval(day(5), day(8)),)}

        events = assign_chief(given(staffed()), assign(PC, Slot.B, PC_B), serving(PC_B), absences, at=day(1))

        assert events[:2] == [
            assigned(PC, Slot.B, at=day(1)),
            CoverageShortfallClosed(enterprise_id=ENTERPRISE_ID, tier=PC, reason="police_chief B assigned"),
        ]


class TestAssigningWithinBusinessTime:
    def test_a_term_before_the_enterprise_was_registered_is_refused_naming_the_field(self) -> None:
        state = given(registered().model_copy(update={"registered_on": day(10).date()}))

        with pytest.raises(InvalidCommand) as refused:
            assign_chief(state, assign(PC, Slot.A, PC_A), serving(PC_A), at=day(9))

        assert refused.value.field == "effective_from"
        assert "2024-03-11" in refused.value.reason

    def test_a_term_before_the_officer_was_enrolled_is_refused_naming_the_field(self) -> None:
        officer = given_officer(enrolled(PC_A).model_copy(update={"enrolled_on": day(10).date()}))

        with pytest.raises(InvalidCommand) as refused:
            assign_chief(given(registered()), assign(PC, Slot.A, PC_A), officer, at=day(9))

        assert refused.value.field == "effective_from"

    def test_a_term_from_the_day_of_registration_is_accepted(self) -> None:
        events = assign_chief(given(registered()), assign(PC, Slot.A, PC_A), serving(PC_A), at=T0.replace(hour=0))

        assert events[0] == assigned(PC, Slot.A, at=T0.replace(hour=0))


class TestNobodyActing:
    """Never silence: a tier that had someone acting and has nobody is recorded when it begins and ends."""

    def nobody(self, at: float) -> list[DomainEvent]:
        return [
            *(acting(tier, OFFICERS[(tier, Slot.A)], None, "assigned") for tier in ALL_TIERS),
            acting(PC, None, PC_A, "absence started", at=at),  # both away: recorded before the A/B rule
        ]

    def test_a_recheck_records_nobody_acting_found_in_data_recorded_before_the_rule(self) -> None:
        state = given(staffed(Slot.A, Slot.B), *self.nobody(at=2))

        events = recheck_acting(
            state, {PC_A: (Interval(day(2), day(5)),), PC_B: (Interval(day(1), day(6)),)}, day(3), "r"
        )

        assert events == [NobodyActing(enterprise_id=ENTERPRISE_ID, tier=PC, since=day(2), reason="r")]

    def test_once_recorded_a_recheck_records_nothing_more(self) -> None:
        state = given(staffed(Slot.A, Slot.B), *self.nobody(at=2))
        recorded = recheck_acting(state, {PC_A: (Interval(day(2), day(5)),)}, day(3), "r")

        assert recheck_acting(after(state, recorded), {PC_A: (Interval(day(2), day(5)),)}, day(3), "r") == []

    def test_when_someone_acts_again_it_ends_naming_them(self) -> None:
        state = given(staffed(Slot.A, Slot.B), *self.nobody(at=2))
        state = after(state, [NobodyActing(enterprise_id=ENTERPRISE_ID, tier=PC, since=day(2), reason="r")])

        events = recheck_acting(state, {PC_A: (Interval(day(2), day(5)),)}, day(5), "absence leave-1 ended")

        assert events == [
            acting(PC, PC_A, None, "absence leave-1 ended", at=5),
            NobodyActingEnded(enterprise_id=ENTERPRISE_ID, tier=PC, officer_id=PC_A, reason="absence leave-1 ended"),
        ]

    def test_a_tier_never_staffed_is_a_gap_not_nobody_acting(self) -> None:
        events = recheck_acting(given(registered(), gap_opened(*ALL_TIERS)), {}, day(1), "r")

        assert events == []
