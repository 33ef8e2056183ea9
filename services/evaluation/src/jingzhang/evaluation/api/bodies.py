"""What requests carry that is not a domain command: bodies, and the path and query parameters."""

from typing import Annotated

from fastapi import Path, Query
from pydantic import BaseModel, Field

from jingzhang.evaluation.domain.period import FIRST_YEAR, LAST_YEAR
from jingzhang.evaluation.domain.vocabulary import ChiefTier

Level = Annotated[int, Field(ge=1, le=5, description="1 very dissatisfied .. 5 very satisfied; 4 and 5 are satisfied")]


class RateChiefBody(BaseModel):
    enterprise_id: str
    officer_id: str
    tier: ChiefTier
    period: str = Field(description='"2025" or "2025-03"')
    level: Level
    comment: str = ""
    expected_version: int | None = None


class DrawSpotCheckBody(BaseModel):
    spot_check_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,64}$")
    seed: int | None = Field(default=None, description="Recorded with the draw; random when not given")
    sample_size: int | None = Field(default=None, ge=1)


class AnswerBody(BaseModel):
    enterprise_id: str
    satisfied: bool
    level: Level
    comment: str = ""
    expected_version: int | None = None
    officer_id: str | None = Field(
        default=None, description="The chief the answer is about; none: the enterprise's chiefs at the time"
    )


class CloseBody(BaseModel):
    expected_version: int | None = None


SpotCheckId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="The spot check's id")]
"""Ids become stream ids and NATS subject tokens: refused with a 422 here, not a 500 deeper down."""
Year = Annotated[int, Path(ge=FIRST_YEAR, le=LAST_YEAR, description="A calendar year, e.g. 2025")]
OfficerId = Annotated[str, Path(description="The officer's id")]

PERIOD = Query(description='"2025" (a year) or "2025-03" (a month)')
AS_OF = Query(
    default=None,
    description="As the bureau knew it then: only what had been recorded by that instant, and rates counting only"
    " what was due by then; default: now",
)
FROM = Query(alias="from", description="Start of the period (inclusive); a date means its midnight, bureau time")
TO = Query(alias="to", description="End of the period (exclusive)")
