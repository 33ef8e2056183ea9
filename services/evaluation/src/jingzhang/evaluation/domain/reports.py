"""Reading the facts: which officers a year's ranking covers, and the ranking itself.

The ranking covers the chiefs: every officer who held a chief term at some time in the year.
"""

from dataclasses import dataclass

from jingzhang.evaluation.domain.facts import Facts
from jingzhang.evaluation.domain.period import Period
from jingzhang.evaluation.domain.ranking import DEFAULT_LIST_SIZE, DEFAULT_MIN_RATED_APPEALS, Ranking, Weighting, rank
from jingzhang.evaluation.domain.scorecard import scorecard


@dataclass(frozen=True, slots=True)
class RankingPolicy:
    weighting: Weighting
    min_rated_appeals: int = DEFAULT_MIN_RATED_APPEALS
    size: int = DEFAULT_LIST_SIZE


def chiefs_in(facts: Facts, period: Period) -> list[str]:
    held = {
        t.officer_id
        for t in facts.chief_terms
        if t.span.active_from < period.end and (t.span.active_until is None or t.span.active_until > period.start)
    }
    return sorted(held)


def yearly_ranking(facts: Facts, year: int, policy: RankingPolicy) -> Ranking:
    period = Period.year(year)
    cards = [scorecard(officer_id, period, facts) for officer_id in chiefs_in(facts, period)]
    return rank(cards, policy.weighting, policy.min_rated_appeals, policy.size)
