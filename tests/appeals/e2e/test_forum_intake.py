"""Appeals collected at a forum (recorded by the patrols service) are raised here, each exactly once."""

from nats.aio.client import Client as NATS

from jingzhang.patrols.domain.activity import collected_appeal_id

from ...conftest import ServiceEnv
from ..unit.samples import DAY, ENTERPRISE, POLICE_A, T0
from .conftest import Appeals
from .feeds import Feed, feed, forum_held, register_enterprise
from .samples import raise_body, types


async def test_each_collected_appeal_is_raised_once_on_the_forum_channel(
    service_env: ServiceEnv, nc: NATS, assignment: Feed, appeals: Appeals
) -> None:
    await register_enterprise(assignment, police_a_away=False)
    await appeals.chiefs_known(police_acting=POLICE_A)
    first, second = collected_appeal_id("forum-7", "r1"), collected_appeal_id("forum-7", "r2")
    # Someone already raised the first one by hand: the reactor must leave that stream alone.
    await appeals.post("/appeals", raise_body(first, "phone"), status=201)

    async with feed(service_env, nc, "patrols") as patrols:
        await patrols.write("activity", "forum-7", forum_held("forum-7", ["r1", "r2"]))
        raised = await appeals.appeal_when(second, lambda v: v["officer_id"] == POLICE_A)

    assert (raised["channel"], raised["raised_by"], raised["category"]) == ("forum", "forum:forum-7", "dispute")
    assert raised["received_at"] == raised["raised_at"] == "2026-03-02T09:00:00Z"  # recorded on the forum's day
    assert [e["actor"] for e in raised["history"]] == ["appeals:forum-intake"] * 2
    listed = await appeals.get(f"/enterprises/{ENTERPRISE}/appeals")
    assert sorted((a["appeal_id"], a["channel"], a["version"]) for a in listed) == sorted(
        [(first, "phone", 2), (second, "forum", 2)]
    )


async def test_a_forum_recorded_later_for_an_enterprise_not_known_yet_is_held_from_the_forums_day(
    service_env: ServiceEnv, nc: NATS, assignment: Feed, appeals: Appeals
) -> None:
    appeal_id = collected_appeal_id("forum-8", "r1")
    async with feed(service_env, nc, "patrols") as patrols:
        # held on 27 February, recorded on 2 March, before this service has heard of the enterprise
        await patrols.write("activity", "forum-8", forum_held("forum-8", ["r1"], at=T0 - 3 * DAY))
        held = await appeals.appeal_when(appeal_id, lambda v: v["unrouted"] and v["held_reason"] is not None)

    assert held["held_reason"] == "enterprise_not_yet_known"
    assert held["received_at"] == "2026-02-27T15:59:59Z"  # the end of the forum's day in Shanghai
    await register_enterprise(assignment, police_a_away=False)
    routed = await appeals.appeal_when(appeal_id, lambda v: v["officer_id"] == POLICE_A)
    # the first answer was due a day after the forum: that passed at the duty desk, charged to nobody
    assert types(routed) == ["AppealRaised", "AppealHeldAtDutyDesk", "DeadlinePassedAtDutyDesk", "AppealRouted"]
    assert routed["history"][2]["data"]["kind"] == "first_response"
    assert routed["due_at"] == "2026-03-06T15:59:59Z"
