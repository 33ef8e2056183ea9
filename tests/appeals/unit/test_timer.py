"""The running-time budget: extending an overrun clock forgives the overrun."""

from datetime import timedelta

from jingzhang.appeals.domain.timer import Timer

from .samples import DAY, HOUR, T0


class TestWhenOverdue:
    def test_grace_runs_in_full_from_when_it_is_given(self) -> None:
        timer = Timer.start(7 * DAY, 0.8, T0)
        late = T0 + 8 * DAY
        extended = timer.extend(timedelta(hours=24), late)
        assert extended.due_at == late + 24 * HOUR
        assert extended.window == 24 * HOUR


class TestWhenOnTime:
    def test_extra_time_adds_to_what_is_left(self) -> None:
        timer = Timer.start(7 * DAY, 0.8, T0)
        extended = timer.extend(2 * DAY, T0 + DAY)
        assert extended.due_at == T0 + 9 * DAY
        assert extended.window == 8 * DAY
