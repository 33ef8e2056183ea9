"""The year's counted work, each entered on the day it was done: services on the enterprises' behalf,
hazards found, rectified (one late, past its deadline; one still open at the year's end) and verified on
the next revisit, disputes, cases, trainings, leaflets, joint patrols and forums.

Every figure the report counts is hit exactly by construction (`partition` splits leaflets and
person-times into parts that add up to the report's totals), and each kind alternates between the two
halves of the year. One dispute mediated on 27 June is entered on 3 July: the first half's table shows
it, but not as the bureau knew it on 1 July.
"""

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any

from jingzhang.app.demo.absences import Absences
from jingzhang.app.demo.appeals import TEXTS, Desk
from jingzhang.app.demo.cadence import CadencePlan
from jingzhang.app.demo.calendar import Calendar, next_workday
from jingzhang.app.demo.commands import Command, at
from jingzhang.app.demo.roster import Enterprise, Roster
from jingzhang.app.demo.timeline import Agenda
from jingzhang.patrols.domain.activity import collected_appeal_id

SERVICE_ITEMS = (
    "营业执照变更代办",
    "车辆通行证办理",
    "员工户籍迁移",
    "危化品备案",
    "出入境证件代办",
    "消防验收协调",
    "剧毒化学品购买许可",
    "保安服务备案",
)
DISPUTE_PARTIES = ("施工队", "村民代表", "材料供应商", "运输车队", "周边商户", "劳务班组")
DISPUTE_OUTCOMES = ("双方达成调解协议", "当场化解,签订和解书", "协调补偿到位", "约定分期支付,矛盾化解")
HAZARDS = (
    "消防通道堆放杂物",
    "配电箱线路老化",
    "监控存在盲区",
    "危化品仓库未双人双锁",
    "工地围挡破损",
    "夜间照明不足",
    "灭火器过期",
)
MEASURES = (
    "已清理并落实专人巡查",
    "已更换线路并复检",
    "已加装摄像头",
    "已整改并建立台账",
    "已修复并加固",
    "已更换并培训员工",
)
TALK_TOPICS = ("安全生产", "反电诈", "法律法规", "四防知识", "扫黑除恶")
LATE_ENTRY = ((6, 27), (7, 3))
"""The dispute mediated on 27 June and entered on 3 July."""


