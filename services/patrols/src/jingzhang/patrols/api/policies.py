"""The bureau's visit cadence per enterprise class (issue 14 item 7): changed by the bureau, each change
an event effective from its business day; read by anyone signed in."""

from dataclasses import replace
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from jingzhang.patrols import handlers
from jingzhang.patrols.api.deps import HandlerDeps
from jingzhang.patrols.domain.cadence import DEFAULT_RULES
from jingzhang.patrols.domain.cadence_policy import POLICY_ID, ChangeVisitCadence, VisitCadenceChanged, VisitRule
from jingzhang.patrols.domain.common import VisitKind, local_date
from jingzhang.patrols.domain.limits import TEXT_LENGTH
from jingzhang.patrols.domain.vocabulary import EnterpriseClass
from jingzhang.shared.auth import Role
from jingzhang.shared.auth.http import CommandMeta, require_roles
from jingzhang.shared.http import CommandAccepted, accepted

router = APIRouter(tags=["policies"])
BUREAU = [Depends(require_roles(Role.BUREAU, what="changing the visit cadence"))]


class CadenceBody(BaseModel):
    """A class's visit rules (走访频次) from a business day on."""

    model_config = ConfigDict(extra="forbid")

    enterprise_class: EnterpriseClass
    rules: Annotated[list[VisitRule], Field(min_length=1, max_length=len(VisitKind))]
    effective_from: date = Field(description="生效日期: the business day (bureau time) it applies from; today or later")
    reason: Annotated[str, Field(min_length=1, max_length=TEXT_LENGTH)]


class CadenceView(BaseModel):
    on: date
    rules: dict[EnterpriseClass, list[VisitRule]] = Field(description="Each class's rules in force that day")
    changes: list[VisitCadenceChanged] = Field(description="Every change the bureau recorded, in order")


@router.post("/policies/visit-cadence", status_code=201, dependencies=BUREAU)
async def change_visit_cadence(body: CadenceBody, deps: HandlerDeps, meta: CommandMeta) -> CommandAccepted:
    """The class's rules from `effective_from` on: each week or month starting that day or later is planned
    by them; duties already planned stay. A retry of the last change records nothing."""
    cmd = ChangeVisitCadence(body.enterprise_class, tuple(body.rules), body.effective_from, body.reason)
    return accepted(POLICY_ID, await handlers.change_visit_cadence(deps, cmd, meta))


@router.get("/policies/visit-cadence")
async def visit_cadence(deps: HandlerDeps, on: date | None = None) -> CadenceView:
    """Each class's rules on a day (default today) and every change the bureau recorded, in order."""
    day = on or local_date(deps.clock.now())
    rules = replace(DEFAULT_RULES, schedule=await handlers.cadence_schedule(deps))
    in_force = {
        cls: [VisitRule(kind=r.kind, tier=r.tier, cadence=r.cadence) for r in rules.for_class(cls, day)]
        for cls in EnterpriseClass
    }
    return CadenceView(on=day, rules=in_force, changes=list(rules.schedule.changes))
