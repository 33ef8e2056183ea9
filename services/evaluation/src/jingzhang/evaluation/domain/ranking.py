"""The yearly ranking: 10 model chiefs (标兵警长) and 10 laggard chiefs (后进警长) from scorecards.

Score = Σ weight × component, each component in [0, 1]:
- satisfaction, resolution and response rates and visit compliance, straight from the scorecard;
- activity volume: the officer's `activity_volume` ÷ the largest among the ranked officers (0 if none).
A component an officer has no measure for (None, e.g. no visits were due) is left out and the other
weights are scaled back up to sum to 1, so nobody gains or loses for work that was not asked of them.

The minimum-sample guard: an officer with fewer than `min_rated_appeals` rated appeals is not ranked
on rates at all; `unranked` lists them with the reason. Ties break by officer id (ascending) so the
result never depends on input order. With fewer than 2 × `size` ranked officers the lists take half
each (rounded down), so nobody is both a model and a laggard.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from pydantic import BaseModel, ConfigDict, Field, model_validator

from jingzhang.evaluation.domain.scorecard import Scorecard

DEFAULT_MIN_RATED_APPEALS = 5
DEFAULT_LIST_SIZE = 10


class Weighting(BaseModel):
    """How much each component counts. Defaults: satisfaction 0.35, resolution 0.25, response 0.15,
    visit compliance 0.15, activity volume 0.10 (normalised to the busiest ranked officer). Must sum to 1."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    satisfaction: float = Field(default=0.35, ge=0, le=1)
    resolution: float = Field(default=0.25, ge=0, le=1)
    response: float = Field(default=0.15, ge=0, le=1)
    visit_compliance: float = Field(default=0.15, ge=0, le=1)
    activity_volume: float = Field(default=0.10, ge=0, le=1)

    @model_validator(mode="after")
    def _sums_to_one(self) -> "Weighting":
        total = sum(self.model_dump().values())
        if abs(total - 1) > 1e-9:
            raise ValueError(f"weights must sum to 1, not {total}")
        return self


class RankedOfficer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    officer_id: str
    rank: int
    score: float
    rated_appeals: int


class UnrankedOfficer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    officer_id: str
    rated_appeals: int
    reason: str


@dataclass(frozen=True, slots=True)
class Ranking:
    weighting: Weighting
    min_rated_appeals: int
    models: tuple[RankedOfficer, ...]
    laggards: tuple[RankedOfficer, ...]
    unranked: tuple[UnrankedOfficer, ...]


def rank(
    cards: Iterable[Scorecard],
    weighting: Weighting | None = None,
    min_rated_appeals: int = DEFAULT_MIN_RATED_APPEALS,
    size: int = DEFAULT_LIST_SIZE,
) -> Ranking:
    weighting = weighting or Weighting()
    ordered = sorted(cards, key=lambda c: c.officer_id)
    eligible = [c for c in ordered if _eligible(c, min_rated_appeals)]
    below = [c for c in ordered if not _eligible(c, min_rated_appeals)]
    busiest = max((c.activity_volume for c in eligible), default=0)
    scored = sorted(((score(c, weighting, busiest), c) for c in eligible), key=_best_first)
    table = [_ranked(position, value, card) for position, (value, card) in enumerate(scored, start=1)]
    take = min(size, len(table) // 2)
    return Ranking(
        weighting=weighting,
        min_rated_appeals=min_rated_appeals,
        models=tuple(table[:take]),
        laggards=tuple(reversed(table[len(table) - take :])),  # worst first
        unranked=tuple(_unranked(c, min_rated_appeals) for c in below),
    )


def score(card: Scorecard, weighting: Weighting, busiest: int) -> Fraction:
    """The weighted mean of the components the officer has a measure for (see the module docstring)."""
    parts = [
        (weighting.satisfaction, card.satisfaction_rate.value),
        (weighting.resolution, card.resolution_rate.value),
        (weighting.response, card.response_rate.value),
        (weighting.visit_compliance, card.visit_compliance.value),
        (weighting.activity_volume, Fraction(card.activity_volume, busiest) if busiest else Fraction(0)),
    ]
    # str() first: the weights are decimals people typed (0.35), not their nearest binary floats.
    measured = [(Fraction(str(weight)), value) for weight, value in parts if value is not None]
    total_weight = sum((weight for weight, _ in measured), Fraction(0))
    if total_weight == 0:
        return Fraction(0)
    return sum((weight * value for weight, value in measured), Fraction(0)) / total_weight


def _eligible(card: Scorecard, minimum: int) -> bool:
    return card.rated_appeals >= minimum


def _best_first(pair: tuple[Fraction, Scorecard]) -> tuple[Fraction, str]:
    return -pair[0], pair[1].officer_id


def _ranked(position: int, value: Fraction, card: Scorecard) -> RankedOfficer:
    rounded = round(float(value), 4)
    return RankedOfficer(officer_id=card.officer_id, rank=position, score=rounded, rated_appeals=card.rated_appeals)


def _unranked(card: Scorecard, minimum: int) -> UnrankedOfficer:
    return UnrankedOfficer(
        officer_id=card.officer_id,
        rated_appeals=card.rated_appeals,
        reason=f"{card.rated_appeals} rated appeals, fewer than the minimum {minimum}: not ranked on rates",
    )
