"""The cadence engine: plans, who answers (AB角) and what was missed."""

from datetime import date, timedelta
from types import MappingProxyType

from jingzhang.patrols.domain.cadence import (
    LEADER_MEETING,
    CadenceRules,
    Duty,
    assignee,
    overdue,
    plan_duties,
    responsible,
)
from jingzhang.patrols.domain.common import VisitKind
from jingzhang.patrols.domain.snapshot import TierChiefs
from jingzhang.patrols.domain.vocabulary import ChiefTier, EnterpriseClass, Slot

from .samples import APRIL_1, MONDAY, NEXT_MONDAY, at, away, enterprise, snapshot, visit


def _kinds(duties: list[Duty]) -> list[tuple[str, str]]:
    return sorted((d.kind.value, d.period.key) for d in duties)


def _weekly(duties: list[Duty]) -> Duty:
    return next(d for d in duties if d.kind is VisitKind.WEEKLY_REVISIT)


class TestGivenANewKeyProject:
    def test_it_gets_a_weekly_revisit_and_monthly_meeting_and_inspection(self) -> None:
        plan = plan_duties(snapshot(enterprise(registered_on=MONDAY)), MONDAY, NEXT_MONDAY)
        assert _kinds(plan) == [
            ("inspection", "2025-03"),
            ("leader_meeting", "2025-03"),
            ("weekly_revisit", "2025-W10"),
        ]

    def test_each_duty_names_its_tier_and_falls_due_when_its_period_ends(self) -> None:
        plan = plan_duties(snapshot(), MONDAY, NEXT_MONDAY)
        tiers = {d.kind: d.tier for d in plan}
        assert tiers == {
            VisitKind.WEEKLY_REVISIT: ChiefTier.POLICE_CHIEF,
            VisitKind.LEADER_MEETING: ChiefTier.BUREAU_LEADER,
            VisitKind.INSPECTION: ChiefTier.STATION_CHIEF,
        }
        assert _weekly(plan).due_at == at(NEXT_MONDAY, 0)

    def test_planning_twice_gives_the_same_ids(self) -> None:
        first = plan_duties(snapshot(), MONDAY, APRIL_1)
        again = plan_duties(snapshot(), MONDAY + timedelta(days=1), APRIL_1)
        assert {d.duty_id for d in again} <= {d.duty_id for d in first}
        assert _weekly(first).duty_id == "ent-1-weekly_revisit-2025-W10"

    def test_a_month_holds_one_revisit_per_week_it_touches(self) -> None:
        plan = plan_duties(snapshot(), date(2025, 3, 1), APRIL_1)
        weekly = [d.period.key for d in plan if d.kind is VisitKind.WEEKLY_REVISIT]
        assert weekly == ["2025-W09", "2025-W10", "2025-W11", "2025-W12", "2025-W13", "2025-W14"]

    def test_a_newcomer_days_before_a_period_ends_starts_with_the_next(self) -> None:
        for registered_on, expected in (
            (date(2025, 3, 8), ["2025-W10", "2025-W11"]),
            (date(2025, 3, 9), ["2025-W11"]),
        ):
            late = enterprise(registered_on=registered_on)
            plan = plan_duties(snapshot(late), MONDAY, date(2025, 3, 17))
            assert [d.period.key for d in plan if d.kind is VisitKind.WEEKLY_REVISIT] == expected

    def test_no_duty_falls_in_a_period_before_registration(self) -> None:
        future = enterprise(registered_on=NEXT_MONDAY)
        plan = plan_duties(snapshot(future), MONDAY, date(2025, 3, 17))
        assert [d.period.key for d in plan if d.kind is VisitKind.WEEKLY_REVISIT] == ["2025-W11"]


class TestGivenASmallMicroEnterprise:
    def test_it_gets_one_monthly_revisit_from_its_police_chief(self) -> None:
        small = enterprise(enterprise_class=EnterpriseClass.SMALL_MICRO)
        plan = plan_duties(snapshot(small), MONDAY, APRIL_1)
        assert [(d.kind, d.tier, d.period.key) for d in plan] == [
            (VisitKind.WEEKLY_REVISIT, ChiefTier.POLICE_CHIEF, "2025-03")
        ]

    def test_the_bureau_can_configure_other_rules(self) -> None:
        rules = CadenceRules(by_class=MappingProxyType({EnterpriseClass.SMALL_MICRO: (LEADER_MEETING,)}))
        small = enterprise(enterprise_class=EnterpriseClass.SMALL_MICRO)
        assert _kinds(plan_duties(snapshot(small), MONDAY, APRIL_1, rules)) == [("leader_meeting", "2025-03")]
        assert plan_duties(snapshot(enterprise()), MONDAY, APRIL_1, rules) == []


