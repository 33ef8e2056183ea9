"""The yearly ranking: computed from the facts for the police and auditors, published by the bureau
once the year is over."""

from dataclasses import asdict
from datetime import datetime
from typing import Any

from fastapi import APIRouter, status

from jingzhang.evaluation import handlers
from jingzhang.evaluation.api.authz import OWN_SCORECARD, bureau, police_and_auditors
from jingzhang.evaluation.api.bodies import AS_OF, OfficerId, Year
from jingzhang.evaluation.api.deps import FactsTables, HandlerDeps, Meta
from jingzhang.evaluation.api.views import explanation_view, ranking_view
from jingzhang.evaluation.domain.period import in_bureau_time
from jingzhang.evaluation.domain.ranking_publication import PublishRanking
from jingzhang.shared.http import CommandAccepted, accepted

router = APIRouter()


@router.post(
    "/rankings/{year}/publish",
    status_code=status.HTTP_201_CREATED,
    dependencies=[bureau("publishing the ranking")],
    tags=["commands"],
)
async def publish_ranking(year: Year, deps: HandlerDeps, meta: Meta) -> CommandAccepted:
    return accepted(str(year), await handlers.publish_ranking(deps, PublishRanking(year), meta))


@router.get("/rankings/{year}", dependencies=[police_and_auditors("the ranking")], tags=["reports"])
async def get_ranking(year: Year, deps: HandlerDeps, as_of: datetime | None = AS_OF) -> dict[str, Any]:
    """The ranking computed from the facts as of `as_of` (default: now), with the weights and the
    minimum-sample guard it was computed by, and the one published for the year, if any."""
    instant = in_bureau_time(as_of) if as_of else None
    return ranking_view(year, await handlers.view_ranking(deps, year, instant))


@router.get("/rankings/{year}/officers/{officer_id}", dependencies=[OWN_SCORECARD], tags=["reports"])
async def get_ranking_explanation(
    year: Year, officer_id: OfficerId, deps: HandlerDeps, query: FactsTables, as_of: datetime | None = AS_OF
) -> dict[str, Any]:
    """Why a chief scored what they did: each component's weight, value, share of the score and the events
    behind it (the ratings, spot-check answers, appeals and duties), ranked or not (below the guard). Read
    as their scorecard is: by the officer, their station chief, the bureau and auditors."""
    instant = in_bureau_time(as_of) if as_of else None
    view = await handlers.explain_ranking(deps, year, officer_id, instant)
    events = [[asdict(e) for e in await query.events_behind(list(p.fact_ids))] for p in view.explanation.parts]
    return explanation_view(year, officer_id, view, instant, events)
