"""The bureau's time limit per category as events (issue 14 item 7), over HTTP on real NATS and PostgreSQL.

Defaults stay today's (a dispute: 7 days). The bureau sets disputes to 3 days from a business day ten
days on: appeals received before it keep 7 days (also one received before but entered after), appeals
received from it take 3 days; each change is an event in the service's store; a retry records nothing;
a change in the past, a limit out of range or an unknown category is 422 naming the field, and nothing
is written; only the bureau changes the limits.
"""

from datetime import date, datetime, timedelta
from typing import Any

from jingzhang.appeals.domain.time_limit_policy import POLICY_ID, TIME_LIMITS
from jingzhang.shared.auth import Role
from tests.auth import bearer

from ..unit.samples import DAY, POLICE_A, T0
from .conftest import Appeals
from .feeds import Feed, register_enterprise
from .samples import raise_body

TODAY = T0.date()  # T0 is 09:00 UTC, the same day in bureau time
EFFECTIVE = TODAY + timedelta(days=10)
CHANGE = {"category": "dispute", "time_limit": "P3D", "effective_from": EFFECTIVE.isoformat(), "reason": "提速"}


async def changes_recorded(appeals: Appeals) -> int:
    stored = await appeals.app.state.runtime.store.read_stream(TIME_LIMITS.stream(POLICY_ID))
    return len(stored)


async def window(appeals: Appeals, appeal_id: str) -> timedelta:
    """How long the appeal was given: from its receipt to its due time, before any escalation."""
    view: dict[str, Any] = await appeals.appeal_when(appeal_id, lambda v: v["officer_id"] == POLICE_A)
    return datetime.fromisoformat(view["due_at"]) - datetime.fromisoformat(view["received_at"])


async def test_a_change_applies_to_appeals_received_from_its_business_day(assignment: Feed, appeals: Appeals) -> None:
    await register_enterprise(assignment, police_a_away=False)
    await appeals.chiefs_known(police_acting=POLICE_A)
    defaults = await appeals.get("/policies/time-limits")
    assert (defaults["limits"]["dispute"], defaults["limits"]["public_order_trouble_spot"]) == ("P7D", "P15D")

    bad = {
        "effective_from": {**CHANGE, "effective_from": (TODAY - timedelta(days=1)).isoformat()},
        "time_limit": {**CHANGE, "time_limit": "PT0S"},
        "category": {**CHANGE, "category": "weather"},
        "reason": {**CHANGE, "reason": ""},
    }
    for field, body in bad.items():
        refused = await appeals.client.post("/policies/time-limits", json=body)
        assert (refused.status_code, refused.json()["field"]) == (422, field), refused.text
    officer = bearer(Role.OFFICER, "sun", officer_id=POLICE_A)
    assert (await appeals.client.post("/policies/time-limits", json=CHANGE, headers=officer)).status_code == 403
    assert await changes_recorded(appeals) == 0

    await appeals.post("/policies/time-limits", CHANGE, status=201)
    await appeals.post("/policies/time-limits", CHANGE, status=201)  # a retry: nothing more recorded
    assert await changes_recorded(appeals) == 1
    await appeals.post("/appeals", raise_body("ap-before"), status=201)
    assert await window(appeals, "ap-before") == 7 * DAY

    appeals.clock.advance(10 * DAY)
    await appeals.post("/appeals", raise_body("ap-after"), status=201)
    # received 23:00 bureau time the day before the change, entered 18 h later: inside its first-response
    # day (24 h), so no escalation moves it from the police chief while the test reads it
    entered_late = raise_body("ap-late", received_at=(T0 + 9 * DAY + timedelta(hours=6)).isoformat())
    await appeals.post("/appeals", entered_late, status=201)
    assert await window(appeals, "ap-after") == 3 * DAY
    assert await window(appeals, "ap-late") == 7 * DAY

    now = await appeals.get("/policies/time-limits")
    before = await appeals.get(f"/policies/time-limits?on={date(2026, 3, 11).isoformat()}")
    assert (now["limits"]["dispute"], before["limits"]["dispute"]) == ("P3D", "P7D")
    assert [(c["category"], c["time_limit"], c["effective_from"]) for c in now["changes"]] == [
        ("dispute", "P3D", EFFECTIVE.isoformat())
    ]