def partition(rng: random.Random, total: int, parts: int, minimum: int, step: int = 1) -> list[int]:
    """`parts` numbers, each ≥ `minimum` and a multiple of `step`, adding up to exactly `total`."""
    values = [minimum] * parts
    for _ in range((total - minimum * parts) // step):
        values[rng.randrange(parts)] += step
    assert sum(values) == total, "total must be reachable in steps"
    return values


@dataclass
class Work:
    """Books each piece of work on its day and tallies, by figure, what falls in the first half."""

    rng: random.Random
    roster: Roster
    absences: Absences
    cal: Calendar
    agenda: Agenda
    first_half: Counter[str] = field(default_factory=Counter)
    arranged: Counter[str] = field(default_factory=Counter)

    def day(self, n: int, e: Enterprise | None = None) -> date:
        """A working day in the year's `n % 2`-th half, after `e` registered (in the second half if `e`
        registered too late for the first)."""
        half = n % 2 if e is None or e.registered_on < date(self.cal.year, 6, 1) else 1
        day = self.cal.in_half(half)
        while e is not None and day <= e.registered_on:
            day = self.cal.in_half(half)
        return day

    def police(self, e: Enterprise, day: date) -> str:
        return self.absences.acting(e.enterprise_id, "police_chief", day)

    def count(self, figure: str, day: date, amount: int = 1) -> None:
        if day < date(self.cal.year, 7, 1):
            self.first_half[figure] += amount

    def enter(self, day: date, *commands: Command, entered: date | None = None) -> None:
        self.agenda.on(entered or day, tuple(commands))

    def on_behalf(self, e: Enterprise, day: date, n: int) -> Command:
        body = _work(e, f"svc-{n:03d}", day, self.police(e, day)) | {
            "item": self.rng.choice(SERVICE_ITEMS),
            "mode": self.rng.choice(("act_for", "lead", "follow")),
        }
        return Command("patrols", "/services-on-behalf", body)


def plan_work(
    rng: random.Random, roster: Roster, absences: Absences, cal: Calendar, agenda: Agenda, visits: CadencePlan
) -> Work:
    work = Work(rng, roster, absences, cal, agenda)
    firms, key = roster.enterprises, [e for e in roster.enterprises if e.is_key]
    for n in range(1, 37):
        e = rng.choice(firms)
        day = work.day(n, e)
        work.enter(day, work.on_behalf(e, day, n))
        work.count("services_on_behalf", day)
    _hazards(work, visits)
    _disputes(work)
    _cases(work, key)
    _trainings(work)
    for n, count in enumerate(partition(rng, 20_000, 40, 200, step=50), start=1):
        e = rng.choice(firms)
        day = work.day(n, e)
        body = _work(e, f"lft-{n:03d}", day, work.police(e, day)) | {
            "count": count,
            "topic": f"{rng.choice(TALK_TOPICS)}宣传资料",
        }
        work.enter(day, Command("patrols", "/leaflets", body))
        work.count("leaflets", day, count)
    for n, persons in enumerate(partition(rng, 1_200, 150, 4), start=1):
        e = rng.choice(key)
        day = work.day(n, e)
        work.enter(day, _patrol(work, e, f"ptl-{n:03d}", day, persons))
        work.count("patrol_person_times", day, persons)
    return work


def _work(e: Enterprise, activity_id: str, day: date, officer_id: str) -> dict[str, Any]:
    return {
        "activity_id": activity_id,
        "enterprise_id": e.enterprise_id,
        "officer_ids": [officer_id],
        "occurred_on": day.isoformat(),
    }


def _disputes(work: Work) -> None:
    for n in range(1, 43):
        e = work.rng.choice(work.roster.enterprises)
        day = work.day(n, e)
        entered = None
        if n == 1:
            (m, d), (em, ed) = LATE_ENTRY
            day, entered = date(work.cal.year, m, d), date(work.cal.year, em, ed)
            work.arranged["entered_late"] += 1
        body = _work(e, f"dsp-{n:03d}", day, work.police(e, day)) | {
            "parties": [e.name, work.rng.choice(DISPUTE_PARTIES)],
            "outcome": work.rng.choice(DISPUTE_OUTCOMES),
            "agreement_reached": True,
        }
        work.enter(day, Command("patrols", "/disputes", body), entered=entered)
        work.count("disputes_mediated", day)


def _cases(work: Work, key: Sequence[Enterprise]) -> None:
    kinds = ["illegal_obstruction_of_construction"] * 6 + ["disruption_of_production"] * 2 + ["other"]
    for n, kind in enumerate(kinds, start=1):
        obstruction = kind == "illegal_obstruction_of_construction"
        e = work.rng.choice(key if obstruction else work.roster.enterprises)
        day = work.day(n, e)
        body = _work(e, f"case-{n:03d}", day, work.police(e, day)) | {
            "police_case_number": f"恒公(治)立字〔{work.cal.year}〕{n + 100}号",
            "kind": kind,
        }
        work.enter(day, Command("patrols", "/cases", body))
        if obstruction:
            work.count("obstruction_cases", day)


def _trainings(work: Work) -> None:
    kinds = ["legal"] * 4 + ["four_preventions"] * 2
    for n, kind in enumerate(kinds, start=1):
        e = work.rng.choice(work.roster.enterprises)
        day = work.day(n, e)
        topic = "企业法律风险防范" if kind == "legal" else "防火防盗防骗防破坏"
        body = _work(e, f"trn-{n:03d}", day, work.police(e, day)) | {
            "kind": kind,
            "attendees": work.rng.randint(20, 80),
            "topic": topic,
        }
        work.enter(day, Command("patrols", "/trainings", body))
        work.count("legal_trainings", day)
    # 恒口公安大讲堂: the chiefs' own training, zone-wide; not one of the report's legal trainings.
    for n in range(1, 4):
        day = work.day(n)
        body = {
            "activity_id": f"trn-chief-{n}",
            "officer_ids": sorted(o.officer_id for o in work.rng.sample(work.roster.officers, 12)),
            "occurred_on": day.isoformat(),
            "kind": "chief_training",
            "attendees": 60,
            "topic": "恒口公安大讲堂",
        }
        work.enter(day, Command("patrols", "/trainings", body))


def _hazards(work: Work, visits: CadencePlan) -> None:
    """15 found and rectified (the 8th only after its deadline passed), each verified on the next
    revisit; a 16th found in November, past its deadline and still open when the year ends."""
    for n in range(1, 17):
        e = work.rng.choice([e for e in work.roster.enterprises if e.has_b])
        found = work.day(n, e) if n < 16 else date(work.cal.year, 11, 20)
        while found > date(work.cal.year, 11, 28):  # rectified (and counted) within the year
            found = work.day(n, e)
        late, still_open = n == 8, n == 16
        due = found + timedelta(days=10 if late or still_open else 30)
        officers = sorted({work.police(e, found), work.absences.acting(e.enterprise_id, "station_chief", found)})
        record = {
            "hazard_id": f"hz-{n:03d}",
            "enterprise_id": e.enterprise_id,
            "description": work.rng.choice(HAZARDS),
            "found_on": found.isoformat(),
            "rectification_due": due.isoformat(),
            "officer_ids": officers,
        }
        work.enter(found, Command("patrols", "/hazards", record))
        if still_open:
            work.arranged["hazards_past_deadline_open"] += 1
            continue
        rectified = next_workday(due + timedelta(days=6)) if late else work.cal.after(found, 2, 25)
        work.arranged["hazards_rectified_late"] += int(late)
        rectify = {
            "rectified_on": rectified.isoformat(),
            "measures": work.rng.choice(MEASURES),
            "officer_ids": officers,
        }
        work.enter(rectified, Command("patrols", f"/hazards/hz-{n:03d}/rectify", rectify))
        work.count("hazards_rectified", rectified)
        check = next((v for v in visits.visits if v.enterprise == e and v.day > rectified), None)
        if check is not None:
            verify = {
                "on_visit_id": check.visit_id,
                "verified_on": check.day.isoformat(),
                "officer_ids": [check.officer_id],
            }
            work.enter(
                check.day,
                Command("patrols", f"/hazards/hz-{n:03d}/verify", verify, retry=("stale_version", "not_found")),
            )


def _patrol(work: Work, e: Enterprise, visit_id: str, day: date, persons: int) -> Command:
    """警企联动联巡: the police chief with a brigade officer, in the afternoon."""
    brigade = work.rng.choice(work.roster.brigades).officer_id
    officers = sorted({work.police(e, day), brigade})
    start = time(work.rng.randint(13, 14), work.rng.choice((0, 30)))
    body = {
        "visit_id": visit_id,
        "enterprise_id": e.enterprise_id,
        "kind": "joint_patrol",
        "officer_ids": officers,
        "started_at": at(day, start),
        "ended_at": at(day, start.replace(hour=start.hour + 2)),
        "location": f"{e.short_name}周边",
        "person_times": persons,
        "findings": "警企联动联巡,未发现异常",
    }
    return Command("patrols", "/visits", body)


def plan_forums(work: Work, desk: Desk) -> None:
    """19 forums collecting 26 appeals, each collected appeal answered by the host's police chief."""
    hosts = [e for e in work.roster.enterprises if e.has_b]
    for n, count in enumerate(partition(work.rng, 26, 19, 0), start=1):
        host = work.rng.choice(hosts)
        day = work.day(n, host)
        while day > date(work.cal.year, 12, 12):  # the appeals it collects are done within the year
            day = work.day(n, host)
        forum_id = f"forum-{n:02d}"
        collected = []
        for k in range(1, count + 1):
            category = work.rng.choice(("administrative_service", "dispute", "legal_four_preventions"))
            collected.append({"ref_id": str(k), "description": work.rng.choice(TEXTS[category]), "category": category})
        body = {
            "activity_id": forum_id,
            "enterprise_id": host.enterprise_id,
            "officer_ids": sorted(
                {work.police(host, day), work.absences.acting(host.enterprise_id, "station_chief", day)}
            ),
            "occurred_on": day.isoformat(),
            "attendees": work.rng.randint(8, 30),
            "appeals": collected,
        }
        work.enter(day, Command("patrols", "/forums", body))
        work.count("forums_held", day)
        work.count("forum_appeals", day, count)
        for k in range(1, count + 1):
            desk.collected(collected_appeal_id(forum_id, str(k)), host, day)
