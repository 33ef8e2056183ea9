"""Given a small world of facts, when the figure table is drawn, then it counts what the report counts."""

from datetime import timedelta

from jingzhang.evaluation.domain.facts import Facts
from jingzhang.evaluation.domain.figures import figure_table, figure_table_csv
from jingzhang.evaluation.domain.period import Period
from jingzhang.evaluation.domain.vocabulary import ActivityKind as K
from jingzhang.evaluation.domain.vocabulary import ChiefTier as T
from jingzhang.evaluation.domain.vocabulary import EnterpriseClass as C
from tests.evaluation.unit.builders import YEAR, activity, appeal, at, duty, enterprise, office, officer, term

WORLD = Facts(
    officers=(officer("o1"), officer("o2"), officer("o3"), officer("o4", until=at(6, 1))),
    enterprises=(
        enterprise("e1", C.CITY_KEY_PROJECT),
        enterprise("e2", C.DISTRICT_KEY_PROJECT),
        enterprise("e3", C.SMALL_MICRO),
    ),
    chief_terms=(
        term("e1", "o1", T.BUREAU_LEADER),
        term("e1", "o2", T.STATION_CHIEF),
        term("e1", "o3", T.POLICE_CHIEF),
        term("e2", "o1", T.BUREAU_LEADER),
        term("e2", "o2", T.STATION_CHIEF),
        term("e3", "o1", T.BUREAU_LEADER),
        term("e3", "o2", T.STATION_CHIEF),
        term("e3", "o3", T.POLICE_CHIEF),
    ),
    police_offices=(office("po1", "e1"),),
    activities=(
        activity("f1", K.FORUM, when=at(2, 1)),
        activity("l1", K.LEAFLETS, count=12_000, when=at(3, 1)),
        activity("l2", K.LEAFLETS, count=8_000, when=at(9, 1)),
        activity("p1", K.PATROL, "o1", "o2", count=7, when=at(5, 1)),
        activity("h1", K.HAZARD_RECTIFIED, when=at(8, 1)),
        activity("h0", K.HAZARD_RECTIFIED, when=at(12, 1, year=2023)),
    ),
    appeals=(appeal("a1", forum_id="f1", raised=at(2, 1)), appeal("a2", forum_id="f1", raised=at(2, 1)), appeal("a3")),
    duties=(duty("d1", due=at(3, 1)), duty("d2", due=at(9, 1), missed=True)),
)


class TestForAWholeYear:
    def test_counts_of_work_add_up_the_facts_in_the_period(self) -> None:
        table = figure_table(WORLD, YEAR.start, YEAR.end, as_of=YEAR.end)

        assert table.forums_held.total == 1
        assert table.forum_appeals.total == 2
        assert table.leaflets.total == 20_000
        assert table.patrol_person_times.total == 7
        assert table.hazards_rectified.fact_ids == ("h1",)

    def test_standing_figures_count_what_existed_in_the_period(self) -> None:
        table = figure_table(WORLD, YEAR.start, YEAR.end, as_of=YEAR.end)

        assert table.officers_in_scheme.total == 4  # o4 served until June
        assert (table.city_key_projects.total, table.district_key_projects.total) == (1, 1)
        assert (table.above_scale_enterprises.total, table.small_micro_enterprises.total) == (0, 1)
        assert table.police_offices.total == 1
        assert table.chiefs_per_enterprise_min == 2

    def test_coverage_kpis(self) -> None:
        table = figure_table(WORLD, YEAR.start, YEAR.end, as_of=YEAR.end)

        assert table.enterprises_with_min_chiefs.numerator_ids == ("e1", "e3")
        assert table.enterprises_with_min_chiefs.denominator == 3
        assert table.key_enterprises_with_office.numerator_ids == ("e1",)
        assert table.key_enterprises_with_office.denominator_ids == ("e1", "e2")
        assert table.visit_compliance.numerator_ids == ("d1",)
        assert table.visit_compliance.denominator == 2


