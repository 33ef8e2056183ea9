"""Given the facts, when an event arrives, then these notifications: the rules, quiet hours and the
channel configuration checks, pure."""

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from jingzhang.notifications.domain.channels import (
    RegisterGroupWebhook,
    RegisterSmsTemplate,
    check_webhook_url,
    default_template,
    register_template,
)
from jingzhang.notifications.domain.quiet import QuietHours, release_at
from jingzhang.notifications.domain.rules import AppealFacts, DutyFacts, Facts, decide, notification_id, time_left
from jingzhang.notifications.domain.templates import TEMPLATES, render, template_variables
from jingzhang.notifications.domain.vocabulary import CONSOLE, Channel, MessageKind
from jingzhang.notifications.upstream import appeals, assignment, patrols
from jingzhang.shared.errors import InvalidCommand

TZ = ZoneInfo("Asia/Shanghai")
AT = datetime(2025, 3, 5, 10, tzinfo=TZ)
APPEAL = AppealFacts("ent-1", "dispute", AT + timedelta(days=5), emergency=False)
KNOWN = Facts("ent-1", "恒口物流园", group_registered=True, appeal=APPEAL)


class TestAnAppeal:
    def test_routed_tells_the_acting_chief_by_sms_and_inbox(self) -> None:
        routed = appeals.AppealRouted(tier="police_chief", officer_id="chief-a", routed_at=AT)
        [told] = decide(routed, "ap-1", KNOWN)
        assert told.recipient == "officer/chief-a"
        assert told.channels == (Channel.INAPP, Channel.SMS)
        assert not told.urgent
        assert dict(told.variables) == {
            "enterprise": "恒口物流园",
            "category": "涉企矛盾纠纷",
            "time_left": "5天",
            "link": "/appeals/ap-1",
        }

    def test_received_tells_a_registered_group_only(self) -> None:
        raised = appeals.AppealRaised(
            appeal_id="ap-1",
            enterprise_id="ent-1",
            category="dispute",
            emergency=False,
            raised_at=AT,
            time_limit=timedelta(days=5),
            first_response_within=timedelta(hours=24),
        )
        [told] = decide(raised, "ap-1", KNOWN)
        assert (told.recipient, told.channels) == ("group/ent-1", (Channel.WECOM,))
        assert told.kind is MessageKind.APPEAL_RECEIVED
        assert decide(raised, "ap-1", Facts("ent-1", "恒口物流园", group_registered=False)) == []

    def test_a_breach_at_the_top_also_reaches_the_console_and_is_urgent(self) -> None:
        breached = appeals.DeadlineBreached(
            kind="resolution", due_at=AT, tier="bureau_leader", officer_id="leader-a", breached_at=AT
        )
        told = decide(breached, "ap-1", KNOWN)
        assert [(t.recipient, t.urgent) for t in told] == [("officer/leader-a", True), (CONSOLE, True)]
        assert told[1].channels == (Channel.INAPP,)

    def test_a_breach_lower_down_tells_the_holder_only(self) -> None:
        breached = appeals.DeadlineBreached(
            kind="resolution", due_at=AT, tier="police_chief", officer_id="chief-a", breached_at=AT
        )
        assert [t.recipient for t in decide(breached, "ap-1", KNOWN)] == ["officer/chief-a"]

    def test_an_escalation_tells_the_next_rung_at_once_with_its_grace(self) -> None:
        escalated = appeals.AppealEscalated(
            from_tier="police_chief",
            to_tier="station_chief",
            officer_id="station-a",
            extra_time=timedelta(hours=26),
            escalated_at=AT,
        )
        [told] = decide(escalated, "ap-1", KNOWN)
        assert (told.recipient, told.urgent, told.variables["time_left"]) == ("officer/station-a", True, "1天2小时")

    def test_nothing_is_decided_for_an_appeal_never_seen_raised(self) -> None:
        routed = appeals.AppealRouted(tier="police_chief", officer_id="chief-a", routed_at=AT)
        assert decide(routed, "ap-9", Facts()) == []

    def test_only_a_department_done_asks_the_group_for_a_callback(self) -> None:
        done = appeals.DepartmentReportedBack(department_id="urban", outcome="done", reported_at=AT)
        returned = appeals.DepartmentReportedBack(department_id="urban", outcome="returned", reported_at=AT)
        assert [t.kind for t in decide(done, "ap-1", KNOWN)] == [MessageKind.CALLBACK_NEEDED]
        assert decide(returned, "ap-1", KNOWN) == []


