"""JSON shapes of the domain's results: counts as totals, rates with their parts, fractions as floats."""

from dataclasses import fields, is_dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any

from jingzhang.evaluation.domain.metrics import Rate, Tally
from jingzhang.evaluation.domain.period import Period
from jingzhang.evaluation.domain.spot_check import SpotCheckComparison


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
