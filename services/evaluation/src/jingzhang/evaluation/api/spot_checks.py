"""Satisfaction spot checks (满意度抽查), the bureau's: a seeded draw, answers, closing, and the check
against what the sampled enterprises reported in their ratings (bureau and auditors read it)."""

from typing import Any

from fastapi import APIRouter, status

from jingzhang.evaluation import handlers
from jingzhang.evaluation.api.authz import bureau, everything
from jingzhang.evaluation.api.bodies import AnswerBody, CloseBody, DrawSpotCheckBody, SpotCheckId
from jingzhang.evaluation.api.deps import HandlerDeps, Meta
from jingzhang.evaluation.api.views import spot_check_view
from jingzhang.evaluation.domain.spot_check import CloseSpotCheck, DrawSpotCheck, RecordSpotCheckAnswer
from jingzhang.shared.http import CommandAccepted, accepted

router = APIRouter()


@router.post(
    "/spot-checks",
    status_code=status.HTTP_201_CREATED,
    dependencies=[bureau("drawing a spot check")],
    tags=["commands"],
)
async def draw_spot_check(body: DrawSpotCheckBody, deps: HandlerDeps, meta: Meta) -> CommandAccepted:
    decided = await handlers.draw_spot_check(deps, DrawSpotCheck(**body.model_dump()), meta)
    return accepted(decided.state.spot_check_id, decided)


@router.post(
    "/spot-checks/{spot_check_id}/answers",
    status_code=status.HTTP_201_CREATED,
    dependencies=[bureau("recording a spot-check answer")],
    tags=["commands"],
)
async def record_answer(spot_check_id: SpotCheckId, body: AnswerBody, deps: HandlerDeps, meta: Meta) -> CommandAccepted:
    cmd = RecordSpotCheckAnswer(spot_check_id, **body.model_dump())
    return accepted(spot_check_id, await handlers.record_answer(deps, cmd, meta))


@router.post("/spot-checks/{spot_check_id}/close", dependencies=[bureau("closing a spot check")], tags=["commands"])
async def close_spot_check(
    spot_check_id: SpotCheckId, deps: HandlerDeps, meta: Meta, body: CloseBody | None = None
) -> CommandAccepted:
    cmd = CloseSpotCheck(spot_check_id, body.expected_version if body else None)
    return accepted(spot_check_id, await handlers.close_spot_check(deps, cmd, meta))


@router.get("/spot-checks/{spot_check_id}", dependencies=[everything("reading a spot check")], tags=["reports"])
async def get_spot_check(spot_check_id: SpotCheckId, deps: HandlerDeps) -> dict[str, Any]:
    return spot_check_view(await handlers.view_spot_check(deps, spot_check_id))
