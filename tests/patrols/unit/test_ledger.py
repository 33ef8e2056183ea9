"""The work ledger (工作台账) and activity counts read the events purely."""

from datetime import date

from jingzhang.patrols.domain.activity import CaseHandled, CaseKind, DisputeMediated
from jingzhang.patrols.domain.common import VisitKind
from jingzhang.patrols.domain.duty import DutyOverdue
from jingzhang.patrols.domain.hazard import HazardFound, HazardRectified
from jingzhang.patrols.domain.ledger import ActivityCounts, LedgerEntry, count_activities, ledger_entry
from jingzhang.patrols.domain.periods import between, month_of

from .samples import ACTIVITIES, MONDAY, at, visit

MARCH = month_of(MONDAY)
HAZARD = HazardFound(
    hazard_id="hz-1",
    enterprise_id="ent-1",
    description="unlit lane",
    found_on_visit_id=None,
    found_on=date(2025, 3, 4),
    rectification_due=date(2025, 3, 14),
    officer_ids=("chief-a",),
)


class TestLedgerEntries:
    def test_a_visit_is_filed_under_its_enterprise_on_its_local_day(self) -> None:
        late_evening = visit(at(MONDAY, 23), kind=VisitKind.INSPECTION)
        entry = ledger_entry(late_evening)
        assert entry == LedgerEntry(
            enterprise_id="ent-1",
            occurred_on=MONDAY,
            kind="PatrolCompleted",
            ref_id="visit-1",
            officer_ids=("chief-a",),
            summary="inspection at site office, 1 person-times: no trouble reported",
        )

    def test_a_hazard_is_filed_with_its_deadline(self) -> None:
        entry = ledger_entry(HAZARD)
        assert entry is not None
        assert (entry.ref_id, entry.occurred_on) == ("hz-1", HAZARD.found_on)
        assert entry.summary == "unlit lane (due 2025-03-14)"

    def test_a_mediation_says_whether_agreement_was_reached(self) -> None:
        entry = ledger_entry(ACTIVITIES[0])
        assert entry is not None
        assert entry.summary == "contractor / villagers: wages paid in two instalments (agreement reached)"

    def test_duties_and_zone_wide_activities_have_no_ledger_line(self) -> None:
        assert ledger_entry(DutyOverdue(duty_id="d-1", assignee_officer_id="chief-a")) is None
        assert ledger_entry(ACTIVITIES[3]) is None


EVENTS = (
    visit(at(MONDAY), kind=VisitKind.JOINT_PATROL, officer_ids=("a", "b", "c")),
    visit(at(MONDAY), visit_id="visit-2"),
    visit(at(date(2025, 4, 1)), visit_id="visit-3"),
    HAZARD,
    HazardRectified(
        hazard_id="hz-1",
        enterprise_id="ent-1",
        rectified_on=date(2025, 3, 10),
        measures="lamps",
        officer_ids=("chief-a",),
        on_time=True,
    ),
    *ACTIVITIES,
    ACTIVITIES[0].model_copy(update={"activity_id": "act-9", "agreement_reached": False}),
    CaseHandled(
        activity_id="act-10",
        enterprise_id="ent-1",
        officer_ids=("chief-a",),
        occurred_on=date(2025, 3, 6),
        police_case_number="HK-2",
        kind=CaseKind.OTHER,
    ),
    DutyOverdue(duty_id="d-1", assignee_officer_id="chief-a"),
)


class TestActivityCounts:
    def test_a_month_counts_the_report_figures_for_its_days_only(self) -> None:
        assert count_activities(EVENTS, MARCH) == ActivityCounts(
            weekly_revisits=1,
            joint_patrols=1,
            person_times=4,
            hazards_found=1,
            hazards_rectified=1,
            disputes_mediated=2,
            disputes_agreed=1,
            cases_handled=2,
            obstruction_cases=1,
            services_on_behalf=1,
            legal_trainings=1,
            leaflets=500,
            forums=1,
            appeals_collected=1,
        )

    def test_a_period_with_no_work_counts_nothing(self) -> None:
        assert count_activities(EVENTS, between(date(2025, 2, 1), date(2025, 3, 1))) == ActivityCounts()

    def test_a_disputes_day_decides_its_period(self) -> None:
        dispute = ACTIVITIES[0]
        assert isinstance(dispute, DisputeMediated)
        first_week = between(date(2025, 3, 1), date(2025, 3, 5))
        assert count_activities([dispute], first_week).disputes_mediated == 0
