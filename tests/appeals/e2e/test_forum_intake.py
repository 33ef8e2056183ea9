"""Appeals collected at a forum (recorded by the patrols service) are raised here, each exactly once."""

from nats.aio.client import Client as NATS

from jingzhang.patrols.domain.activity import collected_appeal_id

from ...conftest import ServiceEnv
from ..unit.samples import ENTERPRISE, POLICE_A
from .conftest import Appeals
from .feeds import Feed, feed, forum_held, register_enterprise
from .samples import raise_body


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
    assert [e["actor"] for e in raised["history"]] == ["appeals:forum-intake"] * 2
    listed = await appeals.get(f"/enterprises/{ENTERPRISE}/appeals")
    assert sorted((a["appeal_id"], a["channel"], a["version"]) for a in listed) == sorted(
        [(first, "phone", 2), (second, "forum", 2)]
    )
