"""Who is told what about an event: one pure function from the event and the facts known about it to
the notifications it causes. Each is decided once, with an id derived from the causing event and the
recipient (`notification_id`), so a redelivered event decides the same ids and records nothing new.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from jingzhang.notifications.domain.quiet import BUREAU_TZ
from jingzhang.notifications.domain.templates import CATEGORY_WORDS, DUTY_WORDS, TIER_WORDS
from jingzhang.notifications.domain.vocabulary import CONSOLE, Channel, MessageKind, group, officer
from jingzhang.notifications.upstream import appeals, assignment, patrols
from jingzhang.shared.events import DomainEvent

NAMESPACE = uuid.UUID("5b8f3a52-7a0e-4f7c-9a43-6c1f0f0c8e11")
OFFICER_CHANNELS = (Channel.INAPP, Channel.SMS)
TOP_TIER = "bureau_leader"


def notification_id(cause: uuid.UUID, recipient: str) -> uuid.UUID:
    """The same causing event and recipient always name the same notification."""
    return uuid.uuid5(NAMESPACE, f"{cause}:{recipient}")


@dataclass(frozen=True, slots=True)
class AppealFacts:
    enterprise_id: str
    category: str
    due_at: datetime
    emergency: bool


@dataclass(frozen=True, slots=True)
class DutyFacts:
    enterprise_id: str
    kind: str
    due_at: datetime


@dataclass(frozen=True, slots=True)
class Facts:
    """What the consumer knows about the event's enterprise, appeal or duty when it decides."""

    enterprise_id: str | None = None
    enterprise_name: str | None = None
    group_registered: bool = False
    station_chiefs: tuple[str, ...] = ()
    appeal: AppealFacts | None = None
    duty: DutyFacts | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    kind: MessageKind
    recipient: str
    channels: tuple[Channel, ...]
    urgent: bool
    variables: Mapping[str, str]
    enterprise_id: str | None
    ref: str = field(default="")


def decide(event: DomainEvent, aggregate_id: str, facts: Facts) -> list[Decision]:
    """The notifications `event` (of aggregate `aggregate_id`) causes. Links are console paths
    (`/appeals/<id>`): the console's address is put in front when a message is rendered."""
    words = _Words(facts, "")
    match event:
        case appeals.AppealRaised():
            return _appeal_received(event, aggregate_id, facts, words)
        case appeals.AppealRouted():
            return _to_officer(MessageKind.APPEAL_ROUTED, event.officer_id, aggregate_id, facts, words, event.routed_at)
        case appeals.DeadlineWarningRaised():
            left = words.left(event.due_at - event.warned_at)
            return _to_officer(MessageKind.APPEAL_WARNING, event.officer_id, aggregate_id, facts, words, left=left)
        case appeals.DeadlineBreached():
            return _breached(event, aggregate_id, facts, words)
        case appeals.AppealEscalated():
            left = words.left(event.extra_time) if event.extra_time > timedelta(0) else "已超时"
            return _to_officer(
                MessageKind.APPEAL_ESCALATED, event.officer_id, aggregate_id, facts, words, left=left, urgent=True
            )
        case appeals.AppealReferred():
            return _to_group(MessageKind.APPEAL_REFERRED, aggregate_id, facts, words, department=event.department_id)
        case appeals.AppealResolved():
            return _to_group(MessageKind.APPEAL_RESOLVED, aggregate_id, facts, words)
        case appeals.DepartmentReportedBack() if event.outcome == "done":
            return _to_group(MessageKind.CALLBACK_NEEDED, aggregate_id, facts, words, department=event.department_id)
        case assignment.ChiefAssigned() | assignment.ChiefRelieved():
            return _chiefs_changed(event, facts, words)
        case assignment.CoverageGapOpened() | assignment.CoverageGapChanged():
            tiers = "、".join(TIER_WORDS.get(t, t) for t in event.missing)
            return _to_station(MessageKind.COVERAGE_GAP, event.enterprise_id, facts, words, tiers)
        case assignment.NobodyActing():
            return _to_station(MessageKind.NOBODY_ACTING, event.enterprise_id, facts, words, TIER_WORDS.get(event.tier))
        case patrols.DutyScheduled() if event.assignee_officer_id is not None:
            duty = DutyFacts(event.enterprise_id, event.kind, event.due_at)
            return _duty(MessageKind.DUTY_DUE, event.assignee_officer_id, event.duty_id, duty, words, (Channel.INAPP,))
        case patrols.DutyOverdue() if event.assignee_officer_id is not None and facts.duty is not None:
            return _duty(MessageKind.DUTY_OVERDUE, event.assignee_officer_id, event.duty_id, facts.duty, words)
        case patrols.DutyReassigned() if facts.duty is not None:
            return _duty(MessageKind.DUTY_HANDED_OVER, event.to_officer_id, event.duty_id, facts.duty, words)
        case _:
            return []


