"""Business time (bi-temporal): the day something happened, as the bureau counts days, checked against now.

Registrations, enrolments and offices carry the day they happened (`registered_on`, `enrolled_on`,
`opened_on`), which may be entered later than it happened; the recording instant stays the envelope's
`occurred_at`. A business time may not lie in the future (beyond a few minutes of clock skew), nor
before its subject existed: nobody is chief of an enterprise before it was registered, nor away
before they were enrolled.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from jingzhang.shared.errors import InvalidCommand

BUREAU_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")
"""The bureau's days (China has kept UTC+8 without daylight saving since 1991)."""

SKEW = timedelta(minutes=5)
"""How far ahead of our clock a caller's clock may run before its "now" counts as the future."""


def bureau_date(at: datetime) -> date:
    """The bureau's calendar day at `at`."""
    return at.astimezone(BUREAU_TZ).date()


def require_not_future(day: date, now: datetime, *, field: str) -> None:
    if day > bureau_date(now + SKEW):
        today = bureau_date(now).isoformat()
        raise InvalidCommand(f"{day.isoformat()} 尚未到来 / is in the future (today is {today})", field=field)


@dataclass(frozen=True, slots=True)
class Beginning:
    """What a business time may not precede, said in Chinese and in English."""

    zh: str
    en: str


REGISTERED = Beginning("企业登记之日", "the day the enterprise was registered")
ENROLLED = Beginning("民警入列之日", "the day the officer was enrolled")


def require_not_before(at: date | datetime, since: date | None, beginning: Beginning, *, field: str) -> None:
    """`at` (a day, or an instant read as its bureau day) falls on or after `since`."""
    day = bureau_date(at) if isinstance(at, datetime) else at
    if since is not None and day < since:
        raise InvalidCommand(
            f"{day.isoformat()} 早于{beginning.zh} {since.isoformat()} / is before {beginning.en}", field=field
        )
