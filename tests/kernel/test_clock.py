"""Time for a service: a demo clock shifted into the past still moves on, and never goes backwards
across a restart (the latest event it recorded is its floor)."""

from datetime import UTC, datetime, timedelta

from jingzhang.shared.clock import FixedClock, ShiftedClock

T = datetime(2025, 12, 31, 12, 0, tzinfo=UTC)


def test_a_shifted_clock_starts_at_its_start_and_advances_with_real_time() -> None:
    base = FixedClock(datetime(2026, 12, 5, tzinfo=UTC))
    clock = ShiftedClock(T, base)
    base.advance(timedelta(minutes=6))
    assert clock.now() == T + timedelta(minutes=6)


def test_restarted_behind_what_it_recorded_it_moves_on_past_it() -> None:
    base = FixedClock(datetime(2026, 12, 5, tzinfo=UTC))
    restarted = ShiftedClock(T, base)  # CLOCK_START again, after 6 minutes of recorded work
    restarted.not_before(T + timedelta(minutes=6))
    assert restarted.now() == T + timedelta(minutes=6)
    base.advance(timedelta(seconds=1))
    assert restarted.now() == T + timedelta(minutes=6, seconds=1)


def test_a_floor_in_its_past_changes_nothing() -> None:
    base = FixedClock(datetime(2026, 12, 5, tzinfo=UTC))
    clock = ShiftedClock(T, base)
    clock.not_before(T - timedelta(days=1))
    assert clock.now() == T
