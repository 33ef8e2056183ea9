"""Who is away when (AB角): the year's planned absences, and who acts for a tier on a given day.

An absence runs from 08:00 on its first day to 08:00 on the day the officer is back, and is declared a
few days ahead (leave, training) or on its first morning (sick leave). Only officers whose every post
has a partner take leave here, so some B always acts (a small firm's lone chief stays at work), and
never while a partner in any tier is away too: the assignment service refuses that (`double_absence`);
the plan tries it exactly once, on purpose. A few officers come back early.
"""

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from jingzhang.app.demo.calendar import Calendar, next_workday
from jingzhang.app.demo.commands import Command, instant
from jingzhang.app.demo.roster import Roster
from jingzhang.app.demo.timeline import EVENING, MORNING, Agenda

AWAY_FROM = time(8)
REASONS = ("参加市局业务培训", "年休假", "病假", "外出执行专项任务", "参加警衔晋升培训")
ABSENCES = 24


@dataclass(frozen=True, slots=True)
class Absence:
    absence_id: str
    officer_id: str
    first_day: date
    back_on: date
    declared_on: date
    reason: str
    ended_early_on: date | None = None

    @property
    def starts_at(self) -> datetime:
        return instant(self.first_day, AWAY_FROM)

    @property
    def ends_at(self) -> datetime:
        return instant(self.back_on, AWAY_FROM)

    @property
    def away_until(self) -> date:
        """The day the officer is back at work (early or as planned)."""
        return self.ended_early_on or self.back_on

    def covers(self, day: date) -> bool:
        return self.first_day <= day < self.away_until

    def overlaps(self, first: date, back: date) -> bool:
        return self.first_day < back and first < self.back_on


@dataclass
class Absences:
    """The planned absences, and who acts for each tier of each enterprise on a day."""

    roster: Roster
    planned: list[Absence] = field(default_factory=list)

    def away(self, officer_id: str, day: date) -> bool:
        return any(a.officer_id == officer_id and a.covers(day) for a in self.planned)

    def known_away(self, officer_id: str, day: date) -> bool:
        """Away on `day` by an absence declared before it (every service has heard of it by then)."""
        return any(a.officer_id == officer_id and a.covers(day) and a.declared_on < day for a in self.planned)

    def acting(self, enterprise_id: str, tier: str, day: date) -> str:
        """A unless away, then B (A and B are never away together here)."""
        e = self.roster.enterprise(enterprise_id)
        a = e.chief(tier)
        if not self.away(a, day):
            return a
        return e.chief(tier, "B")

    def of(self, officer_id: str) -> list[Absence]:
        return [a for a in self.planned if a.officer_id == officer_id]

    def partners(self, officer_id: str) -> set[str]:
        found = {e.partner(tier, officer_id) for e in self.roster.enterprises for tier, _, _ in e.chiefs}
        return {p for p in found if p is not None}

    def free(self, officer_id: str, first: date, back: date) -> bool:
        """Neither the officer nor any partner of theirs is away in `[first, back)`."""
        people = {officer_id, *self.partners(officer_id)}
        return not any(a.officer_id in people and a.overlaps(first, back) for a in self.planned)


def eligible(roster: Roster) -> list[str]:
    """Officers each of whose posts has a partner: someone acts whenever they are away."""
    posts: dict[str, bool] = {}
    for e in roster.enterprises:
        for _, a, b in e.chiefs:
            for officer in (a, b):
                if officer is not None:
                    posts[officer] = posts.get(officer, True) and b is not None
    return sorted(o for o, partnered in posts.items() if partnered)


def plan_absences(rng: random.Random, roster: Roster, cal: Calendar, count: int = ABSENCES) -> Absences:
    book = Absences(roster)
    candidates = eligible(roster)
    while len(book.planned) < count:
        officer = rng.choice(candidates)
        first = _monday_mostly(cal.in_half(len(book.planned) % 2), len(book.planned))
        back = next_workday(first + timedelta(days=rng.randint(5, 12)))
        if not book.free(officer, first, back) or _too_late(first, cal.year):
            continue
        n = len(book.planned) + 1
        sick = n % 6 == 0
        declared = first if sick else first - timedelta(days=rng.randint(3, 9))
        early = cal.after(first, 2, (back - first).days - 1) if n % 5 == 0 else None
        reason = "病假" if sick else rng.choice(REASONS[:2] + REASONS[3:])
        book.planned.append(Absence(f"abs-{n:03d}", officer, first, back, declared, reason, early))
    return book


