"""Recurring problems over HTTP on real NATS and PostgreSQL (issue 14 item 4): two disputes of one
enterprise within the window are found (as the enterprise's, and as its station's area) and recorded
once; the bureau confirms one; a station chief lists their station's; a preview with a threshold or a
window not above zero is a 422 naming it; only the bureau judges."""

from jingzhang.appeals.domain.recurring import RECURRING
from jingzhang.shared.auth import Role
from tests.auth import bearer
from tests.kernel.helpers import eventually

from ..unit.samples import DAY, ENTERPRISE, POLICE_A
from .conftest import Appeals
from .feeds import Feed, register_enterprise
from .samples import raise_body

STATION = "恒口"


async def test_similar_appeals_are_found_recorded_once_and_judged_by_the_bureau(
    assignment: Feed, appeals: Appeals
) -> None:
    await register_enterprise(assignment, police_a_away=False)
    await appeals.chiefs_known(police_acting=POLICE_A)
    await appeals.post("/appeals", raise_body("ap-1"), status=201)
    appeals.clock.advance(2 * DAY)
    await appeals.post("/appeals", raise_body("ap-2"), status=201)

    async def found() -> bool:
        listed = (await appeals.client.get("/recurring-problems")).json()
        return len(listed["problems"]) == 2

    await eventually(found, timeout=20)
    listed = await appeals.get("/recurring-problems")
    by_kind = {p["kind"]: p for p in listed["problems"]}
    assert (by_kind["enterprise"]["scope"], by_kind["enterprise"]["appeal_ids"]) == (ENTERPRISE, ["ap-1", "ap-2"])
    assert by_kind["station"]["scope"] == STATION
    assert listed["counts"] == {"open": 2, "confirmed": 0, "dismissed": 0}
    problem_id = by_kind["enterprise"]["problem_id"]
    assert len(await appeals.app.state.runtime.store.read_stream(RECURRING.stream(problem_id))) == 1

    officer = bearer(Role.OFFICER, "sun", officer_id=POLICE_A)
    note = {"note": "同一工地门口反复纠纷"}
    refused = await appeals.client.post(f"/recurring-problems/{problem_id}/confirm", json=note, headers=officer)
    assert refused.status_code == 403
    await appeals.post(f"/recurring-problems/{problem_id}/confirm", note)
    unknown = await appeals.client.post("/recurring-problems/rp-nobody/confirm", json=note)
    assert unknown.status_code == 404

    async def confirmed() -> bool:
        return (await appeals.get("/recurring-problems?status=confirmed"))["counts"]["confirmed"] == 1

    await eventually(confirmed, timeout=20)
    chief = bearer(Role.STATION_CHIEF, "chen", officer_id="off-chen", station=STATION)
    own = await appeals.client.get("/recurring-problems", params={"station": STATION}, headers=chief)
    assert len(own.json()["problems"]) == 2
    other = await appeals.client.get("/recurring-problems", params={"station": "城关"}, headers=chief)
    assert other.status_code == 403
    for params, field in (({"threshold": "0"}, "threshold"), ({"window": "PT0S"}, "window")):
        answer = await appeals.client.get("/recurring-problems/preview", params=params)
        assert (answer.status_code, answer.json()["field"]) == (422, field), answer.text
    preview = await appeals.get("/recurring-problems/preview?threshold=3")
    assert preview == []
