"""The year's appeals, each a story told over the days it takes: received on a channel, entered with the
time it was received, then answered (or not) by whoever holds it, until the enterprise's callback.

The stories (`STORIES`) are what the bureau's year holds: most are done in one go; some are referred
to a partner department and followed up; some reopened by an unhappy callback; some closed unresolved;
some given more time by a leader, or refused it and escalated; some answered late (a first-response
breach escalates them to the station chief); a few neglected until the bureau leader takes them over;
some finished just after the warning. The appeals service decides the warnings, breaches and
escalations itself as the clock passes; the plan only says who acts when, as the service will route it:
the acting chief of the channel's tier (B while A is away), one rung up after an escalation.

Every day's appeals are entered at the end of the working day with the time each was received; a few
taken on paper at a visit are entered the next morning. Forum appeals are raised by the appeals
service itself when patrols records the forum (see `work.forums`), and handled here like the others.
"""

import random
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from jingzhang.app.demo.absences import Absences
from jingzhang.app.demo.calendar import Calendar, is_workday
from jingzhang.app.demo.commands import Command, instant
from jingzhang.app.demo.roster import Enterprise, Roster
from jingzhang.app.demo.timeline import EVENING, MORNING, Agenda

TEXTS = {
    "administrative_service": ("办理外地员工居住证", "申请货车临时通行证", "咨询户籍迁入政策"),
    "production_disruption": ("有人阻拦运输车辆进场", "厂区材料被盗", "夜间有人破坏施工设备"),
    "dispute": ("与周边村民因噪音发生纠纷", "拖欠劳务费引发纠纷", "与供应商合同纠纷"),
    "public_order_trouble_spot": ("厂区周边夜间有人聚集滋事", "门口路段交通秩序混乱", "周边出现非法营运车辆"),
    "legal_four_preventions": ("申请开展反诈宣传", "咨询技防设施建设标准", "请求消防安全培训"),
}
CATEGORIES = tuple(sorted(TEXTS))
RESOLUTIONS = ("当日上门处理,问题解决", "协调相关单位现场办结", "加强巡逻,问题消除", "指导企业完善手续,已办结")
DEPARTMENTS = (
    "urban_management_enforcement",
    "economic_development_bureau",
    "comprehensive_governance_office",
    "party_masses_bureau",
)
POLICE_CHANNELS = ("police_chief_service_point", "wechat_group", "visit", "phone")
TIER_OF = {
    "police_chief_service_point": "police_chief",
    "wechat_group": "police_chief",
    "visit": "police_chief",
    "phone": "police_chief",
    "forum": "police_chief",
    "station_chief_liaison_station": "station_chief",
    "director_direct_line": "bureau_leader",
}
LADDER = ("police_chief", "station_chief", "bureau_leader")
LIMIT_DAYS = {"production_disruption": 1, "public_order_trouble_spot": 15}
"""The appeals service's default limits by category (general: 7 days)."""

STORIES = (
    ("done", 110),
    ("referred", 14),
    ("reopened", 8),
    ("closed", 5),
    ("extended", 5),
    ("extension_refused", 3),
    ("late_answer", 6),
    ("neglected", 2),
    ("warned", 4),
    ("emergency", 2),
    ("paper", 4),
)
"""How many appeals of each story the year holds, besides those raised while A is away (`done` too)."""


@dataclass(frozen=True, slots=True)
class Holder:
    tier: str
    officer_id: str


@dataclass
class Life:
    """One appeal's commands, each at the instant it happens; `holder` follows the escalations."""

    appeal_id: str
    enterprise: Enterprise
    holder: Holder
    booked: list[tuple[datetime, Command]] = field(default_factory=list)
    escalated_on: set[date] = field(default_factory=set)
    """Days the appeals service escalates it by its clock: what is sent that day waits until every
    service has applied what came before (so the day's deadline pass sees the appeal)."""

    @property
    def path(self) -> str:
        return f"/appeals/{self.appeal_id}"

    def at(self, day: date, clock: time, path: str, body: Mapping[str, object], retry: tuple[str, ...] = ()) -> None:
        command = Command(
            "appeals",
            f"{self.path}{path}",
            dict(body),
            retry=("stale_version", *retry),
            settled=day in self.escalated_on,
        )
        self.booked.append((instant(day, clock), command))


