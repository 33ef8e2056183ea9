"""The cadence engine: which visits each enterprise is owed, by whom, and which were missed.

From the report: 项目包抓领导每月与项目负责人见面座谈 (the bureau leader meets the project's head
monthly), 包抓民警每周进行一次回访 (the linked police chief revisits weekly), and every project
chief 每月...走访、督查 (the station or team chief inspects monthly). Those sentences speak of
projects, so the three rules apply to key projects and above-scale enterprises; small and micro
enterprises, "served too", get one monthly revisit from their police chief by default. Every rule
is data (`CadenceRules`), and the bureau changes it per class from a business day on through the API,
each change an event (`cadence_policy`).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType

from jingzhang.patrols.domain.cadence_policy import DEFAULT_SCHEDULE, CadenceSchedule
from jingzhang.patrols.domain.common import VisitKind, local_date, local_midnight
from jingzhang.patrols.domain.periods import Cadence, Period, periods_overlapping
from jingzhang.patrols.domain.snapshot import AssignmentSnapshot, EnterpriseSnapshot
from jingzhang.patrols.domain.visit import PatrolCompleted
from jingzhang.patrols.domain.vocabulary import ChiefTier, EnterpriseClass, Slot


@dataclass(frozen=True, slots=True)
class CadenceRule:
    """`tier`'s chief owes one visit of `kind` per `cadence` period."""

    kind: VisitKind
    tier: ChiefTier
    cadence: Cadence


REVISIT_WEEKLY = CadenceRule(VisitKind.WEEKLY_REVISIT, ChiefTier.POLICE_CHIEF, Cadence.WEEKLY)
REVISIT_MONTHLY = CadenceRule(VisitKind.WEEKLY_REVISIT, ChiefTier.POLICE_CHIEF, Cadence.MONTHLY)
LEADER_MEETING = CadenceRule(VisitKind.LEADER_MEETING, ChiefTier.BUREAU_LEADER, Cadence.MONTHLY)
INSPECTION = CadenceRule(VisitKind.INSPECTION, ChiefTier.STATION_CHIEF, Cadence.MONTHLY)
PROJECT_RULES = (REVISIT_WEEKLY, LEADER_MEETING, INSPECTION)


@dataclass(frozen=True, slots=True)
class CadenceRules:
    """Rules per enterprise class, changed by the bureau's `schedule` from the days it says (issue 14); a
    newcomer's first period must leave it `min_notice_days` days."""

    by_class: Mapping[EnterpriseClass, tuple[CadenceRule, ...]]
    min_notice_days: int = 2
    schedule: CadenceSchedule = DEFAULT_SCHEDULE

    def for_class(self, enterprise_class: EnterpriseClass, on: date | None = None) -> tuple[CadenceRule, ...]:
        """The class's rules in force on `on` (a period's first day); without a day, the defaults."""
        changed = None if on is None else self.schedule.rules_on(enterprise_class, on)
        if changed is not None:
            return tuple(CadenceRule(r.kind, r.tier, r.cadence) for r in changed)
        return self.by_class.get(enterprise_class, ())

    def candidates(self, enterprise_class: EnterpriseClass) -> tuple[CadenceRule, ...]:
        """Every rule the class has had or will have: its defaults and each change's."""
        changed = (
            CadenceRule(r.kind, r.tier, r.cadence)
            for c in self.schedule.changes
            if c.enterprise_class is enterprise_class
            for r in c.rules
        )
        return tuple(dict.fromkeys((*self.by_class.get(enterprise_class, ()), *changed)))

    def plannable(self, registered_on: date, period: Period) -> bool:
        days_left = (period.end - registered_on).days
        return days_left >= max(self.min_notice_days, 1)


DEFAULT_RULES = CadenceRules(
    by_class=MappingProxyType(
        {
            EnterpriseClass.CITY_KEY_PROJECT: PROJECT_RULES,
            EnterpriseClass.DISTRICT_KEY_PROJECT: PROJECT_RULES,
            EnterpriseClass.ABOVE_SCALE: PROJECT_RULES,
            EnterpriseClass.SMALL_MICRO: (REVISIT_MONTHLY,),
        }
    )
)


@dataclass(frozen=True, slots=True)
class Duty:
    """One owed visit. Its id is derived from what it is, so planning twice yields the same duty."""

    duty_id: str
    enterprise_id: str
    kind: VisitKind
    tier: ChiefTier
    period: Period
    due_at: datetime


def duty_id(enterprise_id: str, kind: VisitKind, period: Period) -> str:
    return f"{enterprise_id}-{kind.value}-{period.key}"


