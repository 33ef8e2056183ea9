"""Evaluation's settings: the shared ones plus the ranking policy (documented in `domain.ranking`) and
the spot checks' usual sample. The composition root builds them with `EvaluationSettings.of(settings)`."""

from pydantic import Field

from jingzhang.evaluation.domain.ranking import DEFAULT_LIST_SIZE, DEFAULT_MIN_SAMPLE, DEFAULT_WEIGHTING, Weighting
from jingzhang.shared.settings import ServiceSettings


class EvaluationSettings(ServiceSettings):
    """Environment adds RANKING_WEIGHTING (JSON), RANKING_MIN_SAMPLE, RANKING_SIZE, SPOT_CHECK_SAMPLE_SIZE."""

    ranking_weighting: Weighting = Field(
        default=DEFAULT_WEIGHTING,
        description='Weights of the ranking\'s components, JSON, e.g. {"ratings": 0.5, "spot_checks": 0.5};'
        " a weight left out is 0; they must sum to 1",
    )
    ranking_min_sample: int = Field(
        default=DEFAULT_MIN_SAMPLE,
        ge=0,
        description="The guard: fewest ratings + rated appeals + spot-check answers for an officer to be ranked",
    )
    ranking_size: int = Field(default=DEFAULT_LIST_SIZE, ge=1, description="Model chiefs and laggard chiefs named")
    spot_check_sample_size: int = Field(default=10, ge=1, description="Default sample when a draw names none")
