"""The bureau's visit cadence per class as events (issue 14 item 7), over HTTP on real NATS and PostgreSQL.

Before the enterprise arrives, the bureau sets its class to monthly revisits from Monday 10 March: the
week of 3 March keeps its weekly revisit (its period began before), April is owed a monthly one, and the
leaders' monthly duties go on; each change is an event; a retry records nothing; bad input is a 422
naming the field and writes nothing; only the bureau changes the cadence.
"""

from typing import Any

from jingzhang.patrols.domain.cadence_policy import POLICY_ID, VISIT_CADENCE
from jingzhang.shared.auth import Role
from tests.auth import bearer

from .conftest import AssignmentFeed, Patrols
from .test_cadence import wait_for_duties

MONTHLY = [
    {"kind": "weekly_revisit", "tier": "police_chief", "cadence": "monthly"},
    {"kind": "leader_meeting", "tier": "bureau_leader", "cadence": "monthly"},
    {"kind": "inspection", "tier": "station_chief", "cadence": "monthly"},
]
CHANGE: dict[str, Any] = {
    "enterprise_class": "city_key_project",
    "rules": MONTHLY,
    "effective_from": "2025-03-10",
    "reason": "城市重点项目改为每月回访",
}


async def changes_recorded(patrols: Patrols) -> int:
    return len(await patrols.runtime.store.read_stream(VISIT_CADENCE.stream(POLICY_ID)))


async def test_periods_from_the_changes_day_are_planned_by_the_new_rules(
    feed: AssignmentFeed, patrols: Patrols
) -> None:
    client = patrols.client
    defaults = (await client.get("/policies/visit-cadence")).json()
    assert [r["cadence"] for r in defaults["rules"]["city_key_project"]] == ["weekly", "monthly", "monthly"]
    bad = {
        "effective_from": {**CHANGE, "effective_from": "2025-03-04"},
        "rules": {**CHANGE, "rules": []},
        "enterprise_class": {**CHANGE, "enterprise_class": "state_secret"},
        "rules.0.cadence": {**CHANGE, "rules": [{**MONTHLY[0], "cadence": "daily"}]},
        "reason": {**CHANGE, "reason": ""},
    }
    for field, body in bad.items():
        refused = await client.post("/policies/visit-cadence", json=body)
        assert (refused.status_code, refused.json()["field"]) == (422, field), refused.text
    twice = await client.post("/policies/visit-cadence", json={**CHANGE, "rules": [MONTHLY[0], MONTHLY[0]]})
    assert (twice.status_code, twice.json()["field"]) == (422, "rules"), twice.text
    officer = bearer(Role.OFFICER, "u-chief-a", officer_id="chief-a")
    assert (await client.post("/policies/visit-cadence", json=CHANGE, headers=officer)).status_code == 403
    assert await changes_recorded(patrols) == 0

    for _ in range(2):  # the second is a retry: nothing more recorded
        assert (await client.post("/policies/visit-cadence", json=CHANGE)).status_code == 201
    assert await changes_recorded(patrols) == 1
    await feed.register_with_chiefs()

    await wait_for_duties(patrols, "chief-a", {"ent-1-weekly_revisit-2025-W10", "ent-1-weekly_revisit-2025-04"})
    await wait_for_duties(patrols, "leader-a", {"ent-1-leader_meeting-2025-03", "ent-1-leader_meeting-2025-04"})
    later = (await client.get("/policies/visit-cadence", params={"on": "2025-03-10"})).json()
    assert later["rules"]["city_key_project"] == MONTHLY
    assert later["rules"]["small_micro"] == [{"kind": "weekly_revisit", "tier": "police_chief", "cadence": "monthly"}]
    assert [(c["enterprise_class"], c["effective_from"]) for c in later["changes"]] == [
        ("city_key_project", "2025-03-10")
    ]
