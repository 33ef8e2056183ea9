"""Reading the facts: which officers a year's ranking covers, and the ranking itself.

The ranking covers the chiefs: every officer who held a chief term at some time in the year (business
time). It is computed from their scorecards as the bureau knew them at `as_of`, so a ranking read now
counts only what is due now, and one read as of a past instant is the one the bureau could have drawn then.
"""

from dataclasses import dataclass
from datetime import datetime

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
    cards = [scorecard_of_known(officer_id, period, known, as_of) for officer_id in chiefs_in(known, period)]
    return rank(cards, policy.weighting, policy.min_sample, policy.size)