@dataclass
class AppealsPlan:
    lives: list[Life] = field(default_factory=list)
    stories: Counter[str] = field(default_factory=Counter)

    def rated(self) -> dict[str, int]:
        """Callbacks per final holder: what each officer's scorecard counts as rated appeals."""
        found = Counter(life.holder.officer_id for life in self.lives)
        return dict(sorted(found.items()))

    def book(self, agenda: Agenda) -> None:
        """Each appeal's commands at one instant run as one chain, in order."""
        for life in self.lives:
            chains: dict[datetime, list[Command]] = {}
            for when, command in life.booked:
                chains.setdefault(when, []).append(command)
            for when, commands in chains.items():
                agenda.add(when, tuple(commands))


@dataclass
class Desk:
    """Writes the stories: who holds an appeal, and what each step of its life sends. What is not
    tied to a time limit is done on a working day; what the limits time is done on its exact day."""

    rng: random.Random
    roster: Roster
    absences: Absences
    cal: Calendar
    plan: AppealsPlan = field(default_factory=AppealsPlan)

    def quality(self, officer_id: str) -> float:
        return self.roster.officer(officer_id).quality

    def acting(self, e: Enterprise, tier: str, day: date) -> Holder:
        return Holder(tier, self.absences.acting(e.enterprise_id, tier, day))

    def escalate(self, life: Life, day: date) -> None:
        """One rung up the ladder, to whoever acts there that day (the service decides it; we follow)."""
        tier = LADDER[LADDER.index(life.holder.tier) + 1]
        life.holder = self.acting(life.enterprise, tier, day)
        life.escalated_on.add(day)

    def open(
        self, label: str, e: Enterprise, channel: str, received: datetime, category: str, entered: time = EVENING
    ) -> Life:
        """Entered the evening of the day it was received, or (paper) the next morning, and routed then."""
        day = received.date() if entered == EVENING else received.date() + timedelta(days=1)
        appeal_id = f"apl-{len(self.plan.lives) + 1:04d}"
        life = Life(appeal_id, e, self.acting(e, TIER_OF[channel], day))
        body: dict[str, object] = {
            "appeal_id": appeal_id,
            "enterprise_id": e.enterprise_id,
            "channel": channel,
            "category": category,
            "description": self.rng.choice(TEXTS[category]),
            "raised_by": e.contact_name,
            "received_at": received.isoformat(),
        }
        if label == "emergency":
            body["emergency"] = True
        command = Command("appeals", "/appeals", body, done=("duplicate",), settled=True)
        life.booked.append((instant(day, entered), command))
        self.plan.lives.append(life)
        self.plan.stories[label] += 1
        return life

    def collected(self, appeal_id: str, e: Enterprise, day: date) -> None:
        """An appeal a forum collected (the appeals service raises it when patrols records the forum):
        answered by the police chief that same evening, once raised, and done within the week."""
        life = Life(appeal_id, e, self.acting(e, "police_chief", day))
        self.plan.lives.append(life)
        self.plan.stories["forum"] += 1
        self.acknowledge(life, day, retry=("not_raised", "not_found"))
        self._finish(life, self.cal.after(day, 1, 5))

    # --- the steps -------------------------------------------------------------------------------

    def acknowledge(self, life: Life, day: date, clock: time = EVENING, retry: tuple[str, ...] = ()) -> None:
        body = {"officer_id": life.holder.officer_id, "note": "已受理"}
        life.at(day, clock, "/acknowledge", body, retry=("not_routed", *retry))

    def resolve(self, life: Life, day: date, clock: time = EVENING) -> None:
        body = {"what_was_done": self.rng.choice(RESOLUTIONS), "resolved_by": life.holder.officer_id}
        life.at(day, clock, "/resolve", body)

    def callback(self, life: Life, day: date, level: int | None = None, resolved: bool = True) -> None:
        if level is None:
            r, quality = self.rng.random(), self.quality(life.holder.officer_id)
            level = 5 if r < quality - 0.25 else 4 if r < quality else 3
        comment = "满意" if level >= 4 else "一般" if resolved else "问题仍未解决"
        body = {"rating": level, "resolved": resolved, "comment": comment, "recorded_by": "回访专员"}
        life.at(day, EVENING, "/callback", body)

    def refer(self, life: Life, day: date) -> None:
        department = self.rng.choice(DEPARTMENTS)
        officer = life.holder.officer_id
        life.at(
            day,
            EVENING,
            "/refer",
            {"department_id": department, "note": "超出公安职能,移交相关部门", "referred_by": officer},
        )
        life.at(
            self.cal.after(day, 2, 4), EVENING, "/follow-ups", {"note": "电话跟进办理进度", "followed_up_by": officer}
        )
        report = {"outcome": "done", "note": "已办结", "recorded_by": officer}
        life.at(self.cal.after(day, 6, 8), EVENING, "/report-back", report)

    def leader(self, life: Life, day: date) -> str:
        """The enterprise's leader who decides on the holder's extension: its acting station chief."""
        return self.acting(life.enterprise, "station_chief", day).officer_id

    def request_extension(self, life: Life, day: date, days: int) -> None:
        body = {"extra": f"P{days}D", "reason": "需协调多个部门,申请延期", "requested_by": life.holder.officer_id}
        life.at(day, EVENING, "/extension-requests", body)

    # --- the stories -----------------------------------------------------------------------------

    def tell(self, story: str, e: Enterprise, channel: str, day: date, label: str | None = None) -> None:
        category = "production_disruption" if story == "emergency" else self._category(story)
        received = instant(day, time(self.rng.randint(9, 15), self.rng.choice((0, 15, 30, 45))))
        if story == "emergency":
            received = instant(day, time(16, 40))
        if story == "paper":
            received = instant(day, time(14, 30))
            life = self.open(label or story, e, "visit", received, category, entered=MORNING)
            self.acknowledge(life, day + timedelta(days=1), clock=MORNING)
            self._finish(life, self.cal.after(day, 2, 3))
            return
        life = self.open(label or story, e, channel, received, category)
        getattr(self, f"_{story}")(life, day)

    def _category(self, story: str) -> str:
        """An appeal done in one go may be of any category (the 24-hour ones are done the same day);
        those that run for days have a week's limit or more."""
        if story == "done":
            return self.rng.choice(CATEGORIES)
        return self.rng.choice(("administrative_service", "dispute", "legal_four_preventions"))

    def _finish(self, life: Life, day: date) -> None:
        self.resolve(life, day)
        self.callback(life, self.cal.after(day, 1, 3))

    def _done(self, life: Life, day: date) -> None:
        self.acknowledge(life, day)
        category = life.booked[0][1].body["category"]
        if category == "production_disruption":  # 24 hours: done in one go, the same day
            self._finish(life, day)
        else:
            self._finish(life, self.cal.after(day, 1, 4))

    def _emergency(self, life: Life, day: date) -> None:
        self.acknowledge(life, day)
        self._finish(life, day)

    def _referred(self, life: Life, day: date) -> None:
        self.acknowledge(life, day)
        self.refer(life, self.cal.after(day, 1, 2))
        self.callback(life, self.cal.after(day, 11, 13))

    def _reopened(self, life: Life, day: date) -> None:
        self.acknowledge(life, day)
        resolved = self.cal.after(day, 1, 3)
        unhappy = self.cal.after(resolved, 1, 2)
        self.resolve(life, resolved)
        self.callback(life, unhappy, level=2, resolved=False)
        self._finish(life, self.cal.after(unhappy, 1, 3))

    def _closed(self, life: Life, day: date) -> None:
        self.acknowledge(life, day)
        reason = {"reason": "企业诉求超出政策范围,已解释说明", "closed_by": life.holder.officer_id}
        closed = self.cal.after(day, 2, 4)
        life.at(closed, EVENING, "/close", reason)
        self.callback(life, self.cal.after(closed, 1, 2), level=3, resolved=False)

    def _extended(self, life: Life, day: date) -> None:
        """Asked for five more days on day 4, granted on day 5, done on day 11 after the new window's warning."""
        self.acknowledge(life, day)
        self.request_extension(life, day + timedelta(days=4), 5)
        approve = {"approved_by": self.leader(life, day + timedelta(days=5))}
        life.at(day + timedelta(days=5), EVENING, "/extension-approvals", approve)
        self._finish(life, day + timedelta(days=11))

    def _extension_refused(self, life: Life, day: date) -> None:
        """Refused on day 3, so the appeal climbs to the station chief, who finishes it the day after."""
        self.acknowledge(life, day)
        self.request_extension(life, day + timedelta(days=2), 5)
        refuse = {"reason": "时限内可以办结,不予延期", "refused_by": self.leader(life, day + timedelta(days=3))}
        life.at(day + timedelta(days=3), EVENING, "/extension-refusals", refuse)
        self.escalate(life, day + timedelta(days=3))
        self._finish(life, day + timedelta(days=4))

    def _late_answer(self, life: Life, day: date) -> None:
        """Nobody answers on the day: the next day's pass records the first-response breach and hands
        the appeal to the station chief, who answers it then."""
        self.escalate(life, day + timedelta(days=1))
        self.acknowledge(life, day + timedelta(days=1))
        self._finish(life, self.cal.after(day, 2, 4))

    def _neglected(self, life: Life, day: date) -> None:
        """Left alone: first-response breach (to the station chief) on day 1, the warning on day 6, the
        resolution breach on day 7 (to the bureau leader), who answers and settles it at once."""
        self.escalate(life, day + timedelta(days=1))
        self.escalate(life, day + timedelta(days=7))
        self.acknowledge(life, day + timedelta(days=7))
        self._finish(life, day + timedelta(days=7))

    def _warned(self, life: Life, day: date) -> None:
        """Done on day 6: after the warning (at 80 % of the week), before the limit."""
        self.acknowledge(life, day)
        self._finish(life, day + timedelta(days=6))


