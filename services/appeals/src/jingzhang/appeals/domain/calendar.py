"""The bureau's clock face: business times are read in Asia/Shanghai, and what counts as "the future"."""

from datetime import date, datetime, time, timedelta, timezone

BUREAU_TZ = timezone(timedelta(hours=8), "CST")
"""Asia/Shanghai: UTC+8, without daylight saving since 1991."""

CLOCK_SKEW = timedelta(minutes=5)
"""How far ahead of the service's clock a caller's time may be and still count as now."""

EARLIEST = datetime(2000, 1, 1, tzinfo=BUREAU_TZ)
"""No business time of the scheme is earlier (nor could every instant before year 1 be read in bureau time)."""


def bureau_day(at: datetime) -> date:
    """The bureau's calendar day an instant falls on."""
    return at.astimezone(BUREAU_TZ).date()


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), BUREAU_TZ)


def day_end(day: date) -> datetime:
    """The last second of the bureau's day."""
    return datetime.combine(day, time(23, 59, 59), BUREAU_TZ)
