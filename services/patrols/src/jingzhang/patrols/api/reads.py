"""Reads: officers' duties, one duty, an enterprise's ledger, and lists across every enterprise."""

from dataclasses import asdict
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from jingzhang.patrols.api.authz import across_all, may_read_duty
from jingzhang.patrols.api.deps import ActivityCounts, Duties, Hazards, Ledger
from jingzhang.patrols.domain.duty import DutyStatus
from jingzhang.shared.auth.http import CurrentPrincipal, enterprise_in_path, officer_in_path, station_scope
from jingzhang.shared.auth.policy import Action
from jingzhang.shared.errors import InvalidCommand, NotFound

router = APIRouter(tags=["queries"])

_DUTY_STATUS = {"due": DutyStatus.OPEN, "overdue": DutyStatus.OVERDUE}
_ONE_ENTERPRISE = "read one enterprise's work, hazards included, at GET /enterprises/{enterprise_id}/ledger"


@router.get("/officers/{officer_id}/duties", dependencies=[Depends(officer_in_path(Action.READ))])
async def officer_duties(
    officer_id: str, duties: Duties, status: Literal["due", "overdue"] = "due"
) -> list[dict[str, Any]]:
    """Duties the officer answers for now: `due` (open) or `overdue`, earliest due first."""
    return [asdict(d) for d in await duties.officer_duties(officer_id, _DUTY_STATUS[status])]


@router.get("/duties/{duty_id}")
async def get_duty(duty_id: str, duties: Duties, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    found = await duties.duty(duty_id)
    if found is None:
        raise NotFound("duty", duty_id)
    await may_read_duty(request, principal, found)
    return asdict(found)


@router.get("/enterprises/{enterprise_id}/ledger", dependencies=[Depends(enterprise_in_path(Action.READ))])
async def enterprise_ledger(enterprise_id: str, ledger: Ledger) -> list[dict[str, Any]]:
    """The work ledger (工作台账): everything done at the enterprise, oldest first."""
    return [asdict(line) for line in await ledger.ledger(enterprise_id)]


Station = Annotated[
    str | None,
    Query(
        pattern=r"^[^\x00]{1,200}$",
        description="Only enterprises with an officer of this station (unit name) linked to them; a station"
        " chief gives their own",
    ),
]


@router.get("/hazards/open")
async def open_hazards(
    hazards: Hazards, request: Request, who: CurrentPrincipal, station: Station = None
) -> list[dict[str, Any]]:
    """Hazards awaiting rectification (open or overdue), nearest deadline first."""
    only = await station_scope(request, who, station, "the open hazards of every enterprise", _ONE_ENTERPRISE)
    return [asdict(h) for h in await hazards.open_hazards(only=only)]


@router.get("/duties")
async def all_duties(
    duties: Duties,
    request: Request,
    who: CurrentPrincipal,
    status: Literal["due", "overdue"] = "due",
    station: Station = None,
) -> list[dict[str, Any]]:
    """Duties at every enterprise (or a station's): `due` (open) or `overdue`, earliest due first."""
    what = "the duties of every enterprise"
    only = await station_scope(request, who, station, what, "your own are at GET /officers/{officer_id}/duties")
    return [asdict(d) for d in await duties.duties(_DUTY_STATUS[status], only)]


@router.get(
    "/activity-counts",
    dependencies=[Depends(across_all("the activity counts of every enterprise", _ONE_ENTERPRISE))],
)
async def counts(
    figures: ActivityCounts,
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to", description="inclusive")],
) -> dict[str, int]:
    if end < start:
        raise InvalidCommand("the range ends before it starts", field="to")
    return asdict(await figures.counts(start, end + timedelta(days=1)))
