"""Enterprise routes: lifecycle, chiefs, task force, police office, and the enterprise's read models."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime

from jingzhang.assignment import handlers
from jingzhang.assignment.api import bodies
from jingzhang.assignment.api.authz import bureau, list_scope, may_post
from jingzhang.assignment.api.deps import Acting, Files, Gaps, HandlerDeps, Now, Offices, Signals
from jingzhang.assignment.domain import commands as c
from jingzhang.assignment.domain.enterprise import EnterpriseStatus
from jingzhang.assignment.domain.events import ChiefTier, EnterpriseClass
from jingzhang.shared.auth.http import CommandMeta, CurrentPrincipal, enterprise_in_path
from jingzhang.shared.auth.policy import Action
from jingzhang.shared.errors import NotFound
from jingzhang.shared.http import CommandAccepted, accepted

router = APIRouter(tags=["enterprises"])
READ_ENTERPRISE = [Depends(enterprise_in_path(Action.READ))]
Station = Annotated[
    str | None, Query(description="only enterprises with an officer of this station (unit name) linked to them")
]


@router.post("/enterprises", status_code=201, dependencies=[bureau("registering an enterprise")])
async def register(body: c.RegisterEnterprise, deps: HandlerDeps, meta: CommandMeta) -> CommandAccepted:
    return accepted(body.enterprise_id, await handlers.register_enterprise(deps, body, meta))


@router.post("/enterprises/{enterprise_id}/reclassify", dependencies=[bureau("reclassifying an enterprise")])
async def reclassify(
    enterprise_id: str, body: bodies.Reclassify, deps: HandlerDeps, meta: CommandMeta
) -> CommandAccepted:
    cmd = body.command(c.ReclassifyEnterprise, enterprise_id=enterprise_id)
    return accepted(enterprise_id, await handlers.reclassify_enterprise(deps, cmd, meta))


@router.post("/enterprises/{enterprise_id}/suspend", dependencies=[bureau("suspending an enterprise")])
async def suspend(enterprise_id: str, body: bodies.Reason, deps: HandlerDeps, meta: CommandMeta) -> CommandAccepted:
    cmd = body.command(c.SuspendEnterprise, enterprise_id=enterprise_id)
    return accepted(enterprise_id, await handlers.suspend_enterprise(deps, cmd, meta))


@router.post("/enterprises/{enterprise_id}/reinstate", dependencies=[bureau("reinstating an enterprise")])
async def reinstate(enterprise_id: str, body: bodies.Empty, deps: HandlerDeps, meta: CommandMeta) -> CommandAccepted:
    cmd = body.command(c.ReinstateEnterprise, enterprise_id=enterprise_id)
    return accepted(enterprise_id, await handlers.reinstate_enterprise(deps, cmd, meta))


@router.post("/enterprises/{enterprise_id}/close", dependencies=[bureau("closing an enterprise")])
async def close(enterprise_id: str, body: bodies.Close, deps: HandlerDeps, meta: CommandMeta) -> CommandAccepted:
    cmd = body.command(c.CloseEnterprise, enterprise_id=enterprise_id)
    return accepted(enterprise_id, await handlers.close_enterprise(deps, cmd, meta))


@router.post("/enterprises/{enterprise_id}/chiefs")
async def assign(
    enterprise_id: str,
    body: bodies.Assign,
    request: Request,
    who: CurrentPrincipal,
    deps: HandlerDeps,
    meta: CommandMeta,
) -> CommandAccepted:
    await may_post(request, who, enterprise_id, body.tier, body.slot, newcomer=body.officer_id)
    cmd = body.command(c.AssignChief, enterprise_id=enterprise_id)
    return accepted(enterprise_id, await handlers.assign_chief(deps, cmd, meta))


@router.post("/enterprises/{enterprise_id}/chiefs/relieve")
async def relieve(
    enterprise_id: str,
    body: bodies.Relieve,
    request: Request,
    who: CurrentPrincipal,
    deps: HandlerDeps,
    meta: CommandMeta,
) -> CommandAccepted:
    await may_post(request, who, enterprise_id, body.tier, body.slot, newcomer=None)
    cmd = body.command(c.RelieveChief, enterprise_id=enterprise_id)
    return accepted(enterprise_id, await handlers.relieve_chief(deps, cmd, meta))


@router.post("/enterprises/{enterprise_id}/task-force", status_code=201, dependencies=[bureau("forming a task force")])
async def form_task_force(
    enterprise_id: str, body: bodies.TaskForce, deps: HandlerDeps, meta: CommandMeta
) -> CommandAccepted:
    cmd = body.command(c.FormTaskForce, enterprise_id=enterprise_id)
    return accepted(enterprise_id, await handlers.form_task_force(deps, cmd, meta))


@router.post("/enterprises/{enterprise_id}/task-force/members", dependencies=[bureau("changing a task force")])
async def add_member(enterprise_id: str, body: bodies.Member, deps: HandlerDeps, meta: CommandMeta) -> CommandAccepted:
    cmd = body.command(c.AddTaskForceMember, enterprise_id=enterprise_id)
    return accepted(enterprise_id, await handlers.add_task_force_member(deps, cmd, meta))


@router.post(
    "/enterprises/{enterprise_id}/task-force/members/{officer_id}/remove",
    dependencies=[bureau("changing a task force")],
)
async def remove_member(
    enterprise_id: str, officer_id: str, body: bodies.Reason, deps: HandlerDeps, meta: CommandMeta
) -> CommandAccepted:
    cmd = body.command(c.RemoveTaskForceMember, enterprise_id=enterprise_id, officer_id=officer_id)
    return accepted(enterprise_id, await handlers.remove_task_force_member(deps, cmd, meta))


@router.post(
    "/enterprises/{enterprise_id}/police-office", status_code=201, dependencies=[bureau("opening a police office")]
)
async def open_office(enterprise_id: str, body: bodies.Office, deps: HandlerDeps, meta: CommandMeta) -> CommandAccepted:
    cmd = body.command(c.OpenPoliceOffice, enterprise_id=enterprise_id)
    return accepted(enterprise_id, await handlers.open_police_office(deps, cmd, meta))


@router.post("/enterprises/{enterprise_id}/police-office/close", dependencies=[bureau("closing a police office")])
async def close_office(
    enterprise_id: str, body: bodies.Reason, deps: HandlerDeps, meta: CommandMeta
) -> CommandAccepted:
    cmd = body.command(c.ClosePoliceOffice, enterprise_id=enterprise_id)
    return accepted(enterprise_id, await handlers.close_police_office(deps, cmd, meta))


# --- queries -----------------------------------------------------------------------------------


@router.get("/enterprises")
async def list_enterprises(
    files: Files,
    request: Request,
    who: CurrentPrincipal,
    enterprise_class: Annotated[EnterpriseClass | None, Query(alias="class")] = None,
    status: EnterpriseStatus | None = None,
    station: Station = None,
) -> list[dict[str, Any]]:
    only = await list_scope(request, who, station, "the list of enterprises")
    return await files.enterprises(enterprise_class, status, only)


@router.get("/enterprises/nobody-acting")  # before /enterprises/{enterprise_id}, which would take it for an id
async def nobody_acting(
    signals: Signals, request: Request, who: CurrentPrincipal, now: Now, station: Station = None
) -> list[dict[str, Any]]:
    """Tiers where nobody acts (无人在岗): every chief of the tier away or gone, since `since`, with its chiefs."""
    only = await list_scope(request, who, station, "the list of tiers with nobody acting")
    return await signals.nobody_acting(now, only)


@router.get("/enterprises/{enterprise_id}", dependencies=READ_ENTERPRISE)
async def file(enterprise_id: str, files: Files) -> dict[str, Any]:
    """一企一档: the enterprise, its chiefs now and every term ever served."""
    found = await files.file(enterprise_id)
    if found is None:
        raise NotFound("enterprise", enterprise_id)
    return found


@router.get("/enterprises/{enterprise_id}/chiefs", dependencies=READ_ENTERPRISE)
async def chiefs_at(enterprise_id: str, files: Files, now: Now, at: AwareDatetime | None = None) -> dict[str, Any]:
    """Who held each tier and slot at `at` (default: now)."""
    when = at or now
    found = await files.chiefs_at(enterprise_id, when)
    if found is None:
        raise NotFound("enterprise", enterprise_id)
    return {"enterprise_id": enterprise_id, "at": when, "chiefs": found}


@router.get("/enterprises/{enterprise_id}/acting", dependencies=READ_ENTERPRISE)
async def acting(
    enterprise_id: str, chiefs: Acting, now: Now, tier: ChiefTier | None = None, at: AwareDatetime | None = None
) -> list[dict[str, Any]]:
    """Who acts for each tier at `at` (default: now), with the changes already recorded for later."""
    found = await chiefs.acting(enterprise_id, at or now, tier)
    if found is None:
        raise NotFound("enterprise", enterprise_id)
    return found


@router.get("/enterprises/{enterprise_id}/notice-card", dependencies=READ_ENTERPRISE)
async def notice_card(enterprise_id: str, police: Offices, now: Now, at: AwareDatetime | None = None) -> dict[str, Any]:
    """The card as it reads at `at` (default: now): a chief relieved or assigned from a later date
    changes it at that date."""
    found = await police.notice_card(enterprise_id, at or now)
    if found is None:
        raise NotFound("police office of enterprise", enterprise_id)
    return found


@router.get("/coverage-gaps")
async def gaps(
    coverage: Gaps, request: Request, who: CurrentPrincipal, station: Station = None
) -> list[dict[str, Any]]:
    only = await list_scope(request, who, station, "the list of coverage gaps")
    return await coverage.open_gaps(only)


@router.get("/coverage/shortfalls")
async def shortfalls(
    signals: Signals, request: Request, who: CurrentPrincipal, now: Now, station: Station = None
) -> dict[str, Any]:
    """Key enterprises (all but small and micro) with a tier held by one chief, A without B (AB角缺位):
    `tiers` and `enterprises` count them (the KPI), `shortfalls` lists them."""
    only = await list_scope(request, who, station, "the list of coverage shortfalls")
    found = await signals.shortfalls(now, only)
    return {"tiers": len(found), "enterprises": len({s["enterprise_id"] for s in found}), "shortfalls": found}


@router.get("/police-offices")
async def offices(
    police: Offices, request: Request, who: CurrentPrincipal, station: Station = None
) -> list[dict[str, Any]]:
    only = await list_scope(request, who, station, "the list of police offices")
    return await police.offices(only)
