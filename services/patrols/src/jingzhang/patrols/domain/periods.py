"""Calendar periods the cadence counts in: ISO weeks (Monday first) and calendar months."""

from collections.abc import Iterator
from datetime import date, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, model_validator


class Cadence(StrEnum):
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class Period(BaseModel):
    """Days `[start, end)` with a stable `key` (`2025-W03`, `2025-01`) used in duty ids."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> "Period":
        if self.end <= self.start:
            raise ValueError("a period must end after it starts")
        return self

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end

    def overlaps(self, start: date, end: date) -> bool:
        return self.start < end and start < self.end


def between(start: date, end: date) -> Period:
    """An arbitrary reporting range, e.g. for activity counts."""
    return Period(key=f"{start:%Y%m%d}-{end:%Y%m%d}", start=start, end=end)


def week_of(day: date) -> Period:
    monday = day - timedelta(days=day.weekday())
    year, week, _ = monday.isocalendar()
    return Period(key=f"{year}-W{week:02d}", start=monday, end=monday + timedelta(days=7))


def month_of(day: date) -> Period:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return Period(key=f"{first:%Y-%m}", start=first, end=following)


def period_of(cadence: Cadence, day: date) -> Period:
    return week_of(day) if cadence is Cadence.WEEKLY else month_of(day)


def periods_overlapping(cadence: Cadence, start: date, end: date) -> Iterator[Period]:
    """Every period of `cadence` that shares a day with `[start, end)`, in order."""
    if end <= start:
        return
    period = period_of(cadence, start)
    while period.start < end:
        yield period
        period = period_of(cadence, period.end)
