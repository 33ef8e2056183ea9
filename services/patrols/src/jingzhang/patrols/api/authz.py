"""Who may record and read what in patrols: the role matrix applied to the enterprise or officer concerned.

Police work (visits, hazards, disputes, cases, services on behalf) and outreach (trainings, leaflets,
forums) is recorded by the police only: officers linked to each enterprise it names, station chiefs
whose station has a chief there, the bureau; never by an enterprise's contact, never by an auditor.
Reads follow the enterprise (ledger) or the officer (duties) they concern; lists across every
enterprise are for the bureau and auditors. The facts come from this service's `access` projection.
"""

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from jingzhang.patrols.domain.hazard import HazardState
from jingzhang.patrols.handlers import Deps
from jingzhang.patrols.projections.duties import DutyView
from jingzhang.shared.auth.http import (
    CurrentPrincipal,
    authorize_enterprise,
    authorize_officer,
    correlation_of,
    current_principal,
    metadata_for,
    reads_correlation,
)
from jingzhang.shared.auth.policy import Action, Forbidden, ensure, everything, roles
from jingzhang.shared.auth.principal import Principal, Role
from jingzhang.shared.envelope import Metadata
from jingzhang.shared.wiring import provided

POLICE = (Role.OFFICER, Role.STATION_CHIEF, Role.BUREAU)


@dataclass(frozen=True)
class Recorder:
    """A police caller about to record work: the metadata of its events, the check of its enterprises and
    the handlers' dependencies (one route dependency for all three: FastAPI walks each on every request)."""

    meta: Metadata
    principal: Principal
    request: Request
    deps: Deps

    async def may_act_for(self, *enterprise_ids: str | None) -> None:
        """Refuse unless the caller may act for every enterprise the work names (None: zone-wide)."""
        for enterprise_id in dict.fromkeys(e for e in enterprise_ids if e is not None):
            await authorize_enterprise(self.request, self.principal, enterprise_id, Action.ACT)

    async def may_act_on_hazard(self, hazard: HazardState) -> None:
        """The `authorize` hook of a command on a hazard: the enterprise it was found at, read from its stream."""
        await self.may_act_for(hazard.found.enterprise_id if hazard.found else None)


@reads_correlation
async def recorder(request: Request) -> Recorder:
    """One dependency without dependencies or parameters (FastAPI walks and validates each on every
    request): the principal the edge authenticated, the command's metadata (`X-Correlation-Id` read
    from the headers), the role check, the handlers' `Deps`."""
    principal = await current_principal(request)
    meta = metadata_for(principal, correlation_of(request))
    ensure(roles(principal, POLICE, "recording police work"))
    return Recorder(meta, principal, request, provided(request, Deps))


RecorderParam = Annotated[Recorder, Depends(recorder)]


async def may_read_duty(request: Request, principal: Principal, duty: DutyView) -> None:
    """A duty is read in the scope of the officer who holds it now, or who missed it."""
    if principal.sees_everything:
        return
    officers = [o for o in dict.fromkeys((duty.assignee, duty.missed_by)) if o is not None]
    if not officers:
        raise Forbidden(f"duty {duty.duty_id} has no assignee: only the bureau and auditors may read it")
    reasons = []
    for officer_id in officers:
        try:
            await authorize_officer(request, principal, officer_id, Action.READ)
            return
        except Forbidden as refused:
            reasons.append(refused.reason)
    raise Forbidden(f"duty {duty.duty_id} belongs to {' and '.join(officers)}: {'; '.join(reasons)}")


def across_all(what: str, instead: str) -> Callable[[Principal], Coroutine[Any, Any, None]]:
    """A route dependency for lists over every enterprise: bureau and auditors; the reason points elsewhere."""

    async def check(principal: CurrentPrincipal) -> None:
        reason = everything(principal, Action.READ, what)
        if reason is not None:
            raise Forbidden(f"{reason}; {instead}")

    return check
