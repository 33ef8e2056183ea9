"""The bureau's time limits per category (issue 14 item 7): changed by the bureau, each change an event
effective from its business day; read by anyone signed in (an enterprise may know its deadlines)."""

from datetime import date, timedelta

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from jingzhang.appeals import handlers
from jingzhang.appeals.api.bodies import TimeLimitBody
from jingzhang.appeals.api.deps import HandlerDeps
from jingzhang.appeals.domain.calendar import bureau_day
from jingzhang.appeals.domain.time_limit_policy import POLICY_ID, ChangeTimeLimit, TimeLimitChanged, limit_for
from jingzhang.appeals.domain.vocabulary import Category
from jingzhang.shared.auth import Role
from jingzhang.shared.auth.http import CommandMeta, require_roles
from jingzhang.shared.http import CommandAccepted, accepted

router = APIRouter(tags=["policies"])
BUREAU = [Depends(require_roles(Role.BUREAU, what="changing the time limits"))]


@router.post("/policies/time-limits", status_code=201, dependencies=BUREAU)
async def change_time_limit(body: TimeLimitBody, deps: HandlerDeps, meta: CommandMeta) -> CommandAccepted:
    """One category's limit from `effective_from` on: appeals received from that day take it; appeals
    already raised keep theirs. A retry of the last change records nothing."""
    cmd = ChangeTimeLimit(body.category, body.time_limit, body.effective_from, body.reason)
    return accepted(POLICY_ID, await handlers.change_time_limit(deps, cmd, meta))


class TimeLimitsView(BaseModel):
    on: date
    limits: dict[Category, timedelta] = Field(description="Each category's limit on that day (ISO 8601 durations)")
    changes: list[TimeLimitChanged] = Field(description="Every change the bureau recorded, in order")


@router.get("/policies/time-limits")
async def time_limits(deps: HandlerDeps, on: date | None = None) -> TimeLimitsView:
    """The limit of each category on a day (default today; an emergency's is always 2 hours), and every
    change the bureau recorded, in order."""
    day = on or bureau_day(deps.clock.now())
    schedule = await handlers.time_limit_schedule(deps)
    limits = {c: limit_for(deps.policy, schedule, c, False, day) for c in Category}
    return TimeLimitsView(on=day, limits=limits, changes=list(schedule.changes))
