"""Traceable numbers: every count and rate keeps the ids of the facts behind it.

Ids are stored sorted, so a metric is the same whichever order its facts arrived in.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction


def _ids(ids: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(ids)))


@dataclass(frozen=True, slots=True)
class Tally:
    """A count (`total`, which may exceed the number of facts, e.g. leaflets) and the facts summed."""

    total: int
    fact_ids: tuple[str, ...]

    @classmethod
    def of(cls, ids: Iterable[str], total: int | None = None) -> "Tally":
        kept = _ids(ids)
        return cls(len(kept) if total is None else total, kept)


@dataclass(frozen=True, slots=True)
class Rate:
    """`numerator ÷ denominator`; `value` is None, not 0, when nothing was there to measure.

    `pending_ids` are facts the rate will measure once they are due (an appeal still within its time
    limit, a visit not yet due): neither hits nor misses yet, so outside the denominator.
    """

    numerator_ids: tuple[str, ...]
    denominator_ids: tuple[str, ...]
    pending_ids: tuple[str, ...] = ()

    @classmethod
    def of(cls, hits: Iterable[str], population: Iterable[str], pending: Iterable[str] = ()) -> "Rate":
        base = _ids(population)
        members = set(base)
        waiting = tuple(i for i in _ids(pending) if i not in members)
        return cls(tuple(i for i in _ids(hits) if i in members), base, waiting)

    @property
    def pending(self) -> int:
        return len(self.pending_ids)

    @property
    def numerator(self) -> int:
        return len(self.numerator_ids)

    @property
    def denominator(self) -> int:
        return len(self.denominator_ids)

    @property
    def value(self) -> Fraction | None:
        return Fraction(self.numerator, self.denominator) if self.denominator else None

    @property
    def percent(self) -> float | None:
        """For display: rounded to one decimal."""
        return None if self.value is None else round(float(self.value) * 100, 1)

    @property
    def fact_ids(self) -> tuple[str, ...]:
        return self.denominator_ids
