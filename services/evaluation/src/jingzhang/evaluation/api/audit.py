"""The audit trail over HTTP: who did what to which enterprise or officer, when (bureau and auditors)."""

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from jingzhang.evaluation.api.authz import everything
from jingzhang.evaluation.api.deps import Audit
from jingzhang.evaluation.domain.period import in_bureau_time
from jingzhang.evaluation.projections.audit_queries import AuditFilter, AuditRow
from jingzhang.shared.errors import InvalidCommand

router = APIRouter(tags=["audit"])

MAX_PAGE = 500


class AuditPageView(BaseModel):
    order: Literal["newest_first"] = "newest_first"
    events: list[AuditRow]
    next: uuid.UUID | None
    """Pass as `after` for the next page; null on the last page."""


TEXT = r"^[^\x00]{1,200}$"  # PostgreSQL text holds no NUL


@router.get("/audit", dependencies=[everything("the audit trail")])
async def get_audit(
    audit: Audit,
    enterprise_id: Annotated[str | None, Query(pattern=TEXT, description="Events concerning this enterprise")] = None,
    officer_id: Annotated[str | None, Query(pattern=TEXT, description="Events concerning this officer")] = None,
    actor: Annotated[
        str | None, Query(pattern=TEXT, description='Who acted, as events record it: "role:subject"')
    ] = None,
    start: Annotated[datetime | None, Query(alias="from", description="Recorded at or after (bureau time)")] = None,
    end: Annotated[datetime | None, Query(alias="to", description="Recorded before (exclusive)")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Events per page")] = 100,
    after: Annotated[uuid.UUID | None, Query(description="The `next` of the previous page")] = None,
) -> AuditPageView:
    """One row per recorded event of any service, newest first; the events' contents are not shown."""
    start, end = _instant(start, "from"), _instant(end, "to")
    if start is not None and end is not None and end <= start:
        raise InvalidCommand("to must be after from", field="to")
    wanted = AuditFilter(enterprise_id, officer_id, actor, start, end)
    page = await audit.page(wanted, limit, after)
    return AuditPageView(events=list(page.rows), next=page.next_after)


def _instant(value: datetime | None, field: str) -> datetime | None:
    if value is None:
        return None
    try:
        return in_bureau_time(value).astimezone(UTC)
    except OverflowError:
        raise InvalidCommand("out of range", field=field) from None