def _monday_mostly(day: date, n: int) -> date:
    """Leave mostly starts on a Monday (the week's revisit then falls due on A's first day away)."""
    return day if n % 3 == 2 else next_workday(day - timedelta(days=day.weekday()))


def _too_late(first: date, year: int) -> bool:
    return first > date(year, 12, 5)


def double_absence(book: Absences) -> Absence:
    """A partner asking for leave overlapping a declared absence (and no absence of their own): the
    assignment service must refuse it, as A and B may never be away together."""
    for absence in sorted(book.planned, key=lambda a: a.first_day):
        asked = absence.declared_on + timedelta(days=1)
        first = absence.first_day + timedelta(days=1)
        if asked >= absence.first_day or absence.ended_early_on is not None:
            continue
        for partner in sorted(book.partners(absence.officer_id)):
            if not any(a.overlaps(first, absence.back_on) for a in book.of(partner)):
                return Absence("abs-refused", partner, first, absence.back_on, asked, "年休假")
    raise RuntimeError("no declared absence to clash with")


@dataclass(frozen=True, slots=True)
class Posting:
    """The bureau tries to make `officer_id` the B police chief of `enterprise_id` on `day`."""

    day: date
    enterprise_id: str
    officer_id: str

    def command(self) -> Command:
        body = {"tier": "police_chief", "slot": "B", "officer_id": self.officer_id}
        return Command("assignment", f"/enterprises/{self.enterprise_id}/chiefs", body, refused=("partners_both_away",))


def both_away_posting(book: Absences) -> Posting:
    """A posting the assignment service must refuse: a community officer with leave booked is proposed as
    B police chief of an enterprise whose A has leave at the same time. The officer's leave is planned
    here (one of the year's absences), overlapping the A's; the bureau keeps the B it has."""
    partnered = set(eligible(book.roster))
    for absence in sorted(book.planned, key=lambda a: a.first_day):
        if absence.declared_on + timedelta(days=1) >= absence.first_day or absence.ended_early_on is not None:
            continue
        for e in book.roster.enterprises:
            if e.chief("police_chief") != absence.officer_id or not e.has_b:
                continue
            chiefs = {o for _, a, b in e.chiefs for o in (a, b)}
            for officer in book.roster.community[e.station]:
                candidate = officer.officer_id
                first, back = absence.first_day + timedelta(days=1), absence.back_on
                if candidate in chiefs or candidate not in partnered or book.of(candidate):
                    continue
                if not book.free(candidate, first, back):
                    continue
                n = len(book.planned) + 1
                book.planned.append(Absence(f"abs-{n:03d}", candidate, first, back, absence.declared_on, "年休假"))
                return Posting(absence.declared_on + timedelta(days=1), e.enterprise_id, candidate)
    raise RuntimeError("no absence of a police chief A to plan a refused posting around")


def book_absences(agenda: Agenda, book: Absences, refused: Absence) -> None:
    """Declared on their day (sick leave on the morning it starts), ended early where planned; the
    clashing one on the day after the absence it clashes with was declared."""
    for absence in book.planned:
        sick = absence.declared_on == absence.first_day
        agenda.on(absence.declared_on, (declare(absence),), clock=MORNING if sick else EVENING)
        if absence.ended_early_on is not None:
            agenda.on(absence.ended_early_on, (end(absence),), clock=MORNING)
    agenda.on(refused.declared_on, (declare(refused, refused=("double_absence",)),))


def declare(absence: Absence, refused: Iterable[str] = ()) -> Command:
    body = {
        "absence_id": absence.absence_id,
        "starts_at": absence.starts_at.isoformat(),
        "ends_at": absence.ends_at.isoformat(),
        "reason": absence.reason,
    }
    return Command("assignment", f"/officers/{absence.officer_id}/absences", body, refused=tuple(refused))


def end(absence: Absence) -> Command:
    body = {"ended_at": instant(absence.away_until, MORNING).isoformat()}
    path = f"/officers/{absence.officer_id}/absences/{absence.absence_id}/end"
    return Command("assignment", path, body)
