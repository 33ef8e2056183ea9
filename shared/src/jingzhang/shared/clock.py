"""Time and identity are inputs: the composition root injects them, tests pass fixed ones."""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock for tests and replays: it only moves when told to."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._at = at

    def now(self) -> datetime:
        return self._at

    def advance(self, by: timedelta) -> None:
        self._at += by

    def set(self, at: datetime) -> None:
        self._at = at


IdFactory = Callable[[], uuid.UUID]


def new_id() -> uuid.UUID:
    return uuid.uuid4()


def sequential_ids(prefix: int = 0) -> IdFactory:
    """Deterministic UUIDs for tests and demo data."""
    counter = iter(range(1, 2**62))
    return lambda: uuid.UUID(int=(prefix << 64) | next(counter))


class ShiftedClock:
    """Real time, shifted so that the process starts at `start`: for demos set in another period.

    It advances like the wall clock (deadlines still fire), but reads as if the system had been
    started at `start`.
    """

    def __init__(self, start: datetime, base: Clock | None = None) -> None:
        if start.tzinfo is None:
            raise ValueError("ShiftedClock needs an aware datetime")
        self._base = base or SystemClock()
        self._shift: timedelta = start - self._base.now()

    def now(self) -> datetime:
        return self._base.now() + self._shift

    def advance_to(self, at: datetime) -> bool:
        """Read `at` from now on (moving on with real time from there); False if `at` is not ahead."""
        ahead = at - self.now()
        if ahead <= timedelta(0):
            return False
        self._shift += ahead
        return True

    def not_before(self, at: datetime) -> None:
        """Never read earlier than `at`: a restarted service must not go back behind what it recorded."""
        behind = at - self.now()
        if behind > timedelta(0):
            self._shift += behind


def clock_for(start: datetime | None) -> Clock:
    """The composition roots' clock: the system clock, or a shifted one when `CLOCK_START` is set."""
    return SystemClock() if start is None else ShiftedClock(start)