def plan_appeals(desk: Desk) -> None:
    """The year's stories on random working days, each half of the year taking every other one; and on
    the second day of each absence of a police or station chief A, an appeal B takes."""
    rng, roster, absences, cal = desk.rng, desk.roster, desk.absences, desk.cal
    stories = [name for name, count in STORIES for _ in range(count)]
    rng.shuffle(stories)
    police = [e for e in roster.enterprises if e.has_b]
    for n, story in enumerate(stories):
        day = cal.in_half(n % 2)
        while day > date(cal.year, 12, 10) or (story == "paper" and not is_workday(day + timedelta(days=1))):
            day = cal.in_half(n % 2)
        known = [e for e in (police if story != "done" else roster.enterprises) if _settled_in(e, day)]
        desk.tell(story, rng.choice(known), _channel(rng, story, n), day)
    for absence in absences.planned:
        _while_away(desk, absence.officer_id, absence.first_day)


def _settled_in(e: Enterprise, day: date) -> bool:
    return day > e.registered_on + timedelta(days=7)


def _channel(rng: random.Random, story: str, n: int) -> str:
    """Stories that climb the ladder start with the police chief; the others come on every channel."""
    if story in ("done", "referred", "closed", "emergency") and n % 5 == 0:
        return rng.choice(("station_chief_liaison_station", "director_direct_line"))
    return rng.choice(POLICE_CHANNELS)


def _while_away(desk: Desk, officer_id: str, first_day: date) -> None:
    """An appeal to one of the absent A's enterprises on a working day soon after A left: B takes it."""
    for e in desk.roster.enterprises:
        for tier, a, _ in e.chiefs:
            if a == officer_id and tier in ("police_chief", "station_chief"):
                channel = "wechat_group" if tier == "police_chief" else "station_chief_liaison_station"
                day = desk.cal.after(first_day, 1, 3)
                if day > e.registered_on:
                    desk.tell("done", e, channel, day, label="while_a_away")
                return
