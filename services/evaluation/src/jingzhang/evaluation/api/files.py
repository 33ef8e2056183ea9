"""一企一档 over HTTP: one enterprise's whole file, from every service's events, its timeline paged.

Read like the enterprise itself: its contact, the officers linked to it, the station chiefs of their
stations, the bureau, auditors (personal data masked for them by the edge)."""

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query

from jingzhang.evaluation.api.deps import Files
from jingzhang.shared.auth import Action
from jingzhang.shared.auth.http import enterprise_in_path
from jingzhang.shared.errors import NotFound

router = APIRouter(tags=["enterprise file"])

MAX_PAGE = 500


@router.get("/enterprises/{enterprise_id}/file", dependencies=[Depends(enterprise_in_path(Action.READ))])
async def enterprise_file(
    enterprise_id: str,
    files: Files,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Timeline events per page")] = 50,
    after: Annotated[uuid.UUID | None, Query(description="The `next` of the previous page")] = None,
    service: Annotated[
        Literal["assignment", "appeals", "patrols", "evaluation"] | None,
        Query(description="Only this service's events on the timeline"),
    ] = None,
) -> dict[str, Any]:
    """The record, the police office, the chiefs now (A/B) and every term, and the timeline: every event of
    every service concerning the enterprise, newest first by business time (`at`), with its data as
    published. `next` continues the timeline (null on its last page)."""
    found = await files.file(enterprise_id)
    if found is None:
        raise NotFound("enterprise", enterprise_id)
    page = await files.timeline(enterprise_id, limit, after, service)
    return {**found, "order": "newest_first", "timeline": page.lines, "next": page.next_after}
