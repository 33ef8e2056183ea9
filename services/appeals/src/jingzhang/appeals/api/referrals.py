"""Partner departments' own figures (issue 14 item 3): how each answered the appeals referred to it, late
replies and those still unanswered past its reply limit counted against it. Bureau and auditors."""

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import TypeAdapter

from jingzhang.appeals.api.authz import across
from jingzhang.appeals.api.deps import Board, Departments
from jingzhang.shared.auth import Action
from jingzhang.shared.auth.http import require_everything

router = APIRouter(tags=["appeals"])
DURATION = TypeAdapter(timedelta)


@router.get(
    "/departments/figures",
    dependencies=[Depends(require_everything(Action.READ, across("the departments' figures", "none")))],
)
async def department_figures(board: Board, directory: Departments) -> list[dict[str, Any]]:
    """Each department of the directory, its reply limit, and of the appeals referred to it: how many,
    answered, answered late (after the limit), unanswered past it now, and ever overdue."""
    found = {row["department_id"]: row for row in await board.department_figures()}
    empty = {"referrals": 0, "replied": 0, "replied_late": 0, "overdue_now": 0, "ever_overdue": 0}
    return [
        {
            "department_id": d.department_id,
            "name_zh": d.name_zh,
            "name_en": d.name_en,
            "reply_within": DURATION.dump_python(d.reply_within, mode="json"),
            **{k: v for k, v in found.get(d.department_id, empty).items() if k != "department_id"},
        }
        for d in directory
    ]
