"""Who may do what to an appeal (issue 8's role matrix), as route dependencies and small checks.

A command on an appeal is authorized against the appeal's enterprise, on the appeal its handler
loaded (`execute`'s authorize hook: the stream is read once); a read against the enterprise of the
row it reads. The decisions themselves are the kernel's pure `policy`; this module only says which
roles each kind of work needs.
"""

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from jingzhang.appeals.domain.state import Appeal, AppealState
from jingzhang.shared.aggregate import Authorize
from jingzhang.shared.auth import Action, Forbidden, Principal, Role, ensure
from jingzhang.shared.auth.http import CurrentPrincipal, authorize_enterprise, require_everything
from jingzhang.shared.auth.policy import roles
from jingzhang.shared.errors import InvalidCommand

POLICE_WORK = (Role.OFFICER, Role.STATION_CHIEF, Role.BUREAU)
"""Acknowledge, resolve, refer, follow up, record a report, close, merge, ask for more time."""
EXTENSION_DECISIONS = (Role.STATION_CHIEF, Role.BUREAU)
"""The enterprise's leaders decide on extensions (`domain.extensions`): a station chief records their own
decision, the bureau records a leader's (a bureau leader's, or a station chief's), naming them; the
domain then requires that officer to be the enterprise's station chief or bureau leader, at the
holder's tier or above, and not the one who asked."""
CALLBACK = (Role.ENTERPRISE_CONTACT, Role.OFFICER, Role.BUREAU)
"""The enterprise answers its callback; a linked officer or the bureau may record the answer."""

WRITERS = (Role.OFFICER, Role.STATION_CHIEF)


@dataclass(frozen=True, slots=True)
class Acting:
    """A caller whose role may do this work; `authorize` checks them against the appeal the handler loads."""

    principal: Principal
    authorize: Authorize[AppealState]

    def writer(self, named: str | None, field: str) -> str:
        return writer(self.principal, named, field)


def on_appeal(allowed: tuple[Role, ...], what: str) -> Callable[..., Coroutine[Any, Any, Acting]]:
    """A command route's check: one of `allowed` roles now, acting within the appeal's enterprise once loaded."""

    async def check(request: Request, principal: CurrentPrincipal) -> Acting:
        ensure(roles(principal, allowed, what))
        return Acting(principal, within_enterprise(request, principal))

    return check


def within_enterprise(request: Request, principal: Principal) -> Authorize[AppealState]:
    """The hook refusing (403) a caller who may not act for the loaded appeal's enterprise."""

    async def authorize(state: AppealState) -> None:
        if not isinstance(state, Appeal):
            raise TypeError("an appeal nobody raised has no enterprise to authorize against")
        await authorize_enterprise(request, principal, state.enterprise_id, Action.ACT)

    return authorize


def across_enterprises(what: str, scoped: str) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:
    """A list over every enterprise: bureau and auditor; the refusal points to the scoped endpoint."""
    return require_everything(Action.READ, across(what, scoped))


def across(what: str, scoped: str) -> str:
    """What a list over every enterprise is called in a refusal, with where others read theirs."""
    return f"listing {what} of every enterprise (others: {scoped})"


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
