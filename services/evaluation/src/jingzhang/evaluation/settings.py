"""Evaluation's settings: the shared ones plus the ranking policy (documented in `domain.ranking`) and
the spot checks' usual sample. The composition root builds them with `EvaluationSettings.of(settings)`."""

from pydantic import Field

from jingzhang.evaluation.domain.ranking import DEFAULT_LIST_SIZE, DEFAULT_MIN_RATED_APPEALS, Weighting
from jingzhang.shared.settings import ServiceSettings


class EvaluationSettings(ServiceSettings):
    """Environment adds RANKING_WEIGHTING (JSON), RANKING_MIN_RATED_APPEALS, RANKING_SIZE, SPOT_CHECK_SAMPLE_SIZE."""

    ranking_weighting: Weighting = Field(default_factory=Weighting)
    ranking_min_rated_appeals: int = Field(default=DEFAULT_MIN_RATED_APPEALS, ge=0)
    ranking_size: int = Field(default=DEFAULT_LIST_SIZE, ge=1)
    spot_check_sample_size: int = Field(default=10, ge=1, description="Default sample when a draw names none")
