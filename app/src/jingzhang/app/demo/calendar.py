"""The bureau's working days in the demo year: weekdays, less the public holidays, plus the make-up days.

The 2025 holiday arrangement of the State Council (国务院办公厅关于2025年部分节假日安排的通知); for any
other year only weekends are left out.
"""

import random
from datetime import date, timedelta

from jingzhang.app.demo.timeline import days

HOLIDAYS_2025 = (
    (date(2025, 1, 1), date(2025, 1, 1)),
    (date(2025, 1, 28), date(2025, 2, 4)),
    (date(2025, 4, 4), date(2025, 4, 6)),
    (date(2025, 5, 1), date(2025, 5, 5)),
    (date(2025, 5, 31), date(2025, 6, 2)),
    (date(2025, 10, 1), date(2025, 10, 8)),
)
MAKE_UP_2025 = (date(2025, 1, 26), date(2025, 2, 8), date(2025, 4, 27), date(2025, 9, 28), date(2025, 10, 11))


def is_workday(day: date) -> bool:
    if day.year == 2025 and day in MAKE_UP_2025:
        return True
    if day.year == 2025 and any(first <= day <= last for first, last in HOLIDAYS_2025):
        return False
    return day.weekday() < 5


def workdays(first: date, last: date) -> list[date]:
    """Working days from `first` to `last`, both included."""
    return [d for d in days(first, last) if is_workday(d)]


class Calendar:
    """Random working days of the demo year, drawn from the seeded `rng`."""

    def __init__(self, rng: random.Random, year: int) -> None:
        self.rng = rng
        self.year = year

    def day(self, first: tuple[int, int] = (2, 10), last: tuple[int, int] = (12, 26)) -> date:
        return self.rng.choice(workdays(date(self.year, *first), date(self.year, *last)))

    def in_half(self, n: int) -> date:
        """A working day of the first (`n` = 0: 10 February to June) or the second half of the working
        year (July to 26 December): work alternating between them shows in both halves' tables."""
        if n == 0:
            return self.rng.choice(workdays(date(self.year, 2, 10), date(self.year, 6, 30)))
        return self.rng.choice(workdays(date(self.year, 7, 1), date(self.year, 12, 26)))

    def after(self, day: date, at_least: int, at_most: int) -> date:
        """A working day `at_least` to `at_most` calendar days after `day` (the next working day if none)."""
        found = workdays(day + timedelta(days=at_least), day + timedelta(days=at_most))
        return self.rng.choice(found) if found else next_workday(day + timedelta(days=at_most))


def next_workday(day: date) -> date:
    while not is_workday(day):
        day += timedelta(days=1)
    return day
