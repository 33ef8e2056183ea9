from datetime import date

import pytest

from jingzhang.patrols.domain.periods import Cadence, between, month_of, periods_overlapping, week_of


class TestPeriods:
    def test_a_week_runs_monday_to_monday_and_is_keyed_by_iso_week(self) -> None:
        week = week_of(date(2025, 3, 6))
        assert (week.key, week.start, week.end) == ("2025-W10", date(2025, 3, 3), date(2025, 3, 10))

    def test_the_first_iso_week_may_start_in_the_previous_year(self) -> None:
        assert week_of(date(2025, 1, 1)).key == "2025-W01"
        assert week_of(date(2025, 1, 1)).start == date(2024, 12, 30)

    def test_a_month_ends_on_the_first_of_the_next(self) -> None:
        february = month_of(date(2024, 2, 29))
        assert (february.key, february.start, february.end) == ("2024-02", date(2024, 2, 1), date(2024, 3, 1))
        assert month_of(date(2025, 12, 31)).end == date(2026, 1, 1)

    def test_periods_overlapping_a_window_include_partial_ones(self) -> None:
        weeks = list(periods_overlapping(Cadence.WEEKLY, date(2025, 3, 5), date(2025, 3, 18)))
        assert [w.key for w in weeks] == ["2025-W10", "2025-W11", "2025-W12"]

    def test_an_empty_window_has_no_periods(self) -> None:
        assert list(periods_overlapping(Cadence.MONTHLY, date(2025, 3, 5), date(2025, 3, 5))) == []

    def test_a_period_must_end_after_it_starts(self) -> None:
        with pytest.raises(ValueError, match="end after"):
            between(date(2025, 3, 5), date(2025, 3, 5))
