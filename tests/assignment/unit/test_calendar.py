"""The duty calendar: A away -> B acts -> A returns, with acting-chief events and past-date answers."""

import pytest

from jingzhang.assignment.domain.calendar import Interval, acting_chief, partners_of, refuse_double_absence
from jingzhang.assignment.domain.chiefs import assign_chief, recheck_acting, relieve_chief
from jingzhang.assignment.domain.commands import AssignChief, DeclareAbsence, EndAbsence, RelieveChief
from jingzhang.assignment.domain.enterprise import EnterpriseState
from jingzhang.assignment.domain.events import ActingChiefChanged, ChiefRelieved, ChiefTier, NobodyActing, Slot
from jingzhang.assignment.domain.officer import OfficerState, away_intervals, declare_absence, end_absence, evolve
from jingzhang.shared.errors import DomainRejected

from .samples import ALL_TIERS, ENTERPRISE_ID, OFFICERS, PC, SC, T0, after, assigned, day, given, serving, staffed

PC_A, PC_B = OFFICERS[(PC, Slot.A)], OFFICERS[(PC, Slot.B)]


def acting(tier: ChiefTier, officer_id: str | None, previous: str | None, reason: str, at: float) -> ActingChiefChanged:
    return ActingChiefChanged(
        enterprise_id=ENTERPRISE_ID,
        tier=tier,
        officer_id=officer_id,
        previous_officer_id=previous,
        reason=reason,
        effective_from=day(at),
    )


def everyone_acting_as_a() -> list[ActingChiefChanged]:
    return [acting(t, OFFICERS[(t, Slot.A)], None, "assigned", 0) for t in ALL_TIERS]


class TestWhoActs:
    def test_a_acts_while_present(self) -> None:
        state = given(staffed(Slot.A, Slot.B))

        assert acting_chief(state, PC, day(1), {}) == PC_A

    def test_b_acts_while_a_is_away(self) -> None:
        state = given(staffed(Slot.A, Slot.B))
        away = {PC_A: [Interval(day(1), day(3))]}

        assert acting_chief(state, PC, day(2), away) == PC_B
        assert acting_chief(state, PC, day(3), away) == PC_A

    def test_b_acts_when_the_a_slot_is_empty(self) -> None:
        state = given(staffed(Slot.B))

        assert acting_chief(state, PC, day(1), {}) == PC_B

    def test_nobody_acts_when_a_is_away_and_there_is_no_b(self) -> None:
        state = given(staffed())

        assert acting_chief(state, PC, day(2), {PC_A: [Interval(day(1), day(3))]}) is None

    def test_past_dates_are_answered_from_the_history(self) -> None:
        state = given(
            staffed(Slot.A, Slot.B),
            ChiefRelieved(
                enterprise_id=ENTERPRISE_ID,
                tier=PC,
                slot=Slot.A,
                officer_id=PC_A,
                effective_from=day(10),
                reason="reassigned",
            ),
            assigned(PC, Slot.A, "sun-minjing", day(10)),
        )

        assert acting_chief(state, PC, day(5), {}) == PC_A
        assert acting_chief(state, PC, day(11), {}) == "sun-minjing"


