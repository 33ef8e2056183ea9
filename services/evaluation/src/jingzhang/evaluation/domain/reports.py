"""Reading the facts: which officers a year's ranking covers, and the ranking itself.

The ranking covers the chiefs: every officer who held a chief term at some time in the year (business
time). It is computed from their scorecards as the bureau knew them at `as_of`, so a ranking read now
counts only what is due now, and one read as of a past instant is the one the bureau could have drawn then.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from jingzhang.evaluation.domain.facts import Facts
from jingzhang.evaluation.domain.period import Period
from jingzhang.evaluation.domain.ranking import (
    DEFAULT_LIST_SIZE,
    DEFAULT_MIN_SAMPLE,
    DEFAULT_WEIGHTING,
    Ranking,
    Weighting,
    rank,
)
from jingzhang.evaluation.domain.scorecard import scorecard_of_known

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RankingPolicy:
    weighting: Weighting = DEFAULT_WEIGHTING
    min_sample: int = DEFAULT_MIN_SAMPLE
    size: int = DEFAULT_LIST_SIZE


def chiefs_in(facts: Facts, period: Period) -> list[str]:
    return sorted({t.officer_id for t in facts.chief_terms if t.span.overlaps(period)})


def yearly_ranking(facts: Facts, year: int, policy: RankingPolicy, as_of: datetime) -> Ranking:
    period = Period.year(year)
    known = facts.known_at(as_of)
    officers = chiefs_in(known, period)
    mine = officers_facts(known, officers)
    cards = [scorecard_of_known(officer_id, period, mine[officer_id], as_of) for officer_id in officers]
    return rank(cards, policy.weighting, policy.min_sample, policy.size)


def officers_facts(known: Facts, officers: Iterable[str]) -> dict[str, Facts]:
    """Each officer's share of the facts a scorecard reads (their appeals, duties, work, ratings and the
    spot-check answers about them), sorted out in one pass: a scorecard of it equals one of all the facts,
    and a ranking no longer reads every fact once per officer."""
    wanted = set(officers)

    def by_officer(items: tuple[T, ...], whose: Callable[[T], Iterable[str]]) -> dict[str, tuple[T, ...]]:
        found: dict[str, list[T]] = defaultdict(list)
        for item in items:
            for officer_id in whose(item):
                if officer_id in wanted:
                    found[officer_id].append(item)
        return {o: tuple(items) for o, items in found.items()}

    appeals = by_officer(known.appeals, lambda a: (a.officer_id,))
    duties = by_officer(known.duties, lambda d: (d.officer_id,))
    ratings = by_officer(known.ratings, lambda r: (r.officer_id,))
    activities = by_officer(known.activities, lambda a: a.officer_ids)
    answers = by_officer(known.spot_checks, lambda s: s.officer_ids)
    return {
        o: Facts(
            appeals=appeals.get(o, ()),
            duties=duties.get(o, ()),
            activities=activities.get(o, ()),
            ratings=ratings.get(o, ()),
            spot_checks=answers.get(o, ()),
        )
        for o in wanted
    }
