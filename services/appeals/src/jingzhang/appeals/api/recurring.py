"""Recurring problems over HTTP (issue 14 item 4): listed for the bureau, auditors and a station chief
(their own `?station=`), judged by the bureau, and a preview of what another window or threshold finds."""

from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from jingzhang.appeals import handlers
from jingzhang.appeals.api.authz import across
from jingzhang.appeals.api.deps import HandlerDeps, Recurring
from jingzhang.appeals.api.views import Station
from jingzhang.appeals.domain.recurring import DEFAULT_THRESHOLD, DEFAULT_WINDOW, HORIZON, check_rules, detect
from jingzhang.shared.auth import Action, Role
from jingzhang.shared.auth.http import CommandMeta, CurrentPrincipal, require_everything, require_roles, station_scope
from jingzhang.shared.http import CommandAccepted, accepted

router = APIRouter(tags=["recurring problems"])
BUREAU = [Depends(require_roles(Role.BUREAU, what="judging a recurring problem"))]
WHAT = across("the recurring problems", "?station= for a station chief")


class VerdictBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Annotated[str, Field(min_length=1, max_length=1000)]


@router.get("/recurring-problems")
async def problems(
    found: Recurring,
    request: Request,
    who: CurrentPrincipal,
    status: Literal["open", "confirmed", "dismissed"] | None = None,
    station: Station = None,
) -> dict[str, Any]:
    """同类诉求反复: clusters of similar appeals, newest first, with how many there are by status."""
    only = await station_scope(request, who, station, WHAT)
    listed = await found.problems(status, only)
    counts = {s: sum(1 for p in listed if p["status"] == s) for s in ("open", "confirmed", "dismissed")}
    return {"counts": counts, "problems": listed}


@router.get(
    "/recurring-problems/preview", dependencies=[Depends(require_everything(Action.READ, "previewing the detector"))]
)
async def preview(
    found: Recurring,
    deps: HandlerDeps,
    window: Annotated[timedelta, Query(description="ISO 8601 duration, above zero")] = DEFAULT_WINDOW,
    threshold: Annotated[int, Query(description="Appeals a cluster needs, at least 1")] = DEFAULT_THRESHOLD,
) -> list[dict[str, Any]]:
    """What the detector would find with this window and threshold (nothing is recorded)."""
    check_rules(window, threshold)
    clusters = detect(await found.facts(deps.clock.now() - HORIZON), window, threshold)
    return [
        {
            "problem_id": c.problem_id,
            "kind": c.kind,
            "scope": c.scope,
            "category": c.category,
            "appeal_ids": list(c.appeal_ids),
        }
        for c in clusters
    ]


@router.post("/recurring-problems/{problem_id}/confirm", dependencies=BUREAU)
async def confirm(problem_id: str, body: VerdictBody, deps: HandlerDeps, meta: CommandMeta) -> CommandAccepted:
    return accepted(problem_id, await handlers.judge_recurring(deps, problem_id, True, body.note, meta))


@router.post("/recurring-problems/{problem_id}/dismiss", dependencies=BUREAU)
async def dismiss(problem_id: str, body: VerdictBody, deps: HandlerDeps, meta: CommandMeta) -> CommandAccepted:
    return accepted(problem_id, await handlers.judge_recurring(deps, problem_id, False, body.note, meta))