class TestAwayThenBack:
    """A declares leave, B acts while A is away, and A takes over again on return."""

    def test_a_away_b_acts_a_returns(self) -> None:
        enterprise = given(staffed(Slot.A, Slot.B), *everyone_acting_as_a())
        officer_a: OfficerState = serving(PC_A)

        declare = DeclareAbsence(officer_id=PC_A, starts_at=day(1), ends_at=day(5), reason="training")
        partners = partners_of(enterprise, PC_A, {PC_B: away_intervals(serving(PC_B))})
        [absence] = declare_absence(officer_a, declare, partners, absence_id="leave-1")
        officer_a = evolve(officer_a, absence)

        away = {PC_A: away_intervals(officer_a)}
        leaving = recheck_acting(enterprise, away, day(1), "absence")
        assert leaving == [acting(PC, PC_B, PC_A, "absence", 1)]
        enterprise = after(enterprise, leaving)

        [back] = end_absence(officer_a, EndAbsence(officer_id=PC_A, absence_id="leave-1"), at=day(3))
        officer_a = evolve(officer_a, back)
        returning = recheck_acting(enterprise, {PC_A: away_intervals(officer_a)}, day(3), "return")

        assert returning == [acting(PC, PC_A, PC_B, "return", 3)]

    def test_nothing_is_recorded_when_acting_is_unchanged(self) -> None:
        enterprise = given(staffed(Slot.A, Slot.B), *everyone_acting_as_a())

        assert recheck_acting(enterprise, {}, day(2), "tick") == []

    def test_a_new_chief_who_is_away_does_not_become_acting(self) -> None:
        enterprise = given(staffed(Slot.B), *[acting(t, OFFICERS[(t, Slot.B)], None, "assigned", 0) for t in ALL_TIERS])
        cmd = AssignChief(enterprise_id=ENTERPRISE_ID, tier=SC, slot=Slot.A, officer_id=OFFICERS[(SC, Slot.A)])
        away = {OFFICERS[(SC, Slot.A)]: [Interval(day(0), day(4))]}

        events = assign_chief(enterprise, cmd, serving(OFFICERS[(SC, Slot.A)]), away, at=day(1))

        assert not any(isinstance(e, ActingChiefChanged) for e in events)


def relieved(*slots: Slot, at: float) -> EnterpriseState:
    """Both police chiefs serving, A acting; then `slots` relieved from `day(at)`, each as the command decided
    at T0 records it."""
    enterprise = given(staffed(Slot.A, Slot.B), *everyone_acting_as_a())
    for slot in slots:
        cmd = RelieveChief(enterprise_id=ENTERPRISE_ID, tier=PC, slot=slot, reason="调整")
        enterprise = after(enterprise, relieve_chief(enterprise, cmd, at=day(at), now=T0))
    return enterprise


