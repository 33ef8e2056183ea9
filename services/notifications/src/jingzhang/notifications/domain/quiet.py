"""Quiet hours: a non-urgent push waits until the morning; breaches and escalations do not. Pure."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

BUREAU_TZ = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True, slots=True)
class QuietHours:
    """`[start, end)` in bureau time, across midnight when `start > end` (22:00-07:30); equal: none."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> "QuietHours":
        """`"22:00-07:30"`; raises ValueError naming the expected form."""
        try:
            start, end = (time.fromisoformat(part.strip()) for part in text.split("-"))
        except ValueError:
            raise ValueError(f"quiet hours {text!r} must read HH:MM-HH:MM") from None
        return cls(start, end)

    def holds(self, local: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


def release_at(at: datetime, quiet: QuietHours, *, urgent: bool) -> datetime:
    """When a push decided at `at` may go out: at once, or at the end of the quiet hours it falls in."""
    local = at.astimezone(BUREAU_TZ)
    if urgent or not quiet.holds(local.time().replace(tzinfo=None)):
        return at
    morning = datetime.combine(local.date(), quiet.end, BUREAU_TZ)
    return morning if morning > local else morning + timedelta(days=1)