class TestChiefsAndDuties:
    def test_a_coverage_gap_tells_the_acting_station_chief_and_the_console(self) -> None:
        gap = assignment.CoverageGapOpened(enterprise_id="ent-1", missing=("police_chief",))
        told = decide(gap, "ent-1", Facts("ent-1", "恒口物流园", station_chiefs=("station-a",)))
        assert [t.recipient for t in told] == ["officer/station-a", CONSOLE]
        assert told[0].variables["tier"] == "辖区警长"

    def test_a_new_chief_posts_a_new_notice_card_to_the_group(self) -> None:
        assigned = assignment.ChiefAssigned(
            enterprise_id="ent-1", tier="police_chief", slot="B", officer_id="o-2", effective_from=AT
        )
        [told] = decide(assigned, "ent-1", KNOWN)
        assert told.kind is MessageKind.CHIEFS_CHANGED
        assert told.variables["tier"] == "辖区警长B角"

    def test_a_duty_planned_goes_to_the_inbox_only(self) -> None:
        scheduled = patrols.DutyScheduled(
            duty_id="d-1",
            enterprise_id="ent-1",
            kind="weekly_revisit",
            tier="police_chief",
            due_at=AT,
            assignee_officer_id="chief-a",
        )
        [told] = decide(scheduled, "d-1", Facts("ent-1", "恒口物流园"))
        assert told.channels == (Channel.INAPP,)
        assert told.variables["due"] == "03月05日 10:00"

    def test_a_duty_passed_to_b_tells_b_by_sms_too(self) -> None:
        passed = patrols.DutyReassigned(duty_id="d-1", to_officer_id="chief-b", reason="a_away")
        facts = Facts("ent-1", "恒口物流园", duty=DutyFacts("ent-1", "weekly_revisit", AT))
        [told] = decide(passed, "d-1", facts)
        assert (told.recipient, told.kind, told.channels) == (
            "officer/chief-b",
            MessageKind.DUTY_HANDED_OVER,
            (Channel.INAPP, Channel.SMS),
        )


class TestDecidedOnce:
    def test_the_id_follows_from_the_cause_and_the_recipient(self) -> None:
        cause = uuid.uuid4()
        assert notification_id(cause, "officer/a") == notification_id(cause, "officer/a")
        assert notification_id(cause, "officer/a") != notification_id(cause, "group/ent-1")
        assert notification_id(cause, "officer/a") != notification_id(uuid.uuid4(), "officer/a")


class TestQuietHours:
    night = QuietHours.parse("22:00-07:00")

    def test_a_message_at_night_waits_for_the_morning(self) -> None:
        assert release_at(AT.replace(hour=23), self.night, urgent=False) == datetime(2025, 3, 6, 7, tzinfo=TZ)
        assert release_at(AT.replace(hour=3), self.night, urgent=False) == datetime(2025, 3, 5, 7, tzinfo=TZ)

    def test_an_urgent_one_or_one_by_day_goes_at_once(self) -> None:
        assert release_at(AT.replace(hour=23), self.night, urgent=True) == AT.replace(hour=23)
        assert release_at(AT, self.night, urgent=False) == AT

    def test_a_bad_window_is_refused(self) -> None:
        with pytest.raises(ValueError, match="HH:MM-HH:MM"):
            QuietHours.parse("late")


class TestChannelConfiguration:
    @pytest.mark.parametrize(
        "url",
        ["https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", "http://127.0.0.1:8120/x", "http://localhost/x"],
    )
    def test_https_or_a_loopback_sink(self, url: str) -> None:
        check_webhook_url(url)

    @pytest.mark.parametrize("url", ["http://qyapi.weixin.qq.com/x", "ftp://127.0.0.1/x", "https://", "no url"])
    def test_anything_else_is_refused_naming_the_field(self, url: str) -> None:
        with pytest.raises(InvalidCommand) as refused:
            check_webhook_url(url)
        assert refused.value.field == "webhook_url"
        assert url not in refused.value.reason

    def test_a_template_must_use_every_variable_of_its_kind(self) -> None:
        with pytest.raises(InvalidCommand, match=r"\$\{link\}") as refused:
            register_template(RegisterSmsTemplate(MessageKind.COVERAGE_GAP, "S1", "${enterprise}缺${tier}"), AT)
        assert refused.value.field == "content"
        with pytest.raises(InvalidCommand, match=r"\$\{phone\}"):
            register_template(
                RegisterSmsTemplate(MessageKind.COVERAGE_GAP, "S1", "${enterprise}${tier}${link}${phone}"), AT
            )

    def test_every_default_template_has_its_kinds_variables(self) -> None:
        for kind, template in TEMPLATES.items():
            assert template_variables(default_template(kind)[1]) == template.variables
            render(kind, dict.fromkeys(template.variables, "x"))
        assert RegisterGroupWebhook("e", "u", "a").enterprise_id == "e"


def test_time_left_reads_in_chinese() -> None:
    assert [time_left(timedelta(minutes=m)) for m in (0, 45, 90, 60 * 24 * 2 + 61)] == [
        "已超时",
        "45分钟",
        "1小时30分钟",
        "2天1小时",
    ]
