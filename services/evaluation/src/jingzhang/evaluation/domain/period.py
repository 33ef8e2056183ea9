"""Reporting periods: a half-open span of bureau time, labelled "2024" or "2024-03"."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

# The bureau reports in China Standard Time; China has no daylight saving, so a fixed offset is exact
# and keeps the domain free of a tz database lookup.
BUREAU_TZ = timezone(timedelta(hours=8), "CST")
_LABEL = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2]))?$")
FIRST_YEAR, LAST_YEAR = 1900, 9998
"""The years a period may name: well before any record, and such that its start and end (the next
1 January) stay representable as datetimes in every zone; "0000" or "9999" would fail to compute."""


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """`[start, end)`; a fact belongs to the period when `start <= at < end`."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("a period needs aware datetimes")
        if self.end <= self.start:
            raise ValueError("a period must end after it starts")

    @classmethod
    def year(cls, year: int) -> "Period":
        return cls(datetime(year, 1, 1, tzinfo=BUREAU_TZ), datetime(year + 1, 1, 1, tzinfo=BUREAU_TZ))

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        following = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=BUREAU_TZ)
        return cls(datetime(year, month, 1, tzinfo=BUREAU_TZ), following)

    @classmethod
    def parse(cls, label: str) -> "Period":
        """ "2024" is a year, "2024-03" a month; anything else is refused."""
        found = _LABEL.fullmatch(label)
        if found is None:
            raise ValueError(f"period {label!r} must be YYYY or YYYY-MM")
        year, month = found.groups()
        return cls.year(int(year)) if month is None else cls.month(int(year), int(month))

    def contains(self, at: datetime) -> bool:
        return self.start <= at < self.end

    def covers(self, other: "Period") -> bool:
        return self.start <= other.start and other.end <= self.end


def is_period_label(label: str) -> bool:
    found = _LABEL.fullmatch(label)
    return found is not None and FIRST_YEAR <= int(found.group(1)) <= LAST_YEAR


def in_bureau_time(at: datetime) -> datetime:
    """A time given without an offset is bureau time."""
    return at if at.tzinfo is not None else at.replace(tzinfo=BUREAU_TZ)