@dataclass(frozen=True, slots=True)
class _Words:
    facts: Facts
    links: str

    def enterprise(self, enterprise_id: str) -> str:
        return self.facts.enterprise_name or enterprise_id

    def appeal(self, appeal_id: str, appeal: AppealFacts) -> dict[str, str]:
        return {
            "enterprise": self.enterprise(appeal.enterprise_id),
            "category": CATEGORY_WORDS.get(appeal.category, appeal.category),
            "link": f"{self.links}/appeals/{appeal_id}",
        }

    @staticmethod
    def left(span: timedelta) -> str:
        return time_left(span)


def time_left(span: timedelta) -> str:
    """`2天3小时`, `45分钟`; nothing left reads `已超时`."""
    minutes = int(span.total_seconds() // 60)
    if minutes <= 0:
        return "已超时"
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{days}天" if days else "", f"{hours}小时" if hours else "", f"{mins}分钟" if mins and not days else ""]
    return "".join(parts) or "不到1分钟"


def _appeal_received(event: appeals.AppealRaised, appeal_id: str, facts: Facts, words: _Words) -> list[Decision]:
    if not facts.group_registered:
        return []
    appeal = AppealFacts(
        event.enterprise_id, event.category, (event.received_at or event.raised_at) + event.time_limit, event.emergency
    )
    variables = words.appeal(appeal_id, appeal) | {"time_left": time_left(event.first_response_within)}
    return [
        Decision(
            MessageKind.APPEAL_RECEIVED,
            group(event.enterprise_id),
            (Channel.WECOM,),
            False,
            variables,
            event.enterprise_id,
            appeal_id,
        )
    ]


def _to_officer(
    kind: MessageKind,
    officer_id: str,
    appeal_id: str,
    facts: Facts,
    words: _Words,
    at: datetime | None = None,
    *,
    left: str | None = None,
    urgent: bool = False,
) -> list[Decision]:
    appeal = facts.appeal
    if appeal is None:
        return []
    remaining = left if left is not None else time_left(appeal.due_at - at) if at is not None else ""
    variables = words.appeal(appeal_id, appeal) | {"time_left": remaining}
    return [
        Decision(
            kind,
            officer(officer_id),
            OFFICER_CHANNELS,
            urgent or appeal.emergency,
            variables,
            appeal.enterprise_id,
            appeal_id,
        )
    ]


def _breached(event: appeals.DeadlineBreached, appeal_id: str, facts: Facts, words: _Words) -> list[Decision]:
    decided = _to_officer(
        MessageKind.APPEAL_BREACHED, event.officer_id, appeal_id, facts, words, left="已超时", urgent=True
    )
    if decided and event.tier == TOP_TIER:  # a breach at the top: the bureau's console hears of it too
        first = decided[0]
        decided.append(
            Decision(first.kind, CONSOLE, (Channel.INAPP,), True, first.variables, first.enterprise_id, appeal_id)
        )
    return decided


def _to_group(kind: MessageKind, appeal_id: str, facts: Facts, words: _Words, **extra: str) -> list[Decision]:
    appeal = facts.appeal
    if appeal is None or not facts.group_registered:
        return []
    variables = words.appeal(appeal_id, appeal) | extra
    return [
        Decision(kind, group(appeal.enterprise_id), (Channel.WECOM,), False, variables, appeal.enterprise_id, appeal_id)
    ]


def _chiefs_changed(
    event: assignment.ChiefAssigned | assignment.ChiefRelieved, facts: Facts, words: _Words
) -> list[Decision]:
    if not facts.group_registered:
        return []
    variables = {
        "enterprise": words.enterprise(event.enterprise_id),
        "tier": f"{TIER_WORDS.get(event.tier, event.tier)}{event.slot}角",
        "link": f"{words.links}/enterprises/{event.enterprise_id}/notice",
    }
    return [
        Decision(
            MessageKind.CHIEFS_CHANGED,
            group(event.enterprise_id),
            (Channel.WECOM,),
            False,
            variables,
            event.enterprise_id,
            event.enterprise_id,
        )
    ]


def _to_station(
    kind: MessageKind, enterprise_id: str, facts: Facts, words: _Words, tiers: str | None
) -> list[Decision]:
    variables = {
        "enterprise": words.enterprise(enterprise_id),
        "tier": tiers or "",
        "link": f"{words.links}/enterprises/{enterprise_id}",
    }
    told = [
        Decision(kind, officer(o), OFFICER_CHANNELS, False, variables, enterprise_id, enterprise_id)
        for o in facts.station_chiefs
    ]
    return [*told, Decision(kind, CONSOLE, (Channel.INAPP,), False, variables, enterprise_id, enterprise_id)]


def _duty(
    kind: MessageKind,
    officer_id: str,
    duty_id: str,
    duty: DutyFacts,
    words: _Words,
    channels: tuple[Channel, ...] = OFFICER_CHANNELS,
) -> list[Decision]:
    variables = {
        "enterprise": words.enterprise(duty.enterprise_id),
        "duty": DUTY_WORDS.get(duty.kind, duty.kind),
        "due": duty.due_at.astimezone(BUREAU_TZ).strftime("%m月%d日 %H:%M"),
        "link": f"{words.links}/duties/{duty_id}",
    }
    return [Decision(kind, officer(officer_id), channels, False, variables, duty.enterprise_id, duty_id)]
