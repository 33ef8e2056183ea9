"""Through real servers: a routed appeal reaches the acting chief by SMS and inbox and the enterprise's
group by its robot, once each, in the right words; the robot's rate limit holds messages without losing
or doubling any; quiet hours hold what is not urgent; a replay of the inbox sends nothing; an erased
officer gets no SMS and their phone is nowhere in the service's tables or logs; bad configuration is
refused naming the field."""

import json
from datetime import datetime, timedelta

import pytest
from nats.aio.client import Client as NATS

from jingzhang.appeals.domain.events import DeadlineBreached
from jingzhang.appeals.domain.vocabulary import ChiefTier, DeadlineKind
from jingzhang.notifications.domain.channels import default_template
from jingzhang.notifications.domain.vocabulary import MessageKind
from jingzhang.notifications.projections import inbox
from jingzhang.notifications.workers import log as delivery_log
from jingzhang.shared.auth import Role
from jingzhang.shared.privacy.keystore import erase_subject
from jingzhang.shared.replay import rebuild
from tests.auth import bearer
from tests.kernel.helpers import eventually
from tests.notifications.conftest import (
    ENTERPRISE_NAME,
    NOW,
    PHONES,
    Service,
    World,
    enrol,
    group_registered,
    raise_and_route,
    register_enterprise,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
async def ready(world: World, service: Service) -> None:
    for officer_id in ("chief-a", "chief-b", "station-a", "leader-a"):
        await enrol(world, officer_id)
    await register_enterprise(world, "ent-1")
    await group_registered(world, service, "ent-1")


async def sent_count(service: Service, channel: str) -> int:
    return int(
        await service.pool.fetchval(
            "SELECT count(*) FROM es.events WHERE event_type = 'NotificationSent' AND data->>'channel' = $1", channel
        )
    )


async def settled(service: Service) -> None:
    async def nothing_pending() -> bool:
        return not await service.pool.fetchval(
            "SELECT count(*) FROM proj_dispatch.outbox WHERE state = 'pending' AND release_at <= $1",
            service.clock.now(),
        )

    await eventually(nothing_pending, timeout=20)


async def both_sent(service: Service, ref: str) -> None:
    """Wait until the SMS and the group message about `ref` are both sent (not merely decided)."""

    async def sent() -> bool:
        rows = await service.pool.fetch(
            "SELECT channel, state FROM proj_dispatch.outbox WHERE ref = $1 ORDER BY channel", ref
        )
        return [tuple(r) for r in rows] == [("sms", "sent"), ("wecom", "sent")]

    await eventually(sent, timeout=20)


async def template_is(service: Service, code: str, content: str) -> None:
    """Wait until the service sends appeal_routed SMS with this registered template."""

    async def registered() -> bool:
        row = await service.pool.fetchrow(
            "SELECT template_code, content FROM proj_directory.templates WHERE kind = 'appeal_routed'"
        )
        return row is not None and (row["template_code"], row["content"]) == (code, content)

    await eventually(registered, timeout=20)


async def wecom_summary(service: Service) -> dict[str, int]:
    summary = (await service.client.get("/deliveries/summary")).json()
    return dict(summary.get("wecom", {"pending": 0, "sent": 0, "dead": 0, "held": 0, "interrupted": 0}))


async def test_a_routed_appeal_tells_the_acting_chief_and_the_group_once_each(
    ready: None, world: World, service: Service
) -> None:
    robot = world.sinks.robots.received
    before_sms, before_group = len(world.sinks.gateway.delivered), len(robot.get("ent-1", []))
    last_read = await service.pool.fetchval("SELECT coalesce(max(id), 0) FROM privacy.personal_reads")
    await raise_and_route(world, "ent-1", "appeal-1")

    async def both_arrived() -> bool:
        return len(world.sinks.gateway.delivered) > before_sms and len(robot.get("ent-1", [])) > before_group

    await eventually(both_arrived, timeout=20)
    await settled(service)
    sms = world.sinks.gateway.delivered[before_sms:]
    group = robot["ent-1"][before_group:]
    assert len(sms) == 1
    assert len(group) == 1
    assert sms[0]["phone"] == PHONES["chief-a"]
    assert sms[0]["template_code"] == "JZ_APPEAL_ROUTED"
    assert sms[0]["params"] == {
        "enterprise": ENTERPRISE_NAME,
        "category": "涉企矛盾纠纷",
        "time_left": "5天",
        "link": "https://console.example/jz/appeals/appeal-1",
    }
    reads = await service.pool.fetch(
        "SELECT reader, kinds, route, purpose FROM privacy.personal_reads"
        " WHERE subject = 'officer/chief-a' AND id > $1",
        last_read,
    )
    assert [tuple(r) for r in reads] == [  # the phone's use is in the read log (PIPL), the number is not
        ("service:notifications-delivery", ["phone"], "SMS SendSms", "notification appeal_routed")
    ]
    assert group[0]["msgtype"] == "markdown"
    assert "**诉求已受理**" in group[0]["content"]
    assert f"{ENTERPRISE_NAME}提出的涉企矛盾纠纷诉求已收到，承办警长将在1天内答复" in group[0]["content"]
    assert "https://console.example/jz/appeals/appeal-1" in group[0]["content"]
    assert "工地" not in group[0]["content"]  # the enterprise's own words are personal: never in a message

    chief = bearer(Role.OFFICER, "chief-a", officer_id="chief-a")
    items = (await service.client.get("/officers/chief-a/inbox", headers=chief)).json()
    routed = [i for i in items if i["ref"] == "appeal-1"]
    assert [i["kind"] for i in routed] == ["appeal_routed"]
    assert routed[0]["text"] == (
        f"{ENTERPRISE_NAME}的涉企矛盾纠纷诉求已派给您办理，剩余时限5天。详情：https://console.example/jz/appeals/appeal-1"
    )
    read = await service.client.post(f"/officers/chief-a/inbox/{routed[0]['notification_id']}/read", headers=chief)
    assert read.status_code == 200, read.text
    assert read.json()["events"] == ["NotificationRead"]
    again = await service.client.post(f"/officers/chief-a/inbox/{routed[0]['notification_id']}/read", headers=chief)
    assert again.json()["events"] == []

    async def receipt_shown() -> bool:
        shown = (await service.client.get("/officers/chief-a/inbox?unread=true", headers=chief)).json()
        return all(i["ref"] != "appeal-1" for i in shown)

    await eventually(receipt_shown, timeout=10)
    other = bearer(Role.OFFICER, "chief-b", officer_id="chief-b")
    assert (await service.client.get("/officers/chief-a/inbox", headers=other)).status_code == 403


async def test_the_robots_rate_limit_holds_messages_none_lost_none_doubled(
    ready: None, world: World, service: Service
) -> None:
    robots = world.sinks.robots
    robots.limit, robots.window = 3, 1.5  # 3 in 1.5 s here (20 a minute in WeCom); the service learns it by 45009
    refused_before = robots.refused
    before = len(robots.received.get("ent-1", []))
    counts_before = await wecom_summary(service)
    try:
        for n in range(8):
            await raise_and_route(world, "ent-1", f"burst-{n}")

        async def all_arrived() -> bool:
            return len(robots.received.get("ent-1", [])) >= before + 8

        await eventually(all_arrived, timeout=30)
        await settled(service)
    finally:
        robots.limit, robots.window = 20, 60.0
    received = robots.received["ent-1"][before:]
    refs = sorted(
        line.split("通知编号 ")[1] for e in received for line in e["content"].splitlines() if "通知编号" in line
    )
    assert len(refs) == 8
    assert len(set(refs)) == 8  # none doubled
    assert robots.refused > refused_before  # the robot did refuse some with 45009
    counts = await wecom_summary(service)
    assert counts["held"] > counts_before["held"]  # this burst's messages were held back
    assert counts["dead"] == counts_before["dead"]  # and none of them died
    burst = await service.pool.fetch(
        "SELECT state, held FROM proj_dispatch.outbox WHERE channel = 'wecom' AND ref LIKE 'burst-%'"
    )
    assert [r["state"] for r in burst] == ["sent"] * 8
    assert sum(r["held"] for r in burst) == counts["held"] - counts_before["held"]


async def test_a_message_that_keeps_failing_is_dead_lettered_with_the_reason(
    ready: None, world: World, service: Service
) -> None:
    await register_enterprise(world, "ent-2")
    await group_registered(world, service, "ent-2")
    world.sinks.robots.busy.add("ent-2")
    try:
        await raise_and_route(world, "ent-2", "busy-1")

        async def dead() -> bool:
            row = await service.pool.fetchrow(
                "SELECT data FROM es.events WHERE event_type = 'NotificationFailed' AND data->>'ref' = 'busy-1'"
            )
            return row is not None

        await eventually(dead, timeout=20)
    finally:
        world.sinks.robots.busy.discard("ent-2")
    [row] = await service.pool.fetch(
        "SELECT data FROM es.events WHERE event_type = 'NotificationFailed' AND data->>'ref' = 'busy-1'"
    )
    failed = json.loads(row["data"])
    assert (failed["channel"], failed["recipient"], failed["attempts"]) == ("wecom", "group/ent-2", 3)
    assert failed["reason"] == "robot errcode -1 (after 3 attempts)"
    assert world.sinks.robots.received.get("ent-2", []) == []
    outbox = await service.pool.fetchrow(
        "SELECT state, attempts, last_error FROM proj_dispatch.outbox WHERE ref = 'busy-1' AND channel = 'wecom'"
    )
    assert outbox is not None
    assert (outbox["state"], outbox["attempts"]) == ("dead", 3)
    summary = (await service.client.get("/deliveries/summary")).json()
    assert summary["wecom"]["dead"] == 1


async def test_quiet_hours_hold_what_is_not_urgent_until_morning(ready: None, world: World, service: Service) -> None:
    await raise_and_route(world, "ent-1", "late-1")  # by day: told at once; its limit passes tonight
    await both_sent(service, "late-1")
    night = NOW.replace(hour=23)
    service.clock.set(night + timedelta(minutes=5))
    try:
        await at_night(world, service, night)
    finally:
        service.clock.set(NOW)


async def at_night(world: World, service: Service, night: datetime) -> None:
    sms_before = len(world.sinks.gateway.delivered)
    await raise_and_route(world, "ent-1", "night-1", at=night)
    breached = DeadlineBreached(
        kind=DeadlineKind.RESOLUTION,
        due_at=night,
        tier=ChiefTier.POLICE_CHIEF,
        officer_id="chief-a",
        breached_at=night,
    )
    await world.appeals.emit("appeal", "late-1", night, breached)

    async def breach_sent() -> bool:
        return any(d["template_code"] == "JZ_APPEAL_BREACHED" for d in world.sinks.gateway.delivered[sms_before:])

    await eventually(breach_sent, timeout=20)  # urgent: at once, at night
    held = await service.pool.fetch("SELECT channel, release_at FROM proj_dispatch.outbox WHERE ref = 'night-1'")
    assert {r["channel"] for r in held} == {"sms", "wecom"}
    assert all(r["release_at"] > night for r in held)
    assert [d["template_code"] for d in world.sinks.gateway.delivered[sms_before:]] == ["JZ_APPEAL_BREACHED"]
    service.clock.set(night.replace(hour=8) + timedelta(days=1))

    async def morning() -> bool:
        states = await service.pool.fetch("SELECT state FROM proj_dispatch.outbox WHERE ref = 'night-1'")
        return [r["state"] for r in states] == ["sent", "sent"]

    await eventually(morning, timeout=20)


async def test_a_replay_of_the_inbox_rebuilds_it_and_sends_nothing(
    ready: None, world: World, service: Service, module_nats: object
) -> None:
    chief = bearer(Role.OFFICER, "chief-a", officer_id="chief-a")
    await raise_and_route(world, "ent-1", "replay-1")
    await both_sent(service, "replay-1")

    async def in_inbox() -> list[dict[str, object]]:
        items = (await service.client.get("/officers/chief-a/inbox", headers=chief)).json()
        return [i for i in items if i["ref"] == "replay-1"]

    async def arrived() -> bool:
        return bool(await in_inbox())

    await eventually(arrived, timeout=20)
    [item] = await in_inbox()
    read = await service.client.post(f"/officers/chief-a/inbox/{item['notification_id']}/read", headers=chief)
    assert read.json()["events"] == ["NotificationRead"]

    async def read_shown() -> bool:
        return all(i["read_at"] is not None for i in await in_inbox())

    await eventually(read_shown, timeout=10)
    await settled(service)
    before = (await service.client.get("/officers/chief-a/inbox", headers=chief)).json()
    assert any(i["ref"] == "replay-1" and i["read_at"] is not None for i in before)
    sms, robot = len(world.sinks.gateway.delivered), sum(len(v) for v in world.sinks.robots.received.values())
    outbox = await service.pool.fetchval("SELECT count(*) FROM proj_dispatch.outbox")
    sent = await sent_count(service, "sms")
    nc: NATS = world.nc
    result = await rebuild(service.pool, nc, inbox.PROJECTION)
    assert result is not None
    after = (await service.client.get("/officers/chief-a/inbox", headers=chief)).json()
    assert after == before  # read receipts included
    assert len(world.sinks.gateway.delivered) == sms
    assert sum(len(v) for v in world.sinks.robots.received.values()) == robot
    assert await service.pool.fetchval("SELECT count(*) FROM proj_dispatch.outbox") == outbox
    assert await sent_count(service, "sms") == sent


async def test_an_erased_officer_gets_no_sms_and_their_phone_is_nowhere(
    ready: None, world: World, service: Service, capfd: pytest.CaptureFixture[str]
) -> None:
    await enrol(world, "chief-x")
    phone = "13800000000"  # chief-x's
    await erase_subject(world.keys.keystore.pool, "officer/chief-x", "bureau:tester", NOW)
    sms_before = len(world.sinks.gateway.delivered)
    await raise_and_route(world, "ent-1", "erased-1", officer_id="chief-x")

    async def given_up() -> bool:
        row = await service.pool.fetchrow(
            "SELECT data FROM es.events WHERE event_type = 'NotificationFailed' AND data->>'ref' = 'erased-1'"
        )
        return row is not None and json.loads(row["data"])["reason"] == "the recipient was erased"

    await eventually(given_up, timeout=20)
    await settled(service)
    assert all(d["phone"] != phone for d in world.sinks.gateway.delivered[sms_before:])
    tables = await service.pool.fetch(
        "SELECT table_schema, table_name FROM information_schema.tables"
        " WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
    )
    for t in tables:
        dump = await service.pool.fetchval(
            f"SELECT coalesce(string_agg(x::text, ''), '') FROM \"{t['table_schema']}\".\"{t['table_name']}\" x"
        )
        assert phone not in dump, f"{t['table_schema']}.{t['table_name']}"
        assert PHONES["chief-a"] not in dump, f"{t['table_schema']}.{t['table_name']}"
    out, err = capfd.readouterr()
    assert phone not in out + err
    assert PHONES["chief-a"] not in out + err
    assert delivery_log is not None


async def test_bad_configuration_is_refused_naming_the_field(ready: None, world: World, service: Service) -> None:
    plain = await service.client.put(
        "/enterprises/ent-1/group-webhook",
        json={"webhook_url": "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"},
    )
    assert plain.status_code == 422
    assert plain.json()["field"] == "webhook_url"
    assert "qyapi" not in plain.text  # the secret is never echoed
    unknown = await service.client.put(
        "/enterprises/nobody-here/group-webhook",
        json={"webhook_url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"},
    )
    assert unknown.status_code == 422
    assert unknown.json()["field"] == "enterprise_id"
    assert unknown.json()["code"] == "unknown_enterprise"
    missing = await service.client.put(
        "/sms/templates/appeal_routed",
        json={"template_code": "SMS_1001", "content": "${enterprise}的${category}诉求已派给您，详情${link}"},
    )
    assert missing.status_code == 422
    assert missing.json()["field"] == "content"
    assert "${time_left}" in missing.json()["detail"]
    kind = await service.client.put("/sms/templates/nonsense", json={"template_code": "S", "content": "x"})
    assert kind.status_code == 422
    fine = await service.client.put(
        "/sms/templates/appeal_routed",
        json={"template_code": "SMS_1001", "content": "${enterprise}${category}诉求派给您，剩${time_left}。${link}"},
    )
    assert fine.status_code == 200, fine.text
    await template_is(service, "SMS_1001", "${enterprise}${category}诉求派给您，剩${time_left}。${link}")
    code, content = default_template(MessageKind.APPEAL_ROUTED)  # what the other tests' messages are sent with
    restored = await service.client.put(
        "/sms/templates/appeal_routed", json={"template_code": code, "content": content}
    )
    assert restored.status_code == 200, restored.text
    await template_is(service, code, content)
    officer = bearer(Role.OFFICER, "chief-a", officer_id="chief-a")
    denied = await service.client.put(
        "/sms/templates/appeal_routed", json={"template_code": "S", "content": "x"}, headers=officer
    )
    assert denied.status_code == 403
    written = await service.pool.fetch(
        "SELECT data->>'enterprise_id' AS e FROM es.events WHERE event_type = 'GroupWebhookRegistered'"
    )
    assert "ent-1" in world.groups
    assert sorted(r["e"] for r in written) == sorted(world.groups)  # the module's good registrations only
