"""The yearly ranking: 10 model chiefs (标兵警长) and 10 laggard chiefs (后进警长) from scorecards.

The seed puts the enterprises' word first ("由企业对警长进行打评评比，定期进行满意度抽查，每年评选10名标兵
警长和后进警长"), so the score rests on the ratings and the satisfaction spot checks, with the appeals'
outcomes and visit compliance beside them. Score = Σ weight × component, each component in [0, 1]:

| component          | from the officer's scorecard for the year                              | default |
| ------------------ | ---------------------------------------------------------------------- | ------- |
| `ratings`          | 打评: mean level of the enterprises' ratings (`ChiefRated`), (mean−1)/4 | 0.30    |
| `spot_checks`      | 满意度抽查: share of the spot-check answers about the officer satisfied  | 0.20    |
| `satisfaction`     | share of rated appeals the callback found satisfied (level ≥ 4)        | 0.15    |
| `resolution`       | share of rated appeals the callback found resolved                     | 0.10    |
| `response`         | share of due appeals answered within their first-response limit       | 0.10    |
| `visit_compliance` | share of due visits done on time                                       | 0.15    |
| `activity_volume`  | the officer's activity volume ÷ the busiest ranked officer's           | 0       |

Ratings are scored by their mean level because 打评 is a score (a campaign moving 4s to 5s is a better
verdict); a spot-check answer is first of all "satisfied or not", so it is scored as a share. Weights
are configuration (`RANKING_WEIGHTING`, JSON: a weight left out is 0; they must sum to 1) and come back
with the ranking. A component an officer has no measure for (None: nobody rated them, no visit was due)
is left out and the other weights are scaled back up to sum to 1, so nobody gains or loses for what
was not asked of them or said of them.

The minimum-sample guard: a score needs enough of the enterprises' word behind it. The sample is the
officer's ratings + rated appeals (callbacks) + spot-check answers about them: each is one enterprise's
verdict on the officer, and the spot checks are exactly the bureau's own sample of those verdicts.
An officer whose sample is below `min_sample` is not ranked; `unranked` lists them with the reason.

Ties break by score, then officer id (ascending), so the result never depends on input order. With
fewer than 2 × `size` ranked officers the lists take half each (rounded down), so nobody is both a
model and a laggard. Every score is explained (`explain`): each component's weight, value and share of
the score, with the ids of the events behind it (ratings, spot-check answers, appeals, duties).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from pydantic import BaseModel, ConfigDict, Field, model_validator

from jingzhang.evaluation.domain.metrics import Rate
from jingzhang.evaluation.domain.scorecard import Scorecard

DEFAULT_MIN_SAMPLE = 5
DEFAULT_LIST_SIZE = 10


class Component(StrEnum):
    RATINGS = "ratings"
    SPOT_CHECKS = "spot_checks"
    SATISFACTION = "satisfaction"
    RESOLUTION = "resolution"
    RESPONSE = "response"
    VISIT_COMPLIANCE = "visit_compliance"
    ACTIVITY_VOLUME = "activity_volume"


ACTIVITY_METRICS = (
    "hazards_rectified",
    "disputes_mediated",
    "services_on_behalf",
    "obstruction_cases",
    "legal_trainings",
    "patrol_person_times",
)

METRICS: dict[Component, tuple[str, ...]] = {
    Component.RATINGS: ("ratings_received",),
    Component.SPOT_CHECKS: ("spot_check_satisfaction",),
    Component.SATISFACTION: ("satisfaction_rate",),
    Component.RESOLUTION: ("resolution_rate",),
    Component.RESPONSE: ("response_rate",),
    Component.VISIT_COMPLIANCE: ("visit_compliance",),
    Component.ACTIVITY_VOLUME: ACTIVITY_METRICS,
}
"""The scorecard metrics each component is computed from (and whose evidence explains it)."""


class Weighting(BaseModel):
    """How much each component counts (see `jingzhang.evaluation.domain.ranking`). A weight left out is
    0; together they must sum to 1. `DEFAULT_WEIGHTING` holds the defaults."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ratings: float = Field(default=0.0, ge=0, le=1, description="打评: the enterprises' ratings of the chief")
    spot_checks: float = Field(default=0.0, ge=0, le=1, description="满意度抽查: the spot-check answers about them")
    satisfaction: float = Field(default=0.0, ge=0, le=1, description="The appeal callbacks' satisfaction")
    resolution: float = Field(default=0.0, ge=0, le=1, description="The appeal callbacks' resolution")
    response: float = Field(default=0.0, ge=0, le=1, description="Appeals answered within their first-response limit")
    visit_compliance: float = Field(default=0.0, ge=0, le=1, description="Due visits done on time")
    activity_volume: float = Field(default=0.0, ge=0, le=1, description="Work done, against the busiest ranked chief")

    @model_validator(mode="after")
    def _sums_to_one(self) -> "Weighting":
        total = sum((self.of(c) for c in Component), Fraction(0))
        if abs(total - 1) > Fraction(1, 10**9):
            raise ValueError(f"weights must sum to 1, not {float(total)}")
        return self

    def of(self, component: Component) -> Fraction:
        # str() first: the weights are decimals people typed (0.15), not their nearest binary floats
        return Fraction(str(getattr(self, component.value)))


DEFAULT_WEIGHTING = Weighting(
    ratings=0.30, spot_checks=0.20, satisfaction=0.15, resolution=0.10, response=0.10, visit_compliance=0.15
)


class RankedOfficer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    officer_id: str
    rank: int
    score: float
    rated_appeals: int
    sample: int | None = Field(default=None, description="Ratings + rated appeals + spot-check answers")
    components: dict[str, float | None] | None = Field(
        default=None, description="Each component's value in [0, 1]; null when not measured (left out)"
    )


