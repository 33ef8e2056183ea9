"""The visits the cadence asks for (每周回访, 每月见面座谈, 每月走访督查), made on a working day of each
duty's period by whoever acts for the tier that day: B while A is away.

The duties are patrols' own (`plan_duties` with its default rules, over the enterprises as the plan
registers them), so each visit settles exactly one duty. A few are missed on purpose and go overdue;
where A is away when one falls due, patrols hands it to B, who catches up with a late visit.
"""

import random
from dataclasses import dataclass
from datetime import date, time, timedelta

from jingzhang.app.demo.absences import Absences
from jingzhang.app.demo.calendar import next_workday, workdays
from jingzhang.app.demo.commands import Command, at
from jingzhang.app.demo.roster import Enterprise, Roster
from jingzhang.app.demo.timeline import Agenda
from jingzhang.patrols.domain.cadence import DEFAULT_RULES, Duty, plan_duties
from jingzhang.patrols.domain.common import VisitKind, local_date
from jingzhang.patrols.domain.snapshot import AssignmentSnapshot, EnterpriseSnapshot
from jingzhang.patrols.domain.vocabulary import EnterpriseClass

HANDED_OVER = 8
MISSED = {VisitKind.WEEKLY_REVISIT: 0.03, VisitKind.LEADER_MEETING: 0.02, VisitKind.INSPECTION: 0.02}
FINDINGS = {
    VisitKind.WEEKLY_REVISIT: (
        "回访企业,了解生产经营和周边治安情况",
        "检查技防设施运行情况",
        "走访员工宿舍,宣传防诈知识",
    ),
    VisitKind.LEADER_MEETING: ("与项目负责人见面座谈,听取意见建议",),
    VisitKind.INSPECTION: ("走访督查,检查包联民警工作台账",),
}


@dataclass(frozen=True, slots=True)
class Visit:
    visit_id: str
    enterprise: Enterprise
    kind: VisitKind
    officer_id: str
    day: date
    start: time

    def command(self) -> Command:
        end = self.start.replace(hour=self.start.hour + 1)
        body = {
            "visit_id": self.visit_id,
            "enterprise_id": self.enterprise.enterprise_id,
            "kind": self.kind.value,
            "officer_ids": [self.officer_id],
            "started_at": at(self.day, self.start),
            "ended_at": at(self.day, end),
            "location": self.enterprise.name,
            "person_times": 1,
            "findings": FINDINGS[self.kind][hash_index(self.visit_id, len(FINDINGS[self.kind]))],
        }
        return Command("patrols", "/visits", body)


@dataclass(frozen=True, slots=True)
class CadencePlan:
    visits: tuple[Visit, ...]
    missed: tuple[Duty, ...]
    handed_to_b: tuple[Duty, ...]
    """Missed while A was away when they fell due: patrols passes them to B, who catches up."""


def duties(roster: Roster, year: int) -> list[Duty]:
    """Every duty of the year the cadence worker will schedule (due by the next 1 January)."""
    snapshot = AssignmentSnapshot(
        tuple(
            EnterpriseSnapshot(e.enterprise_id, EnterpriseClass(e.enterprise_class), e.registered_on)
            for e in roster.enterprises
        )
    )
    end = date(year + 1, 1, 1)
    return [d for d in plan_duties(snapshot, date(year, 1, 1), end, DEFAULT_RULES) if local_date(d.due_at) <= end]


def plan_visits(rng: random.Random, roster: Roster, absences: Absences, year: int) -> CadencePlan:
    visits: list[Visit] = []
    missed: list[Duty] = []
    handed: list[Duty] = []
    for duty in duties(roster, year):
        e = roster.enterprise(duty.enterprise_id)
        days = _visit_days(duty, e, year)
        if not days:
            continue
        if _handed_over(duty, e, absences) and len(handed) < HANDED_OVER:
            handed.append(duty)
            catch_up = next_workday(local_date(duty.due_at) + timedelta(days=1))
            visits.append(_visit(rng, e, duty, absences, catch_up, "late"))
            continue
        if rng.random() < MISSED[duty.kind]:
            missed.append(duty)
            continue
        visits.append(_visit(rng, e, duty, absences, rng.choice(days), ""))
    return CadencePlan(tuple(visits), tuple(missed), tuple(handed))


def _handed_over(duty: Duty, e: Enterprise, absences: Absences) -> bool:
    """A revisit A still held when it fell due (A left that morning): missed, it passes to B."""
    a, due = e.chief(duty.tier.value), local_date(duty.due_at)
    away = absences.known_away(a, due) and not absences.away(a, due - timedelta(days=1))
    return away and duty.kind is VisitKind.WEEKLY_REVISIT


def _visit_days(duty: Duty, e: Enterprise, year: int) -> list[date]:
    first = max(duty.period.start, e.registered_on + timedelta(days=1))
    last = min(duty.period.end - timedelta(days=1), date(year, 12, 31))
    return workdays(first, last) if first <= last else []


def _visit(rng: random.Random, e: Enterprise, duty: Duty, absences: Absences, day: date, suffix: str) -> Visit:
    officer = absences.acting(e.enterprise_id, duty.tier.value, day)
    start = time(rng.randint(9, 15), rng.choice((0, 30)))
    visit_id = f"v-{duty.duty_id}{'-' + suffix if suffix else ''}"
    return Visit(visit_id, e, duty.kind, officer, day, start)


def book_visits(agenda: Agenda, plan: CadencePlan) -> None:
    """Each visit is entered on its day, each on its own (they are independent)."""
    for visit in plan.visits:
        agenda.on(visit.day, (visit.command(),))


def hash_index(text: str, size: int) -> int:
    """A stable pick from `size` choices (Python's `hash` of a str changes per process)."""
    return sum(text.encode()) % size
