"""JSON shapes of the domain's results: counts as totals, rates with their parts, fractions as floats."""

from dataclasses import asdict, fields, is_dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any

from jingzhang.evaluation.domain.metrics import Rate, Tally
from jingzhang.evaluation.domain.period import BUREAU_TZ, Period
from jingzhang.evaluation.domain.ranking import Part, Ranking
from jingzhang.evaluation.domain.spot_check import SpotCheckComparison
from jingzhang.evaluation.handlers import RankedExplanation, RankingView, SpotCheckView


def value_view(value: object) -> Any:
    match value:
        case Tally(total=total):
            return {"total": total}
        case Rate():
            return rate_view(value)
        case Period(start=start, end=end):
            return {"start": bureau_time(start), "end": bureau_time(end)}
        case Fraction():
            return round(float(value), 4)
        case datetime():
            return bureau_time(value)
        case _:
            return value


def bureau_time(at: datetime) -> str:
    """Times people read are the bureau's (Asia/Shanghai), whatever zone they were computed in."""
    return at.astimezone(BUREAU_TZ).isoformat()


def rate_view(rate: Rate) -> dict[str, Any]:
    """`pending`: what the rate will measure once it is due (not yet a hit nor a miss)."""
    return {
        "numerator": rate.numerator,
        "denominator": rate.denominator,
        "percent": rate.percent,
        "pending": rate.pending,
    }


def record_view(record: object) -> dict[str, Any]:
    """Every field of a result dataclass (a scorecard, a figure table), rendered by `value_view`."""
    assert is_dataclass(record)
    return {f.name: value_view(getattr(record, f.name)) for f in fields(record)}


def comparison_view(comparison: SpotCheckComparison) -> dict[str, Any]:
    gap = comparison.gap
    return {
        "sampled": rate_view(comparison.sampled),
        "reported": rate_view(comparison.reported),
        "gap_percent_points": None if gap is None else round(float(gap) * 100, 1),
    }


def spot_check_view(view: SpotCheckView) -> dict[str, Any]:
    """The draw as recorded, its status, answers and comparison with the reported ratings."""
    drawn = view.state.drawn
    assert drawn is not None  # view_spot_check refuses a spot check never drawn
    return {
        **drawn.model_dump(mode="json"),
        "status": view.state.status.value,
        "version": view.version,
        "answers": [asdict(a) for a in view.state.answers],
        "comparison": comparison_view(view.comparison),
    }


def guard_view(ranking: Ranking, year: int) -> dict[str, Any]:
    minimum = ranking.min_sample
    return {
        "min_sample": minimum,
        "counts": ["ratings", "rated_appeals", "spot_check_answers"],
        "rule": (
            f"{year} 年度企业评价、回访评价与满意度抽查回答合计少于 {minimum} 条的警长不参与排名，"
            "列入 unranked_on_rates"
            f" (officers with fewer than {minimum} ratings, rated appeals and spot-check answers together in {year}"
            " are not ranked: too few verdicts make a score noise. They are listed under unranked_on_rates.)"
        ),
    }


def ranking_view(year: int, view: RankingView) -> dict[str, Any]:
    ranking, published = view.computed, view.published
    return {
        "year": year,
        "as_of": bureau_time(view.as_of) if view.as_of else None,
        "weighting": ranking.weighting.model_dump(),
        "guard": guard_view(ranking, year),
        "models": [o.model_dump() for o in ranking.models],
        "laggards": [o.model_dump() for o in ranking.laggards],
        "unranked_on_rates": [o.model_dump() for o in ranking.unranked],
        "published": published.model_dump(mode="json") if published else None,
    }


def part_view(part: Part, events: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "component": part.component.value,
        "weight": value_view(part.weight),
        "value": value_view(part.value),
        "share": value_view(part.share),
        "contribution": value_view(part.contribution),
        "metrics": list(part.metrics),
        "fact_ids": list(part.fact_ids),
        "counted_ids": list(part.counted_ids),
        "events": events,
    }


def explanation_view(
    year: int, officer_id: str, view: RankedExplanation, as_of: datetime | None, events: list[list[dict[str, Any]]]
) -> dict[str, Any]:
    """`events[i]` are the events behind the explanation's i-th part."""
    e = view.explanation
    return {
        "year": year,
        "officer_id": officer_id,
        "as_of": bureau_time(as_of) if as_of else None,
        "rank": view.rank,
        "score": value_view(e.score),
        "sample": e.sample,
        "rated_appeals": e.rated_appeals,
        "weighting": view.ranking.weighting.model_dump(),
        "guard": guard_view(view.ranking, year),
        "components": [part_view(p, found) for p, found in zip(e.parts, events, strict=True)],
    }
