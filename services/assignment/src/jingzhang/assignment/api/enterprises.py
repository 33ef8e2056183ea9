"""Enterprise routes: lifecycle, chiefs, task force, police office, and the enterprise's read models."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime

from jingzhang.assignment import handlers
from jingzhang.assignment.api import bodies
from jingzhang.assignment.api.authz import bureau, list_scope, may_post
from jingzhang.assignment.api.deps import HandlerDeps, Pool, accepted, command
from jingzhang.assignment.domain import commands as c
from jingzhang.assignment.domain.enterprise import EnterpriseStatus
from jingzhang.assignment.domain.events import ChiefTier, EnterpriseClass
from jingzhang.assignment.projections import acting_chiefs, coverage_gaps, enterprise_file, police_offices
from jingzhang.shared.auth.http import CommandMeta, CurrentPrincipal, enterprise_in_path
from jingzhang.shared.auth.policy import Action
from jingzhang.shared.errors import NotFound
from jingzhang.shared.http import CommandAccepted

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
    cmd = command(c.ReclassifyEnterprise, enterprise_id=enterprise_id, enterprise_class=body.enterprise_class)
    return accepted(enterprise_id, await handlers.reclassify_enterprise(deps, cmd, meta, body.expected_version))


@router.post("/enterprises/{enterprise_id}/suspend", dependencies=[bureau("suspending an enterprise")])
async def suspend(enterprise_id: str, body: bodies.Reason, deps: HandlerDeps, meta: CommandMeta) -> CommandAccepted:
    cmd = command(c.SuspendEnterprise, enterprise_id=enterprise_id, reason=body.reason)
    return accepted(enterprise_id, await handlers.suspend_enterprise(deps, cmd, meta, body.expected_version))


@router.post("/enterprises/{enterprise_id}/reinstate", dependencies=[bureau("reinstating an enterprise")])
async def reinstate(enterprise_id: str, body: bodies.Empty, deps: HandlerDeps, meta: CommandMeta) -> CommandAccepted:
    cmd = command(c.ReinstateEnterprise, enterprise_id=enterprise_id)
    return accepted(enterprise_id, await handlers.reinstate_enterprise(deps, cmd, meta, body.expected_version))


@router.post("/enterprises/{enterprise_id}/close", dependencies=[bureau("closing an enterprise")])
async def close(enterprise_id: str, body: bodies.Close, deps: HandlerDeps, meta: CommandMeta) -> CommandAccepted:
    at = body.effective_from or deps.clock.now()
    cmd = command(c.CloseEnterprise, enterprise_id=enterprise_id, reason=body.reason, effective_from=at)
    return accepted(enterprise_id, await handlers.close_enterprise(deps, cmd, meta, body.expected_version))


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
    fields = body.model_dump(exclude={"expected_version", "effective_from"})
    at = body.effective_from or deps.clock.now()
    cmd = command(c.AssignChief, enterprise_id=enterprise_id, effective_from=at, **fields)
    return accepted(enterprise_id, await handlers.assign_chief(deps, cmd, meta, body.expected_version))


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
    fields = body.model_dump(exclude={"expected_version", "effective_from"})
    at = body.effective_from or deps.clock.now()
    cmd = command(c.RelieveChief, enterprise_id=enterprise_id, effective_from=at, **fields)
    return accepted(enterprise_id, await handlers.relieve_chief(deps, cmd, meta, body.expected_version))


@router.post("/enterprises/{enterprise_id}/task-force", status_code=201, dependencies=[bureau("forming a task force")])
async def form_task_force(
    enterprise_id: str, body: bodies.TaskForce, deps: HandlerDeps, meta: CommandMeta
) -> CommandAccepted:
    cmd = command(c.FormTaskForce, enterprise_id=enterprise_id, **body.model_dump(exclude={"expected_version"}))
    return accepted(enterprise_id, await handlers.form_task_force(deps, cmd, meta, body.expected_version))


@router.post("/enterprises/{enterprise_id}/task-force/members", dependencies=[bureau("changing a task force")])
async def add_member(enterprise_id: str, body: bodies.Member, deps: HandlerDeps, meta: CommandMeta) -> CommandAccepted:
    cmd = command(c.AddTaskForceMember, enterprise_id=enterprise_id, **body.model_dump(exclude={"expected_version"}))
    return accepted(enterprise_id, await handlers.add_task_force_member(deps, cmd, meta, body.expected_version))


@router.post(
    "/enterprises/{enterprise_id}/task-force/members/{officer_id}/remove",
    dependencies=[bureau("changing a task force")],
)
async def remove_member(
    enterprise_id: str, officer_id: str, body: bodies.Reason, deps: HandlerDeps, meta: CommandMeta
) -> CommandAccepted:
    cmd = command(c.RemoveTaskForceMember, enterprise_id=enterprise_id, officer_id=officer_id, reason=body.reason)
    return accepted(enterprise_id, await handlers.remove_task_force_member(deps, cmd, meta, body.expected_version))


@router.post(
    "/enterprises/{enterprise_id}/police-office", status_code=201, dependencies=[bureau("opening a police office")]
)
async def open_office(enterprise_id: str, body: bodies.Office, deps: HandlerDeps, meta: CommandMeta) -> CommandAccepted:
    cmd = command(c.OpenPoliceOffice, enterprise_id=enterprise_id, **body.model_dump(exclude={"expected_version"}))
    return accepted(enterprise_id, await handlers.open_police_office(deps, cmd, meta, body.expected_version))


@router.post("/enterprises/{enterprise_id}/police-office/close", dependencies=[bureau("closing a police office")])
async def close_office(
    enterprise_id: str, body: bodies.Reason, deps: HandlerDeps, meta: CommandMeta
) -> CommandAccepted:
    cmd = command(c.ClosePoliceOffice, enterprise_id=enterprise_id, reason=body.reason)
    return accepted(enterprise_id, await handlers.close_police_office(deps, cmd, meta, body.expected_version))


# --- queries -----------------------------------------------------------------------------------


@router.get("/enterprises")
async def list_enterprises(
    pool: Pool,
    request: Request,
    who: CurrentPrincipal,
    enterprise_class: Annotated[EnterpriseClass | None, Query(alias="class")] = None,
    status: EnterpriseStatus | None = None,
    station: Station = None,
) -> list[dict[str, Any]]:
    only = await list_scope(request, who, station, "the list of enterprises")
    return await enterprise_file.enterprises(pool, enterprise_class, status, only)


@router.get("/enterprises/{enterprise_id}", dependencies=READ_ENTERPRISE)
async def file(enterprise_id: str, pool: Pool) -> dict[str, Any]:
    """一企一档: the enterprise, its chiefs now and every term ever served."""
    found = await enterprise_file.enterprise_file(pool, enterprise_id)
    if found is None:
        raise NotFound("enterprise", enterprise_id)
    return found


@router.get("/enterprises/{enterprise_id}/chiefs", dependencies=READ_ENTERPRISE)
async def chiefs_at(
    enterprise_id: str, pool: Pool, deps: HandlerDeps, at: AwareDatetime | None = None
) -> dict[str, Any]:
    """Who held each tier and slot at `at` (default: now)."""
    when = at or deps.clock.now()
    found = await enterprise_file.chiefs_at(pool, enterprise_id, when)
    if found is None:
        raise NotFound("enterprise", enterprise_id)
    return {"enterprise_id": enterprise_id, "at": when, "chiefs": found}


@router.get("/enterprises/{enterprise_id}/acting", dependencies=READ_ENTERPRISE)
async def acting(enterprise_id: str, pool: Pool, tier: ChiefTier | None = None) -> list[dict[str, Any]]:
    found = await acting_chiefs.acting(pool, enterprise_id, tier)
    if found is None:
        raise NotFound("enterprise", enterprise_id)
    return found


@router.get("/enterprises/{enterprise_id}/notice-card", dependencies=READ_ENTERPRISE)
async def notice_card(enterprise_id: str, pool: Pool) -> dict[str, Any]:
    found = await police_offices.notice_card(pool, enterprise_id)
    if found is None:
        raise NotFound("police office of enterprise", enterprise_id)
    return found


@router.get("/coverage-gaps")
async def gaps(pool: Pool, request: Request, who: CurrentPrincipal, station: Station = None) -> list[dict[str, Any]]:
    only = await list_scope(request, who, station, "the list of coverage gaps")
    return await coverage_gaps.open_gaps(pool, only)


@router.get("/police-offices")
async def offices(pool: Pool, request: Request, who: CurrentPrincipal, station: Station = None) -> list[dict[str, Any]]:
    only = await list_scope(request, who, station, "the list of police offices")
    return await police_offices.offices(pool, only)