def plan_duties(
    snapshot: AssignmentSnapshot,
    period_start: date,
    period_end: date,
    rules: CadenceRules = DEFAULT_RULES,
) -> list[Duty]:
    """Every duty whose period shares a day with `[period_start, period_end)`, earliest due first.

    Windows may overlap between runs: ids are deterministic, so scheduling is idempotent.
    """
    duties = [
        duty
        for enterprise in snapshot.enterprises
        for duty in _enterprise_duties(enterprise, period_start, period_end, rules)
    ]
    return sorted(duties, key=lambda d: (d.due_at, d.enterprise_id, d.kind.value))


def _enterprise_duties(enterprise: EnterpriseSnapshot, start: date, end: date, rules: CadenceRules) -> Iterable[Duty]:
    """Each period owes what the rules in force on its first day say."""
    cls = enterprise.enterprise_class
    for rule in rules.candidates(cls):
        for period in periods_overlapping(rule.cadence, start, end):
            if rule in rules.for_class(cls, period.start) and rules.plannable(enterprise.registered_on, period):
                yield _duty(enterprise.enterprise_id, rule, period)


def _duty(enterprise_id: str, rule: CadenceRule, period: Period) -> Duty:
    return Duty(
        duty_id=duty_id(enterprise_id, rule.kind, period),
        enterprise_id=enterprise_id,
        kind=rule.kind,
        tier=rule.tier,
        period=period,
        due_at=local_midnight(period.end),
    )


# --- who answers for a duty (AB角) ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Responsible:
    """Who answers for a duty at some instant; `other` is the holder of the other slot."""

    officer_id: str
    slot: Slot
    other: str | None = None


def responsible(duty: Duty, snapshot: AssignmentSnapshot, at: datetime) -> Responsible | None:
    """A, or B while A is away; if both are away A keeps it (nobody better); None if the tier is empty."""
    return responsible_for(duty.enterprise_id, duty.tier, snapshot, at)


def responsible_for(
    enterprise_id: str, tier: ChiefTier, snapshot: AssignmentSnapshot, at: datetime
) -> Responsible | None:
    """Who answers at `at` for every duty of `tier` at the enterprise (it depends on nothing else)."""
    enterprise = snapshot.enterprise(enterprise_id)
    if enterprise is None:
        return None
    chiefs = enterprise.tier(tier)
    present = [
        Responsible(officer, slot, chiefs.holder(_other(slot)))
        for slot in (Slot.A, Slot.B)
        if (officer := chiefs.holder(slot)) is not None
    ]
    available = [r for r in present if not snapshot.is_away(r.officer_id, at)]
    chosen = available or present
    return chosen[0] if chosen else None


def _other(slot: Slot) -> Slot:
    return Slot.B if slot is Slot.A else Slot.A


def assignee(duty: Duty, snapshot: AssignmentSnapshot, at: datetime) -> str | None:
    found = responsible(duty, snapshot, at)
    return found.officer_id if found else None


# --- matching visits to duties -------------------------------------------------------------------


def fulfils(duty: Duty, visit: PatrolCompleted) -> bool:
    """A visit of the duty's kind at its enterprise, not before its period (a late one still counts)."""
    return (
        visit.enterprise_id == duty.enterprise_id
        and visit.kind == duty.kind
        and local_date(visit.started_at) >= duty.period.start
    )


def pick_duty(open_duties: Sequence[Duty], visit: PatrolCompleted) -> Duty | None:
    """The duty a visit settles: its own period's if still open, else the oldest missed one."""
    candidates = [d for d in open_duties if fulfils(d, visit)]
    day = local_date(visit.started_at)
    own = [d for d in candidates if d.period.contains(day)]
    return min(own or candidates, key=lambda d: d.due_at, default=None)


def allocate(duties: Iterable[Duty], visits: Iterable[PatrolCompleted]) -> dict[str, PatrolCompleted]:
    """Each visit settles at most one duty, taken in the order the visits happened."""
    open_duties = list(duties)
    settled: dict[str, PatrolCompleted] = {}
    for visit in sorted(visits, key=lambda v: (v.started_at, v.visit_id)):
        duty = pick_duty(open_duties, visit)
        if duty is not None:
            settled[duty.duty_id] = visit
            open_duties.remove(duty)
    return settled


def overdue(duties: Iterable[Duty], visits: Iterable[PatrolCompleted], now: datetime) -> list[Duty]:
    """Duties past due at `now` that no visit started by `now` has settled."""
    duties = list(duties)
    settled = allocate(duties, (v for v in visits if v.started_at <= now))
    return [d for d in duties if d.due_at <= now and d.duty_id not in settled]


def on_time(duty: Duty, visited_at: datetime) -> bool:
    return visited_at < duty.due_at