class TestAChangeFromALaterDate:
    """A chief relieved from a later date: who acts from then is recorded when it is decided, and a check
    made before that date (an absence starting or ending, the acting worker's pass) leaves it standing:
    undoing it would leave the relieved chief acting, since nothing checks again at the relief's date."""

    def test_both_relieved_from_a_later_date_leave_nobody_acting_from_that_date_and_not_before(self) -> None:
        enterprise = relieved(Slot.A, Slot.B, at=1)
        assert enterprise.acting_timeline[PC][-1] == (day(1), None)
        assert enterprise.nobody_acting == frozenset()  # the alarm is for when it is so, not when it is decided

        assert recheck_acting(enterprise, {}, day(0.5), "tick") == []
        alarm = [e for e in recheck_acting(enterprise, {}, day(1.5), "tick") if isinstance(e, NobodyActing)]
        assert alarm == [NobodyActing(enterprise_id=ENTERPRISE_ID, tier=PC, since=day(1), reason="tick")]

    def test_a_check_before_a_leaves_does_not_hand_the_tier_back_to_a(self) -> None:
        enterprise = relieved(Slot.A, at=2)
        assert enterprise.acting_timeline[PC][-1] == (day(2), PC_B)
        b_away_briefly = {PC_B: [Interval(day(0.5), day(0.6))]}

        assert recheck_acting(enterprise, b_away_briefly, day(0.5), "absence started") == []
        assert recheck_acting(enterprise, b_away_briefly, day(0.6), "absence ended") == []

    def test_after_that_date_a_check_records_what_changed_from_when_it_looked(self) -> None:
        enterprise = relieved(Slot.A, at=2)
        b_away = {PC_B: [Interval(day(2.5), day(4))]}

        events = recheck_acting(enterprise, b_away, day(3), "absence started")

        assert [e for e in events if isinstance(e, ActingChiefChanged)] == [
            acting(PC, None, PC_B, "absence started", 3)
        ]
        # the relief took effect on day 2: the check settles the coverage it changed as of day 3 too
        assert [type(e).__name__ for e in events if not isinstance(e, ActingChiefChanged | NobodyActing)] == [
            "CoverageShortfallOpened"
        ]
        assert [e for e in events if isinstance(e, NobodyActing)] == [
            NobodyActing(enterprise_id=ENTERPRISE_ID, tier=PC, since=day(3), reason="absence started")
        ]

    def test_an_absence_before_that_date_hands_the_tier_to_b_and_back_and_the_change_still_stands(self) -> None:
        enterprise = relieved(Slot.A, at=5)
        a_away = {PC_A: [Interval(day(2), day(3))]}

        started = recheck_acting(enterprise, a_away, day(2), "absence started")
        enterprise = after(enterprise, started)
        ended = recheck_acting(enterprise, a_away, day(3), "absence ended")
        enterprise = after(enterprise, ended)

        assert started == [acting(PC, PC_B, PC_A, "absence started", 2)]
        assert ended == [acting(PC, PC_A, PC_B, "absence ended", 3)]
        assert enterprise.acting_timeline[PC][-3:] == ((day(2), PC_B), (day(3), PC_A), (day(5), PC_B))
        assert enterprise.acting_timeline[PC][-1] == (day(5), PC_B)
        assert recheck_acting(enterprise, a_away, day(4), "tick") == []

    def test_a_change_recorded_for_later_is_checked_again_at_its_date_when_the_terms_change(self) -> None:
        enterprise = relieved(Slot.A, at=5)  # B acts from day 5
        b_leaves_earlier = RelieveChief(enterprise_id=ENTERPRISE_ID, tier=PC, slot=Slot.B, reason="调整")

        events = relieve_chief(enterprise, b_leaves_earlier, at=day(4), now=T0)
        at_the_date = recheck_acting(after(enterprise, events), {}, day(5), "police_chief B relieved")

        assert [e for e in events if isinstance(e, ActingChiefChanged)] == [
            acting(PC, None, PC_B, "police_chief B relieved", 5)
        ]
        assert [e for e in events if isinstance(e, NobodyActing)] == []
        assert [e for e in at_the_date if isinstance(e, NobodyActing)] == [
            NobodyActing(enterprise_id=ENTERPRISE_ID, tier=PC, since=day(5), reason="police_chief B relieved")
        ]


class TestPartners:
    def test_partners_are_the_other_slot_of_each_tier_the_officer_holds(self) -> None:
        enterprise = given(staffed(Slot.A, Slot.B))
        away_b = (Interval(day(1), day(2)),)

        [partner] = partners_of(enterprise, PC_A, {PC_B: away_b})

        assert (partner.partner_officer_id, partner.enterprise_id, partner.tier, partner.intervals) == (
            PC_B,
            ENTERPRISE_ID,
            PC,
            away_b,
        )

    def test_a_chief_relieved_from_a_later_date_is_a_partner_until_then_and_not_after(self) -> None:
        enterprise = relieved(Slot.A, at=5)
        away_b = {PC_B: [Interval(day(2), day(3))]}

        [partner] = partners_of(enterprise, PC_A, away_b)

        assert (partner.partner_officer_id, partner.during) == (PC_B, Interval(T0, day(5)))
        assert partners_of(enterprise, PC_A, away_b, since=day(6)) == []

    def test_their_absences_clash_only_while_they_are_partners(self) -> None:
        enterprise = relieved(Slot.A, at=5)
        partners = partners_of(enterprise, PC_A, {PC_B: [Interval(day(2), day(7))]})

        with pytest.raises(DomainRejected):
            refuse_double_absence(Interval(day(4), day(6)), partners)
        refuse_double_absence(Interval(day(5), day(6)), partners)  # A is no longer B's partner by then

    def test_without_a_partner_there_is_nothing_to_clash_with(self) -> None:
        assert partners_of(given(staffed()), PC_A, {}) == []
