"""The enterprise's callback: a dissatisfied rating reopens a resolved appeal."""

from ..unit.samples import CONTACT, POLICE_A
from .conftest import Appeals
from .feeds import Feed, register_enterprise
from .samples import raise_body, types


async def test_a_dissatisfied_callback_reopens_the_appeal(assignment: Feed, appeals: Appeals) -> None:
    await register_enterprise(assignment, police_a_away=False)
    await appeals.chiefs_known(police_acting=POLICE_A)
    await appeals.post("/appeals", raise_body("ap-gate"), status=201)
    await appeals.post("/appeals/ap-gate/resolve", {"what_was_done": "mediated", "resolved_by": POLICE_A})
    callback = {"rating": 2, "resolved": False, "comment": "they are back", "recorded_by": CONTACT}
    accepted = await appeals.post("/appeals/ap-gate/callback", callback, status=201)
    assert accepted["events"] == ["CallbackRecorded", "AppealReopened"]

    view = await appeals.appeal_when("ap-gate", lambda v: v["reopen_count"] == 1)
    assert (view["status"], view["is_open"], view["officer_id"]) == ("in_progress", True, POLICE_A)
    assert types(view)[-2:] == ["CallbackRecorded", "AppealReopened"]
    assert view["due_at"] is not None