class TestForAnyBusinessPeriod:
    H1 = Period(at(1, 1, hour=0), at(7, 1, hour=0))
    H2 = Period(at(7, 1, hour=0), YEAR.end)

    def test_a_half_year_shows_who_existed_in_it_and_the_work_done_in_it(self) -> None:
        first = figure_table(WORLD, self.H1.start, self.H1.end, as_of=YEAR.end)
        second = figure_table(WORLD, self.H2.start, self.H2.end, as_of=YEAR.end)

        assert (first.officers_in_scheme.total, second.officers_in_scheme.total) == (4, 3)
        assert (first.leaflets.total, second.leaflets.total) == (12_000, 8_000)
        assert (first.patrol_person_times.total, second.patrol_person_times.total) == (7, 0)
        assert (first.forums_held.total, first.forum_appeals.total, second.forum_appeals.total) == (1, 2, 0)
        assert first.city_key_projects.total == second.city_key_projects.total == 1

    def test_an_enterprise_registered_after_the_period_is_not_in_it(self) -> None:
        late = Facts(enterprises=(enterprise("e9", C.ABOVE_SCALE, since=at(8, 1)),))

        assert figure_table(late, self.H1.start, self.H1.end, as_of=YEAR.end).above_scale_enterprises.total == 0
        assert figure_table(late, self.H2.start, self.H2.end, as_of=YEAR.end).above_scale_enterprises.total == 1

    def test_an_enterprise_reclassified_in_the_period_counts_once_in_its_last_class_there(self) -> None:
        moved = Facts(
            enterprises=(
                enterprise("e1", C.SMALL_MICRO, until=at(5, 1), fact_id="f-e1-small"),
                enterprise("e1", C.ABOVE_SCALE, since=at(5, 1), fact_id="f-e1-above"),
            )
        )

        h1 = figure_table(moved, self.H1.start, self.H1.end, as_of=YEAR.end)
        spring = figure_table(moved, at(1, 1, hour=0), at(4, 1, hour=0), as_of=YEAR.end)

        assert (h1.above_scale_enterprises.total, h1.small_micro_enterprises.total) == (1, 0)
        assert (spring.above_scale_enterprises.total, spring.small_micro_enterprises.total) == (0, 1)

    def test_coverage_is_read_when_a_closed_enterprise_closed(self) -> None:
        closed = Facts(
            enterprises=(enterprise("e1", C.CITY_KEY_PROJECT, until=at(5, 1)),),
            chief_terms=tuple(term("e1", o, T.POLICE_CHIEF, until=at(5, 1)) for o in ("o1", "o2", "o3")),
            police_offices=(office("po1", "e1", until=at(5, 1)),),
        )

        table = figure_table(closed, YEAR.start, YEAR.end, as_of=YEAR.end)

        assert (table.city_key_projects.total, table.chiefs_per_enterprise_min, table.police_offices.total) == (1, 3, 1)
        assert table.key_enterprises_with_office.numerator_ids == ("e1",)

    def test_a_forums_appeals_count_on_the_forums_day_though_raised_later(self) -> None:
        forum_day = at(6, 30)
        collected = Facts(appeals=(appeal("a1", forum_id="f1", forum_at=forum_day, raised=at(7, 2)),))

        first = figure_table(collected, self.H1.start, self.H1.end, as_of=YEAR.end)
        second = figure_table(collected, self.H2.start, self.H2.end, as_of=YEAR.end)

        assert (first.forum_appeals.total, second.forum_appeals.total) == (1, 0)


class TestAsOfAPastDate:
    def test_facts_recorded_later_are_ignored(self) -> None:
        table = figure_table(WORLD, YEAR.start, YEAR.end, as_of=at(4, 1))

        assert table.leaflets.total == 12_000
        assert table.patrol_person_times.total == 0
        assert table.hazards_rectified.total == 0
        assert table.officers_in_scheme.total == 4

    def test_an_enterprise_registered_on_an_earlier_day_counts_only_once_it_was_recorded(self) -> None:
        back_dated = Facts(enterprises=(enterprise("e9", C.ABOVE_SCALE, since=at(2, 1), learned=at(9, 1)),))

        before = figure_table(back_dated, YEAR.start, YEAR.end, as_of=at(8, 31))
        after = figure_table(back_dated, YEAR.start, YEAR.end, as_of=at(9, 2))
        h1_after = figure_table(back_dated, at(1, 1, hour=0), at(7, 1, hour=0), as_of=at(9, 2))

        assert (before.above_scale_enterprises.total, after.above_scale_enterprises.total) == (0, 1)
        assert h1_after.above_scale_enterprises.total == 1  # it existed in H1, as the bureau knows since 1 Sept

    def test_a_retirement_recorded_later_is_not_known_before(self) -> None:
        retired = Facts(officers=(officer("o1", until=at(3, 1), end_learned=at(5, 1)),))
        spring = (at(4, 1, hour=0), at(5, 1, hour=0))

        then = figure_table(retired, *spring, as_of=at(4, 20))
        now = figure_table(retired, *spring, as_of=at(5, 2))

        assert (then.officers_in_scheme.total, now.officers_in_scheme.total) == (1, 0)

    def test_a_late_record_of_earlier_work_is_ignored_until_it_was_recorded(self) -> None:
        late = activity("s1", K.SERVICE_ON_BEHALF, when=at(3, 1), recorded=at(10, 1))
        facts = Facts(activities=(late,))

        before = figure_table(facts, YEAR.start, YEAR.end, as_of=at(9, 30))
        after = figure_table(facts, YEAR.start, YEAR.end, as_of=at(10, 2))

        assert (before.services_on_behalf.total, after.services_on_behalf.total) == (0, 1)

    def test_a_duty_not_yet_due_is_not_counted_against_compliance(self) -> None:
        table = figure_table(WORLD, YEAR.start, YEAR.end, as_of=at(8, 1))

        assert table.visit_compliance.denominator_ids == ("d1",)


class TestWithNothingKnown:
    def test_minimum_and_rates_are_none(self) -> None:
        table = figure_table(Facts(), YEAR.start, YEAR.end, as_of=YEAR.end)

        assert table.chiefs_per_enterprise_min is None
        assert table.enterprises_with_min_chiefs.value is None
        assert table.officers_in_scheme.total == 0


class TestTheCsv:
    def test_one_row_per_figure_with_rates_as_percentages(self) -> None:
        text = figure_table_csv(figure_table(WORLD, YEAR.start, YEAR.end, as_of=YEAR.end))

        lines = text.splitlines()
        assert lines[0] == "figure,value,numerator,denominator"
        assert "leaflets,20000,," in lines
        assert "enterprises_with_min_chiefs,66.7,2,3" in lines
        assert "chiefs_per_enterprise_min,2,," in lines

    def test_a_missing_value_is_blank(self) -> None:
        text = figure_table_csv(figure_table(Facts(), YEAR.start, YEAR.end, as_of=YEAR.end - timedelta(days=1)))

        assert "visit_compliance,,0,0" in text.splitlines()
