"""Who may do what to which enterprise or officer: pure decisions over facts the caller looked up.

Every check returns `None` when allowed and a reason when refused; `ensure` turns a reason into
`Forbidden` (HTTP 403 with that reason). The facts (which officers are linked to an enterprise, which
station an officer serves at) come from each service's own `access` projection.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from jingzhang.shared.auth.principal import Principal, Role
from jingzhang.shared.errors import JingzhangError


class Action(StrEnum):
    READ = "read"
    ACT = "act"


class Forbidden(JingzhangError):
    """An authenticated caller asked for something their role does not allow (HTTP 403)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class EnterpriseLinks:
    """The officers currently linked to an enterprise (chiefs, task force) and the stations they serve at."""

    enterprise_id: str
    officer_ids: frozenset[str] = frozenset()
    stations: frozenset[str] = frozenset()


def ensure(reason: str | None) -> None:
    if reason is not None:
        raise Forbidden(reason)


def _read_only(principal: Principal, action: Action) -> str | None:
    if action is Action.ACT and principal.read_only:
        return "auditors have read-only access"
    return None


def roles(principal: Principal, allowed: Iterable[Role], what: str) -> str | None:
    """Refuse unless the principal's role is one of `allowed`; `what` names the operation in the reason."""
    allowed = tuple(allowed)
    if principal.role in allowed:
        return None
    names = ", ".join(r.value for r in allowed)
    return f"{what} needs one of the roles {names}; you are {principal.role.value}"


def enterprise(principal: Principal, links: EnterpriseLinks, action: Action) -> str | None:
    """May `principal` read or act for this enterprise?"""
    if (refusal := _read_only(principal, action)) is not None:
        return refusal
    match principal.role:
        case Role.BUREAU | Role.AUDITOR:
            return None
        case Role.ENTERPRISE_CONTACT:
            if principal.enterprise_id == links.enterprise_id:
                return None
            return f"enterprise contacts may only {action.value} for their own enterprise ({principal.enterprise_id})"
        case Role.OFFICER:
            if principal.officer_id in links.officer_ids:
                return None
            return f"officer {principal.officer_id} is not linked to enterprise {links.enterprise_id}"
        case Role.STATION_CHIEF:
            if principal.station in links.stations or principal.officer_id in links.officer_ids:
                return None
            return f"enterprise {links.enterprise_id} has no chief from station {principal.station}"


def officer(principal: Principal, officer_id: str, station: str | None, action: Action) -> str | None:
    """May `principal` read or act for this officer (their duties, absences, scorecard)?"""
    if (refusal := _read_only(principal, action)) is not None:
        return refusal
    match principal.role:
        case Role.BUREAU | Role.AUDITOR:
            return None
        case Role.OFFICER:
            if principal.officer_id == officer_id:
                return None
            return f"officers may only {action.value} for themselves ({principal.officer_id}), not {officer_id}"
        case Role.STATION_CHIEF:
            if principal.officer_id == officer_id or (station is not None and station == principal.station):
                return None
            return f"officer {officer_id} does not serve at station {principal.station}"
        case Role.ENTERPRISE_CONTACT:
            return "enterprise contacts have no access to officers' records"


def everything(principal: Principal, action: Action, what: str) -> str | None:
    """Operations over every enterprise or officer (lists, global reports): the bureau, or the auditor reading."""
    if (refusal := _read_only(principal, action)) is not None:
        return refusal
    allowed = (Role.BUREAU, Role.AUDITOR) if action is Action.READ else (Role.BUREAU,)
    return roles(principal, allowed, what)


class AccessFacts(Protocol):
    """What authorization needs to know, from the service's own `access` projection."""

    async def enterprise(self, enterprise_id: str) -> EnterpriseLinks: ...

    async def officer_station(self, officer_id: str) -> str | None: ...
