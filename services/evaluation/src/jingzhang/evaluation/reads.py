"""Reads that do not grow with history: load what a period needs, and keep an answer while it holds.

A figure table, a scorecard or a ranking reads one business period. The facts read model loads only
the facts that can matter for it (`Scope`; see `projections.loader`), so a read costs what the period
holds, not what all the years before it hold.

An answer is then kept (`ReadCache`) for as long as it provably cannot change:
- the facts tables are where they were (`Reading.position`: nothing was applied since);
- the instant asked for lies in `[instant, until)` of the kept answer, where `until` is the next
  instant at which a reading of those facts can differ (`Facts.next_change_after`: something learned,
  or a time limit or due time passing). "As of now" moves with the clock, so an answer as of now is
  served again only until the next appeal or visit falls due; an answer as of a past instant is kept
  for that instant and the ones after it up to the next change.
A kept answer is given back with the instant asked for (`restamp`), which is the only difference.
"""

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from jingzhang.evaluation.domain.facts import Facts
from jingzhang.evaluation.domain.period import Period

R = TypeVar("R")

Position = tuple[int, int]
"""Where the facts tables are: which tables (a rebuild swaps them in) and how far they were applied."""


@dataclass(frozen=True, slots=True)
class Scope:
    """A read of the business period `period` as of `since` or any later instant."""

    period: Period
    since: datetime


@dataclass(frozen=True, slots=True)
class Reading:
    """The facts that can matter for a scope, read in one snapshot with the position they were read at."""

    facts: Facts
    position: Position
    latest: datetime | None
    """A time that stands for the latest learned time of all the facts, in one snapshot with them:
    that time itself when it is not earlier than the `now` the reading was taken for, else a time no
    earlier than it and earlier than that `now` (so `max(now, latest)` is the same either way)."""

    def now_or_later(self, now: datetime) -> datetime:
        """Now, but never before the latest fact learned (another service's clock may run ahead)."""
        return now if self.latest is None else max(now, self.latest)


@dataclass(frozen=True, slots=True)
class _Kept(Generic[R]):
    position: Position
    latest: datetime | None
    instant: datetime
    until: datetime | None
    answer: R

    def serves(self, position: Position, instant: datetime) -> bool:
        return position == self.position and self.instant <= instant and (self.until is None or instant < self.until)


class ReadCache:
    """The last answer per request (figures of a period, a scorecard, a ranking), least recently used
    dropped beyond `size`."""

    def __init__(self, size: int = 32) -> None:
        self._size = size
        self._kept: OrderedDict[Hashable, _Kept[object]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def instant(self, key: Hashable, position: Position, as_of: datetime | None, now: datetime) -> datetime | None:
        """The instant a kept answer for `key` would be read as of, if one was kept at `position`."""
        kept = self._kept.get(key)
        if kept is None or kept.position != position:
            return None
        if as_of is not None:
            return as_of
        if now < kept.instant and kept.instant != kept.latest:
            return None  # a clock set back: the kept `latest` may be a bound, not the latest itself
        return now if kept.latest is None else max(now, kept.latest)

    def get(self, key: Hashable, position: Position, instant: datetime) -> object | None:
        kept = self._kept.get(key)
        if kept is None or not kept.serves(position, instant):
            return None
        self._kept.move_to_end(key)
        self.hits += 1
        return kept.answer

    def put(self, key: Hashable, reading: Reading, instant: datetime, answer: object) -> None:
        self.misses += 1
        until = reading.facts.next_change_after(instant)
        self._kept[key] = _Kept(reading.position, reading.latest, instant, until, answer)
        self._kept.move_to_end(key)
        while len(self._kept) > self._size:
            self._kept.popitem(last=False)


async def read_through(
    cache: ReadCache,
    key: Hashable,
    position: Callable[[], Awaitable[Position]],
    reading: Callable[[datetime], Awaitable[Reading]],
    as_of: datetime | None,
    now: datetime,
    compute: Callable[[Facts, datetime], R],
    restamp: Callable[[R, datetime], R],
    kind: type[R],
) -> R:
    """The answer for `key` as of `as_of` (None: now, or later), kept or computed from a fresh reading."""
    at = await position()
    instant = cache.instant(key, at, as_of, now)
    kept = cache.get(key, at, instant) if instant is not None else None
    if isinstance(kept, kind) and instant is not None:
        return restamp(kept, instant)
    fresh = await reading(as_of or now)
    instant = as_of or fresh.now_or_later(now)
    answer = compute(fresh.facts, instant)
    cache.put(key, fresh, instant, answer)
    return answer
