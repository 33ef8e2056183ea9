"""The year as steps in business time, event-day by event-day: each step moves the services' clocks to
one instant, then sends what the bureau did at that instant.

A day's work is entered at the end of its working day (`EVENING`); a few things happen in the morning
(officers enrolled, sick leave taken, paper appeals entered). Every working day has visits, so the
services' periodic passes (deadlines, duties due and overdue, absences beginning and ending) run at
least once a working day, as they would over a real year; a quiet weekend or holiday has no step, and
what fell due in it is found by the next day's passes.
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from jingzhang.app.demo.commands import Chain, Command, instant

MORNING = time(8, 30)
EVENING = time(17, 30)
"""When the day's work is entered: visits, activities, appeals and their handling."""


@dataclass(frozen=True, slots=True)
class Step:
    """Move every service's clock to `at`, then run `chains` (concurrently; each chain in order), after
    waiting for every service to apply everything recorded so far if a command needs it (`settle`)."""

    at: datetime
    chains: tuple[Chain, ...]

    @property
    def settle(self) -> bool:
        return any(command.settled for chain in self.chains for command in chain)

    @property
    def needs_settled(self) -> tuple[Command, ...]:
        """The step's commands that need settling first (see `Command.settled`)."""
        return tuple(command for chain in self.chains for command in chain if command.settled)


class Agenda:
    """Chains booked at instants; `steps` lays them out in time order."""

    def __init__(self) -> None:
        self._booked: dict[datetime, list[Chain]] = defaultdict(list)

    def add(self, when: datetime, *chains: Chain) -> None:
        self._booked[when].extend(chain for chain in chains if chain)

    def on(self, day: date, *chains: Chain, clock: time = EVENING) -> None:
        self.add(instant(day, clock), *chains)

    def steps(self) -> tuple[Step, ...]:
        return tuple(Step(at, tuple(self._booked[at])) for at in sorted(self._booked))


def days(first: date, last: date) -> Iterator[date]:
    """`first` to `last`, both included."""
    for n in range((last - first).days + 1):
        yield first + timedelta(days=n)
