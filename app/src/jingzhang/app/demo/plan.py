"""The demo as data: every HTTP command of a year, each at the instant of business time it happens,
built from the seed alone.

A plan is pure (no I/O, no clock): the same seed and year give the same steps, which is what the
determinism test compares (`Plan.digest`). The runner moves the services' clocks from step to step
through the year, so what time causes (warnings, breaches, escalations, duties falling due and overdue,
absences beginning and ending) happens in the services themselves, on its day.

The counted work matches the report exactly: 19 forums collecting 26 appeals, 36 services on behalf,
15 hazards rectified, 42 disputes, 6 illegal-obstruction cases (plus 3 other cases, not counted),
6 legal / four-preventions trainings (plus 3 chief trainings, not counted as legal), 20,000 leaflets
and 1,200 patrol person-times, spread over the year so that both halves show some of each.
"""

import hashlib
import json
import random
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date

from jingzhang.app.demo import absences, appeals, cadence, verdicts, work
from jingzhang.app.demo.calendar import Calendar
from jingzhang.app.demo.commands import Chain, Command
from jingzhang.app.demo.roster import Enterprise, Officer, Roster, build_roster
from jingzhang.app.demo.timeline import MORNING, Agenda, Step
from jingzhang.app.sinks.registrations import group_webhook_registrations

REPORT_FIGURES = {
    "officers_in_scheme": 169,
    "city_key_projects": 22,
    "district_key_projects": 68,
    "above_scale_enterprises": 56,
    "police_offices": 43,
    "forums_held": 19,
    "forum_appeals": 26,
    "services_on_behalf": 36,
    "hazards_rectified": 15,
    "disputes_mediated": 42,
    "obstruction_cases": 6,
    "legal_trainings": 6,
    "leaflets": 20_000,
    "patrol_person_times": 1_200,
}
"""The report's figure table (关于恒口示范区“警长制”工作的报告), by the evaluation service's names."""

EXTRA_FIGURES = {"small_micro_enterprises": 12, "chiefs_per_enterprise_min": 3}
"""What the demo adds beyond the report: a few small and micro firms; every enterprise has ≥ 3 chiefs."""


