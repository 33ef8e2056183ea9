"""JSON shapes of the domain's results: counts as totals, rates with their parts, fractions as floats."""

from dataclasses import asdict, fields, is_dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any

from jingzhang.evaluation.domain.metrics import Rate, Tally
from jingzhang.evaluation.domain.period import Period
from jingzhang.evaluation.domain.spot_check import SpotCheckComparison
from jingzhang.evaluation.handlers import RankingView, SpotCheckView


def value_view(value: object) -> Any:
    match value:
        case Tally(total=total):
            return {"total": total}
        case Rate():
            return rate_view(value)
        case Period(start=start, end=end):
            return {"start": start.isoformat(), "end": end.isoformat()}
        case Fraction():
            return round(float(value), 4)
        case datetime():
            return value.isoformat()
        case _:
            return value


def rate_view(rate: Rate) -> dict[str, Any]:
    return {"numerator": rate.numerator, "denominator": rate.denominator, "percent": rate.percent}


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


def ranking_view(year: int, view: RankingView) -> dict[str, Any]:
    ranking, published = view.computed, view.published
    return {
        "year": year,
        "weighting": ranking.weighting.model_dump(),
        "min_rated_appeals": ranking.min_rated_appeals,
        "guard": (
            f"Officers with fewer than {ranking.min_rated_appeals} rated appeals in {year} are not ranked on"
            " rates: too few ratings make a rate noise. They are listed under unranked_on_rates."
        ),
        "models": [o.model_dump() for o in ranking.models],
        "laggards": [o.model_dump() for o in ranking.laggards],
        "unranked_on_rates": [o.model_dump() for o in ranking.unranked],
        "published": published.model_dump(mode="json") if published else None,
    }
