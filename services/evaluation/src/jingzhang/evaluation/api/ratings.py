"""Rating a chief (打评评比): an enterprise's contact rates its own chiefs; the bureau records survey answers."""

from fastapi import APIRouter, status

from jingzhang.evaluation import handlers
from jingzhang.evaluation.api.authz import RATER, ensure_rates_for
from jingzhang.evaluation.api.bodies import RateChiefBody
from jingzhang.evaluation.api.deps import HandlerDeps, Meta
from jingzhang.evaluation.domain.rating import RateChief
from jingzhang.shared.auth.http import CurrentPrincipal
from jingzhang.shared.http import CommandAccepted, accepted

router = APIRouter(tags=["commands"])


@router.post("/ratings", status_code=status.HTTP_201_CREATED, dependencies=[RATER])
async def rate_chief(
    body: RateChiefBody, deps: HandlerDeps, meta: Meta, principal: CurrentPrincipal
) -> CommandAccepted:
    ensure_rates_for(principal, body.enterprise_id)
    cmd = RateChief(**body.model_dump())
    return accepted(cmd.rating_id, await handlers.rate_chief(deps, cmd, meta))
