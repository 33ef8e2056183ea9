"""The bureau's time limits as events (issue 14 item 7): given changes, when a change or an appeal's day,
then the events or the limit. Pure."""

from datetime import date, timedelta

import pytest

from jingzhang.appeals.domain.policy import DEFAULT_TIME_LIMITS
from jingzhang.appeals.domain.time_limit_policy import (
    DEFAULT_SCHEDULE,
    ChangeTimeLimit,
    TimeLimitChanged,
    TimeLimitSchedule,
    decide_change,
    evolve,
    limit_for,
)
from jingzhang.appeals.domain.vocabulary import Category
from jingzhang.shared.errors import InvalidCommand

TODAY = date(2026, 3, 2)
DISPUTE = Category.DISPUTE


def change(limit: timedelta, effective_from: date, category: Category = DISPUTE) -> ChangeTimeLimit:
    return ChangeTimeLimit(category, limit, effective_from, "提速")


def given(*commands: ChangeTimeLimit) -> TimeLimitSchedule:
    state = DEFAULT_SCHEDULE
    for cmd in commands:
        for event in decide_change(state, cmd, TODAY):
            state = evolve(state, event)
    return state


class TestWithNoChange:
    def test_every_category_has_todays_default(self) -> None:
        for category in Category:
            expected = DEFAULT_TIME_LIMITS.limit(DEFAULT_TIME_LIMITS.limit_class(category, False))
            assert limit_for(DEFAULT_TIME_LIMITS, DEFAULT_SCHEDULE, category, False, TODAY) == expected

    def test_a_change_from_today_is_recorded(self) -> None:
        [event] = decide_change(DEFAULT_SCHEDULE, change(timedelta(days=3), TODAY), TODAY)
        assert event == TimeLimitChanged(
            category=DISPUTE, time_limit=timedelta(days=3), effective_from=TODAY, reason="提速"
        )

    @pytest.mark.parametrize(
        ("cmd", "field"),
        [
            (change(timedelta(days=3), TODAY - timedelta(days=1)), "effective_from"),
            (change(timedelta(0), TODAY), "time_limit"),
            (change(timedelta(days=-1), TODAY), "time_limit"),
            (change(timedelta(days=91), TODAY), "time_limit"),
            (ChangeTimeLimit(DISPUTE, timedelta(days=3), TODAY, "  "), "reason"),
        ],
    )
    def test_a_change_in_the_past_or_out_of_range_is_refused_naming_the_field(
        self, cmd: ChangeTimeLimit, field: str
    ) -> None:
        with pytest.raises(InvalidCommand) as refused:
            decide_change(DEFAULT_SCHEDULE, cmd, TODAY)
        assert refused.value.field == field


class TestWithChanges:
    def test_an_appeal_takes_the_limit_in_force_on_the_day_it_was_received(self) -> None:
        later = TODAY + timedelta(days=10)
        schedule = given(change(timedelta(days=3), later), change(timedelta(days=5), later + timedelta(days=5)))

        def on(day: date) -> timedelta:
            return limit_for(DEFAULT_TIME_LIMITS, schedule, DISPUTE, False, day)

        assert [on(later - timedelta(days=1)), on(later), on(later + timedelta(days=5))] == [
            timedelta(days=7),
            timedelta(days=3),
            timedelta(days=5),
        ]
        assert limit_for(DEFAULT_TIME_LIMITS, schedule, DISPUTE, True, later) == timedelta(hours=2)
        assert limit_for(DEFAULT_TIME_LIMITS, schedule, Category.OTHER, False, later) == timedelta(days=7)

    def test_a_retry_of_the_last_change_records_nothing(self) -> None:
        schedule = given(change(timedelta(days=3), TODAY))
        assert decide_change(schedule, change(timedelta(days=3), TODAY), TODAY) == []
        assert len(decide_change(schedule, change(timedelta(days=4), TODAY), TODAY)) == 1