class UnrankedOfficer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    officer_id: str
    rated_appeals: int
    reason: str
    sample: int | None = Field(default=None, description="Ratings + rated appeals + spot-check answers")


@dataclass(frozen=True, slots=True)
class Part:
    """One component of a score: its configured weight, its value (None: not measured), its share of
    the score once unmeasured components are left out, and the facts (events) behind it."""

    component: Component
    weight: Fraction
    value: Fraction | None
    share: Fraction
    metrics: tuple[str, ...]
    fact_ids: tuple[str, ...]
    counted_ids: tuple[str, ...]

    @property
    def contribution(self) -> Fraction:
        return self.share * self.value if self.value is not None else Fraction(0)


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why an officer scored what they did: `score` is the sum of the parts' contributions."""

    officer_id: str
    score: Fraction
    sample: int
    rated_appeals: int
    parts: tuple[Part, ...]

    def components(self) -> dict[str, float | None]:
        return {p.component.value: None if p.value is None else round(float(p.value), 4) for p in self.parts}


@dataclass(frozen=True, slots=True)
class Ranking:
    weighting: Weighting
    min_sample: int
    models: tuple[RankedOfficer, ...]
    laggards: tuple[RankedOfficer, ...]
    unranked: tuple[UnrankedOfficer, ...]
    table: tuple[RankedOfficer, ...] = ()
    """Every ranked officer, best first."""
    explanations: tuple[Explanation, ...] = ()
    """Every officer's, ranked or not, by officer id."""

    def explanation(self, officer_id: str) -> Explanation | None:
        return next((e for e in self.explanations if e.officer_id == officer_id), None)


def rank(
    cards: Iterable[Scorecard],
    weighting: Weighting | None = None,
    min_sample: int = DEFAULT_MIN_SAMPLE,
    size: int = DEFAULT_LIST_SIZE,
) -> Ranking:
    weighting = weighting or DEFAULT_WEIGHTING
    ordered = sorted(cards, key=lambda c: c.officer_id)
    eligible = [c for c in ordered if c.sample >= min_sample]
    busiest = max((c.activity_volume for c in eligible), default=0)
    explained = tuple(explain(c, weighting, busiest) for c in ordered)
    scored = sorted((e for e in explained if e.sample >= min_sample), key=lambda e: (-e.score, e.officer_id))
    table = tuple(_ranked(position, e) for position, e in enumerate(scored, start=1))
    take = min(size, len(table) // 2)
    return Ranking(
        weighting=weighting,
        min_sample=min_sample,
        models=table[:take],
        laggards=tuple(reversed(table[len(table) - take :])),  # worst first
        unranked=tuple(_unranked(c, min_sample) for c in ordered if c.sample < min_sample),
        table=table,
        explanations=explained,
    )


def explain(card: Scorecard, weighting: Weighting, busiest: int) -> Explanation:
    """Each component's part in the officer's score (see the module docstring)."""
    values = {c: component_value(card, c, busiest) for c in Component}
    measured = sum((weighting.of(c) for c, v in values.items() if v is not None), Fraction(0))
    parts = tuple(_part(card, c, weighting.of(c), values[c], measured) for c in Component)
    score = sum((p.contribution for p in parts), Fraction(0))
    return Explanation(card.officer_id, score, card.sample, card.rated_appeals, parts)


def score(card: Scorecard, weighting: Weighting, busiest: int) -> Fraction:
    return explain(card, weighting, busiest).score


def component_value(card: Scorecard, component: Component, busiest: int) -> Fraction | None:
    match component:
        case Component.RATINGS:
            return None if card.ratings_average is None else (card.ratings_average - 1) / 4
        case Component.SPOT_CHECKS:
            return card.spot_check_satisfaction.value
        case Component.SATISFACTION:
            return card.satisfaction_rate.value
        case Component.RESOLUTION:
            return card.resolution_rate.value
        case Component.RESPONSE:
            return card.response_rate.value
        case Component.VISIT_COMPLIANCE:
            return card.visit_compliance.value
        case Component.ACTIVITY_VOLUME:
            return Fraction(card.activity_volume, busiest) if busiest else Fraction(0)


def _part(card: Scorecard, c: Component, weight: Fraction, value: Fraction | None, measured: Fraction) -> Part:
    share = weight / measured if value is not None and measured else Fraction(0)
    found = [getattr(card, name) for name in METRICS[c]]
    fact_ids = sorted({i for metric in found for i in metric.fact_ids})
    counted = sorted({i for m in found for i in (m.numerator_ids if isinstance(m, Rate) else m.fact_ids)})
    return Part(c, weight, value, share, METRICS[c], tuple(fact_ids), tuple(counted))


def _ranked(position: int, e: Explanation) -> RankedOfficer:
    return RankedOfficer(
        officer_id=e.officer_id,
        rank=position,
        score=round(float(e.score), 4),
        rated_appeals=e.rated_appeals,
        sample=e.sample,
        components=e.components(),
    )


def _unranked(card: Scorecard, minimum: int) -> UnrankedOfficer:
    ratings, answers = card.ratings_received.total, card.spot_check_satisfaction.denominator
    reason = (
        f"样本不足，不参与排名：评价 {ratings} 条、回访评价 {card.rated_appeals} 条、满意度抽查 {answers} 条，"
        f"共 {card.sample} 条，少于 {minimum} 条 (sample of {card.sample}: {ratings} ratings, {card.rated_appeals}"
        f" rated appeals, {answers} spot-check answers, fewer than the minimum {minimum}: not ranked)"
    )
    return UnrankedOfficer(
        officer_id=card.officer_id, rated_appeals=card.rated_appeals, reason=reason, sample=card.sample
    )
