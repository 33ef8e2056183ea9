"""An appeal's running time: a budget that is spent only while the clock runs.

The clock runs while the appeal is on our desk and pauses while a partner department has it, so
waiting on others never counts against the chief. Extensions and escalation grace add budget and
open a new window, and the warning comes once `warning_fraction` of the current window has run.
"""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

ZERO = timedelta(0)


@dataclass(frozen=True, slots=True)
class Timer:
    budget: timedelta
    consumed: timedelta  # running time spent before `running_since`
    running_since: datetime | None  # None while paused or stopped
    window: timedelta  # length of the current window, what the warning is measured against
    warning_fraction: float

    @classmethod
    def start(cls, limit: timedelta, warning_fraction: float, at: datetime) -> "Timer":
        return cls(limit, ZERO, at, limit, warning_fraction)

    @property
    def running(self) -> bool:
        return self.running_since is not None

    def used(self, at: datetime) -> timedelta:
        if self.running_since is None:
            return self.consumed
        return self.consumed + max(at - self.running_since, ZERO)

    def remaining(self, at: datetime) -> timedelta:
        return self.budget - self.used(at)

    def pause(self, at: datetime) -> "Timer":
        return replace(self, consumed=self.used(at), running_since=None)

    def resume(self, at: datetime) -> "Timer":
        return self if self.running else replace(self, running_since=at)

    def extend(self, extra: timedelta, at: datetime) -> "Timer":
        """More budget; the new window is what is left now (never less than nothing) plus `extra`.

        An overrun is forgiven rather than deducted: grace given to the next chief after a late breach
        check (say, after a restart) must still be the full grace, or the breach would cascade up at once.
        """
        window = max(self.remaining(at), ZERO) + extra
        return replace(self, budget=max(self.budget, self.used(at)) + extra, window=window)

    def restart(self, limit: timedelta, at: datetime) -> "Timer":
        return Timer.start(limit, self.warning_fraction, at)

    @property
    def due_at(self) -> datetime | None:
        if self.running_since is None:
            return None
        return self.running_since + (self.budget - self.consumed)

    @property
    def warning_at(self) -> datetime | None:
        due = self.due_at
        return None if due is None else due - self.window * (1 - self.warning_fraction)