class TestWhoAnswersForADuty:
    duty = _weekly(plan_duties(snapshot(), MONDAY, NEXT_MONDAY))

    def test_a_answers_while_present(self) -> None:
        assert assignee(self.duty, snapshot(), at(MONDAY)) == "chief-a"

    def test_b_answers_while_a_is_away(self) -> None:
        absent = snapshot(absences=(away("chief-a", MONDAY, 3),))
        found = responsible(self.duty, absent, at(MONDAY + timedelta(days=1)))
        assert found is not None
        assert (found.officer_id, found.slot, found.other) == ("chief-b", Slot.B, "chief-a")

    def test_a_answers_again_once_back(self) -> None:
        absent = snapshot(absences=(away("chief-a", MONDAY, 3),))
        assert assignee(self.duty, absent, at(MONDAY + timedelta(days=3))) == "chief-a"

    def test_a_keeps_it_when_both_are_away(self) -> None:
        both = snapshot(absences=(away("chief-a", MONDAY, 3), away("chief-b", MONDAY, 3)))
        assert assignee(self.duty, both, at(MONDAY)) == "chief-a"

    def test_b_answers_when_there_is_no_a(self) -> None:
        only_b = enterprise(chiefs={ChiefTier.POLICE_CHIEF: TierChiefs(b="chief-b")})
        assert assignee(self.duty, snapshot(only_b), at(MONDAY)) == "chief-b"

    def test_nobody_answers_for_an_empty_tier_or_unknown_enterprise(self) -> None:
        assert assignee(self.duty, snapshot(enterprise(chiefs={})), at(MONDAY)) is None
        assert assignee(self.duty, snapshot(enterprise("ent-2")), at(MONDAY)) is None


class TestWhichDutiesAreOverdue:
    plan = plan_duties(snapshot(), MONDAY, NEXT_MONDAY)

    def test_a_missed_weekly_revisit_is_overdue_once_its_week_ends(self) -> None:
        assert overdue(self.plan, [], at(NEXT_MONDAY, 0)) == [_weekly(self.plan)]

    def test_nothing_is_overdue_before_its_due_time(self) -> None:
        assert overdue(self.plan, [], at(NEXT_MONDAY, 0) - timedelta(seconds=1)) == []

    def test_a_revisit_in_its_week_settles_it(self) -> None:
        assert overdue(self.plan, [visit(at(MONDAY + timedelta(days=2)))], at(NEXT_MONDAY)) == []

    def test_a_visit_of_another_kind_or_enterprise_does_not(self) -> None:
        others = [
            visit(at(MONDAY), kind=VisitKind.JOINT_PATROL),
            visit(at(MONDAY), enterprise_id="ent-2", visit_id="visit-2"),
        ]
        assert overdue(self.plan, others, at(NEXT_MONDAY)) == [_weekly(self.plan)]

    def test_a_visit_before_the_period_does_not_settle_it(self) -> None:
        assert overdue(self.plan, [visit(at(MONDAY) - timedelta(days=1))], at(NEXT_MONDAY)) == [_weekly(self.plan)]

    def test_one_visit_settles_its_own_week_before_a_missed_one(self) -> None:
        two_weeks = plan_duties(snapshot(), MONDAY, date(2025, 3, 17))
        weekly = sorted((d for d in two_weeks if d.kind is VisitKind.WEEKLY_REVISIT), key=lambda d: d.due_at)
        one = [visit(at(NEXT_MONDAY))]
        assert [d for d in overdue(two_weeks, one, at(date(2025, 3, 17))) if d in weekly] == [weekly[0]]

    def test_a_second_visit_makes_up_for_the_missed_week(self) -> None:
        two_weeks = plan_duties(snapshot(), MONDAY, date(2025, 3, 17))
        both = [visit(at(NEXT_MONDAY)), visit(at(NEXT_MONDAY, 15), visit_id="visit-2")]
        late = overdue(two_weeks, both, at(date(2025, 3, 17)))
        assert [d for d in late if d.kind is VisitKind.WEEKLY_REVISIT] == []
