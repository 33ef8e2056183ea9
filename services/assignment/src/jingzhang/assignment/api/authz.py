"""Who may call which assignment route: the role matrix as route dependencies and checks.

Enterprises' lifecycle, task forces, police offices and officers' enrolment, transfer and retirement
are the bureau's. Station chiefs may also assign and relieve chiefs of their station's enterprises, for
posts their station's officers hold or take. Absences: the officer, their station chief, the bureau.
Lists across every enterprise: bureau and auditors, and a station chief for their own `?station=`.
Every refusal is a 403 naming who may do it, never a filtered answer.
"""

from typing import Any

from fastapi import Depends, Request

from jingzhang.assignment.domain.events import ChiefTier, Slot
from jingzhang.shared.auth import policy
from jingzhang.shared.auth.http import authorize_enterprise, require_roles
from jingzhang.shared.auth.links import PostgresAccess
from jingzhang.shared.auth.policy import Action, Forbidden, ensure
from jingzhang.shared.auth.principal import Principal, Role
from jingzhang.shared.wiring import provided

POSTING_ROLES = (Role.BUREAU, Role.STATION_CHIEF)


def bureau(what: str) -> Any:
    """A route dependency admitting the bureau only; `what` names the operation in the refusal."""
    return Depends(require_roles(Role.BUREAU, what=what))


def access(request: Request) -> PostgresAccess:
    """The `access` projection's facts, as the composition root provided them."""
    return provided(request, PostgresAccess)


async def may_post(
    request: Request, principal: Principal, enterprise_id: str, tier: ChiefTier, slot: Slot, newcomer: str | None
) -> None:
    """Assigning (`newcomer`) or relieving a chief: the bureau, or a station chief within their station."""
    what = "assigning or relieving chiefs"
    ensure(policy.roles(principal, POSTING_ROLES, what))
    if principal.role is Role.BUREAU:
        return
    await authorize_enterprise(request, principal, enterprise_id, Action.ACT)
    holder = await access(request).chief(enterprise_id, tier.value, slot.value)
    for officer_id in dict.fromkeys(o for o in (holder, newcomer) if o is not None):
        station = await access(request).officer_station(officer_id)
        if (refusal := policy.officer(principal, officer_id, station, Action.ACT)) is not None:
            raise Forbidden(f"station chiefs post only their station's officers: {refusal}")


async def list_scope(request: Request, principal: Principal, station: str | None, what: str) -> frozenset[str] | None:
    """The enterprises a list across enterprises may show: None for every one (bureau, auditor)."""
    if principal.role is Role.STATION_CHIEF and station is not None and station == principal.station:
        return await access(request).enterprises_of_station(station, principal.officer_id)
    if principal.sees_everything:
        return None if station is None else await access(request).enterprises_of_station(station)
    raise Forbidden(f"{what} covers every enterprise, for the bureau and auditors only; {_scoped(principal)}")


def roster_scope(principal: Principal, station: str | None) -> None:
    """The roster across every officer: the bureau and auditors, a station chief for their own `?station=`."""
    if principal.sees_everything:
        return
    if principal.role is Role.STATION_CHIEF and station is not None and station == principal.station:
        return
    raise Forbidden(f"the roster covers every officer, for the bureau and auditors only; {_scoped(principal)}")


def _scoped(principal: Principal) -> str:
    """Where this principal reads what they may see instead."""
    match principal.role:
        case Role.ENTERPRISE_CONTACT:
            return f"read your enterprise at /enterprises/{principal.enterprise_id}"
        case Role.OFFICER:
            return f"your enterprises are at /officers/{principal.officer_id}/enterprises"
        case Role.STATION_CHIEF:
            return f"station chiefs list their own station's with ?station={principal.station}"
        case Role.BUREAU | Role.AUDITOR:
            return "ask without ?station= or with any station"
