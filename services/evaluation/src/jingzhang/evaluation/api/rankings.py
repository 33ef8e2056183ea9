"""The yearly ranking: computed from the facts for the police and auditors, published by the bureau
once the year is over."""

from typing import Any

from fastapi import APIRouter, status

from jingzhang.evaluation import handlers
from jingzhang.evaluation.api.authz import bureau, police_and_auditors
from jingzhang.evaluation.api.bodies import Year
from jingzhang.evaluation.api.deps import HandlerDeps, Meta
from jingzhang.evaluation.api.views import ranking_view
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
async def get_ranking(year: Year, deps: HandlerDeps) -> dict[str, Any]:
    """The ranking computed from the facts now, and the one published for the year, if any."""
    return ranking_view(year, await handlers.view_ranking(deps, year))