@dataclass(frozen=True, slots=True)
class Plan:
    seed: int
    year: int
    steps: tuple[Step, ...]
    expected: dict[str, int] = field(default_factory=dict)
    """The year's figure table."""
    first_half: dict[str, int] = field(default_factory=dict)
    """The counted work the plan dates in January to June (the table for that business period)."""
    arranged: dict[str, int] = field(default_factory=dict)
    """What the plan arranges on purpose, by kind (absences, a refused double absence, missed visits, …)."""
    rated_appeals: dict[str, int] = field(default_factory=dict)
    """Rated appeals each officer will be credited with (every appeal's life ends with a callback)."""

    def commands(self) -> Iterator[Command]:
        for step in self.steps:
            for chain in step.chains:
                yield from chain

    def digest(self) -> str:
        steps = [[step.at.isoformat(), [[asdict(c) for c in chain] for chain in step.chains]] for step in self.steps]
        text = json.dumps(steps, ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def counts(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for command in self.commands():
            found[command.service] = found.get(command.service, 0) + 1
        return found


def build_plan(seed: int = 2025, year: int = 2025, group_sinks: str | None = None) -> Plan:
    """`group_sinks`: the local WeCom robot sink's base URL; given, each enterprise's WeChat group is
    registered with the notifications service right after the enterprise (so its messages reach the
    sink's files), and the plan drives notifications' clock too."""
    rng = random.Random(seed)
    roster = build_roster(rng, year)
    cal = Calendar(rng, year)
    agenda = Agenda()
    _people(agenda, roster, group_sinks)
    book = absences.plan_absences(rng, roster, cal)
    posting = absences.both_away_posting(book)
    refused = absences.double_absence(book)
    absences.book_absences(agenda, book, refused)
    agenda.on(posting.day, (posting.command(),))
    visits = cadence.plan_visits(rng, roster, book, year)
    cadence.book_visits(agenda, visits)
    desk = appeals.Desk(rng, roster, book, cal)
    appeals.plan_appeals(desk)
    done = work.plan_work(rng, roster, book, cal, agenda, visits)
    work.plan_forums(done, desk)
    desk.plan.book(agenda)
    rated = verdicts.plan_verdicts(rng, roster, cal, agenda)
    verdicts.publish(agenda, year)
    arranged = {
        "absences": len(book.planned),
        "absences_ended_early": sum(1 for a in book.planned if a.ended_early_on is not None),
        "double_absences_refused": 1,
        "postings_refused_both_away": 1,
        "visits": len(visits.visits),
        "visits_missed": len(visits.missed),
        "revisits_handed_to_b": len(visits.handed_to_b),
        **{f"appeals_{story}": n for story, n in sorted(desk.plan.stories.items())},
        **dict(sorted(done.arranged.items())),
        "ratings": rated.ratings,
        "spot_checks": rated.spot_checks,
        "spot_check_answers": rated.answers,
    }
    steps = agenda.steps()
    expected = {**REPORT_FIGURES, **EXTRA_FIGURES}
    return Plan(seed, year, steps, expected, _first_half(roster, done), arranged, desk.plan.rated())


def _first_half(roster: Roster, done: work.Work) -> dict[str, int]:
    """The figures of January to June: who and what existed then, and the work dated then."""
    july = date(roster.enterprises[0].registered_on.year, 7, 1)
    registered = [e for e in roster.enterprises if e.registered_on < july]
    classes = {
        "city_key_projects": "city_key_project",
        "district_key_projects": "district_key_project",
        "above_scale_enterprises": "above_scale",
        "small_micro_enterprises": "small_micro",
    }
    standing = {name: sum(1 for e in registered if e.enterprise_class == c) for name, c in classes.items()}
    offices = sum(1 for e in registered if e.office_opened_on is not None and e.office_opened_on < july)
    officers = sum(1 for o in roster.officers if o.enrolled_on < july)
    counted = {name: done.first_half.get(name, 0) for name in REPORT_FIGURES if name not in standing}
    return {**counted, **standing, "officers_in_scheme": officers, "police_offices": offices}


def _people(agenda: Agenda, roster: Roster, group_sinks: str | None) -> None:
    """Officers enrolled on the first working morning; each enterprise registered with its chiefs on its
    day (and its WeChat group's robot, with `group_sinks`); police offices opened on theirs."""
    for officer in roster.officers:
        agenda.on(officer.enrolled_on, (enrol(officer),), clock=MORNING)
    for e in roster.enterprises:
        group = () if group_sinks is None else (group_robot(e, group_sinks),)
        agenda.on(e.registered_on, (*enterprise_chain(e), *group))
        if e.office_opened_on is not None:
            agenda.on(e.office_opened_on, (open_office(e),))


def enrol(officer: Officer) -> Command:
    return Command(
        "assignment",
        "/officers",
        {
            "officer_id": officer.officer_id,
            "name": officer.name,
            "unit_kind": officer.unit_kind,
            "unit_name": officer.unit_name,
            "position": officer.position,
            "rank": officer.rank,
            "phone": officer.phone,
            "wechat_id": f"wx_{officer.phone}",
            "enrolled_on": officer.enrolled_on.isoformat(),
        },
    )


def enterprise_chain(e: Enterprise) -> Chain:
    """Register, appoint the chiefs (A before B), form a key project's task force."""
    path = f"/enterprises/{e.enterprise_id}"
    register = Command(
        "assignment",
        "/enterprises",
        {
            "enterprise_id": e.enterprise_id,
            "name": e.name,
            "credit_code": e.credit_code,
            "address": e.address,
            "industry": e.industry,
            "contact_name": e.contact_name,
            "contact_phone": e.contact_phone,
            "enterprise_class": e.enterprise_class,
            "registered_on": e.registered_on.isoformat(),
        },
    )
    chiefs = [
        Command("assignment", f"{path}/chiefs", {"tier": tier, "slot": slot, "officer_id": officer})
        for slot in ("A", "B")
        for tier, a, b in e.chiefs
        if (officer := a if slot == "A" else b) is not None
    ]
    extras: list[Command] = []
    if e.is_key:
        leader = e.chief("bureau_leader")
        body = {"name": f"{e.short_name}服务保障专班", "leader_officer_id": leader}
        extras.append(Command("assignment", f"{path}/task-force", body))
    return (register, *chiefs, *extras)


def group_robot(e: Enterprise, group_sinks: str) -> Command:
    """The enterprise's WeChat group robot, at the local sink (see `jingzhang.app.sinks.registrations`)."""
    (registration,) = group_webhook_registrations([e.enterprise_id], group_sinks)
    return Command(registration.service, registration.path, registration.body, retry=registration.retry)


def open_office(e: Enterprise) -> Command:
    assert e.office_opened_on is not None
    office = {
        "office_id": f"po-{e.enterprise_id}",
        "online": True,
        "offline": True,
        "location": f"{e.name}综合楼一层",
        "opened_on": e.office_opened_on.isoformat(),
    }
    return Command("assignment", f"/enterprises/{e.enterprise_id}/police-office", office)
