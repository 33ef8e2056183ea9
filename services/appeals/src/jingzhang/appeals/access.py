"""Who may do what to an appeal (issue 8's role matrix), as route dependencies and small checks.

A command on an appeal is authorized against the appeal's enterprise, read from the appeal's own
stream; a read against the enterprise of the row it reads. The decisions themselves are the kernel's
pure `policy`; this module only says which roles each kind of work needs and finds the enterprise.
"""

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request

from jingzhang.appeals import handlers
from jingzhang.appeals.deps import Deps, get_deps
from jingzhang.shared.auth import Action, Forbidden, Principal, Role, ensure
from jingzhang.shared.auth.http import CurrentPrincipal, authorize_enterprise, require_everything
from jingzhang.shared.auth.policy import roles
from jingzhang.shared.errors import InvalidCommand

POLICE_WORK = (Role.OFFICER, Role.STATION_CHIEF, Role.BUREAU)
"""Acknowledge, resolve, refer, follow up, record a report, close, merge, ask for more time."""
EXTENSION_DECISIONS = (Role.STATION_CHIEF, Role.BUREAU)
CALLBACK = (Role.ENTERPRISE_CONTACT, Role.OFFICER, Role.BUREAU)
"""The enterprise answers its callback; a linked officer or the bureau may record the answer."""

WRITERS = (Role.OFFICER, Role.STATION_CHIEF)


def on_appeal(allowed: tuple[Role, ...], what: str) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A command route's check: one of `allowed` roles, acting within the appeal's enterprise."""

    async def check(
        request: Request, appeal_id: str, principal: CurrentPrincipal, deps: Annotated[Deps, Depends(get_deps)]
    ) -> Principal:
        ensure(roles(principal, allowed, what))
        enterprise_id = await handlers.enterprise_of(deps.store, appeal_id)
        await authorize_enterprise(request, principal, enterprise_id, Action.ACT)
        return principal

    return check


def across_enterprises(what: str, scoped: str) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:
    """A list over every enterprise: bureau and auditor; the refusal points to the scoped endpoint."""
    return require_everything(Action.READ, f"listing {what} of every enterprise (others: {scoped})")


def writer(principal: Principal, named: str | None, field: str) -> str:
    """Whom a command records as having done the work, the writer of its text (their data subject).

    Officers and station chiefs record their own work; the bureau, recording on an officer's behalf,
    must name the officer.
    """
    if principal.role in WRITERS:
        assert principal.officer_id is not None  # a Principal of these roles always has one
        if named is not None and named != principal.officer_id:
            raise Forbidden(f"{field}: officer {principal.officer_id} records their own work, not {named}'s")
        return principal.officer_id
    chosen = named or principal.officer_id
    if chosen is None:
        raise InvalidCommand("name the officer who did it (the bureau records on an officer's behalf)", field=field)
    return chosen
