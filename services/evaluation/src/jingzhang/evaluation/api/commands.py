"""Command routes: ratings, spot checks and publishing the yearly ranking.

Who may call each is declared on the route (see `access`); the events record the token's actor.
"""

import secrets
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from jingzhang.evaluation import handlers
from jingzhang.evaluation.api.access import RATER, bureau, ensure_rates_for
from jingzhang.evaluation.api.deps import HandlerDeps, Meta, Settings, SpotCheckId, Year
from jingzhang.evaluation.domain.spot_check import Answer
from jingzhang.evaluation.domain.vocabulary import ChiefTier
from jingzhang.shared.aggregate import Decided
from jingzhang.shared.auth.http import CurrentPrincipal
from jingzhang.shared.http import CommandAccepted

router = APIRouter(tags=["commands"])

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


class CloseBody(BaseModel):
    expected_version: int | None = None


def accepted(ident: str, decided: Decided[Any]) -> CommandAccepted:
    return CommandAccepted(id=ident, version=decided.version, events=[e.event_type for e in decided.events])


@router.post("/ratings", status_code=status.HTTP_201_CREATED, dependencies=[RATER])
async def rate_chief(
    body: RateChiefBody, deps: HandlerDeps, meta: Meta, principal: CurrentPrincipal
) -> CommandAccepted:
    ensure_rates_for(principal, body.enterprise_id)
    command = handlers.RateChief(body.enterprise_id, body.officer_id, body.tier, body.period, body.level, body.comment)
    ident, decided = await handlers.rate_chief(deps, command, meta, body.expected_version)
    return accepted(ident, decided)


@router.post("/spot-checks", status_code=status.HTTP_201_CREATED, dependencies=[bureau("drawing a spot check")])
async def draw_spot_check(body: DrawSpotCheckBody, deps: HandlerDeps, meta: Meta, app: Settings) -> CommandAccepted:
    ident = body.spot_check_id or str(uuid.uuid4())
    seed = body.seed if body.seed is not None else secrets.randbelow(2**31)
    size = body.sample_size or app.settings.spot_check_sample_size
    return accepted(ident, await handlers.draw_spot_check(deps, ident, seed, size, meta))


@router.post(
    "/spot-checks/{spot_check_id}/answers",
    status_code=status.HTTP_201_CREATED,
    dependencies=[bureau("recording a spot-check answer")],
)
async def record_answer(spot_check_id: SpotCheckId, body: AnswerBody, deps: HandlerDeps, meta: Meta) -> CommandAccepted:
    answer = Answer(body.enterprise_id, body.satisfied, body.level, body.comment)
    decided = await handlers.record_answer(deps, spot_check_id, answer, meta, body.expected_version)
    return accepted(spot_check_id, decided)


@router.post("/spot-checks/{spot_check_id}/close", dependencies=[bureau("closing a spot check")])
async def close_spot_check(
    spot_check_id: SpotCheckId, deps: HandlerDeps, meta: Meta, body: CloseBody | None = None
) -> CommandAccepted:
    expected = body.expected_version if body else None
    return accepted(spot_check_id, await handlers.close_spot_check(deps, spot_check_id, meta, expected))


@router.post(
    "/rankings/{year}/publish", status_code=status.HTTP_201_CREATED, dependencies=[bureau("publishing the ranking")]
)
async def publish_ranking(year: Year, deps: HandlerDeps, meta: Meta, app: Settings) -> CommandAccepted:
    decided = await handlers.publish_ranking(deps, year, app.policy, meta)
    return accepted(str(year), decided)
