"""The demo as data: every HTTP command of a year, in phases, built from the seed alone.

A plan is pure (no I/O, no clock): the same seed and year give the same commands, which is what the
determinism test compares (`Plan.digest`). Phases run one after another; inside a phase, chains run
concurrently and each chain's commands in order (an enterprise's chiefs, an appeal's life).

The counted work matches the report exactly: 19 forums collecting 26 appeals, 36 services on behalf,
15 hazards rectified, 42 disputes, 6 illegal-obstruction cases (plus 3 other cases, not counted),
6 legal / four-preventions trainings (plus 3 chief trainings, not counted as legal), 20,000 leaflets
and 1,200 patrol person-times. Channel appeals give 24 community police chiefs 6 rated appeals each,
so the ranking has officers above the default sample guard of 5.
"""

import hashlib
import json
import random
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, time

from jingzhang.app.demo import work
from jingzhang.app.demo.commands import Chain, Command, at
from jingzhang.app.demo.roster import POLICE_OFFICES, Enterprise, Officer, build_roster


@dataclass(frozen=True, slots=True)
class Phase:
    name: str
    chains: tuple[Chain, ...]


@dataclass(frozen=True, slots=True)
class Plan:
    seed: int
    year: int
    phases: tuple[Phase, ...]
    expected: dict[str, int] = field(default_factory=dict)
    rated_appeals: dict[str, int] = field(default_factory=dict)
    """Rated appeals each officer will be credited with: every appeal's life ends with a callback."""

    def commands(self) -> Iterator[Command]:
        for phase in self.phases:
            for chain in phase.chains:
                yield from chain

    def digest(self) -> str:
        text = json.dumps([asdict(c) for c in self.commands()], ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def counts(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for command in self.commands():
            found[command.service] = found.get(command.service, 0) + 1
        return found


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


def build_plan(seed: int = 2025, year: int = 2025) -> Plan:
    rng = random.Random(seed)
    roster = build_roster(rng, year)
    calendar = work.Calendar(rng, year)
    appeal_enterprises, appeals = work.channel_appeals(rng, roster, calendar)
    forums, forum_appeals = work.forums(rng, roster, calendar, appeal_enterprises)
    phases = (
        Phase("officers", tuple((enrol(o, year),) for o in roster.officers)),
        Phase(
            "enterprises",
            tuple(enterprise_chain(e, year, i < POLICE_OFFICES) for i, e in enumerate(roster.enterprises)),
        ),
        Phase("work and appeals", (*work.activities(rng, roster, calendar), *appeals)),
        Phase("forums", forums),
        Phase("forum appeals", forum_appeals),
        Phase("ratings", work.ratings(rng, roster, year)),
    )
    return Plan(seed, year, phases, {**REPORT_FIGURES, **EXTRA_FIGURES}, _holders(phases))


def _holders(phases: tuple[Phase, ...]) -> dict[str, int]:
    """Appeals per holder, read off the acknowledgements (each appeal is acknowledged by its holder once)."""
    found: dict[str, int] = {}
    for phase in phases:
        for chain in phase.chains:
            for command in chain:
                if command.path.endswith("/acknowledge"):
                    officer = command.body["officer_id"]
                    found[officer] = found.get(officer, 0) + 1
    return dict(sorted(found.items()))


def enrol(officer: Officer, year: int) -> Command:
    """Enrolled in the scheme on New Year's Day of the demo year, before any post they take."""
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
            "enrolled_on": date(year, 1, 1).isoformat(),
        },
    )


def enterprise_chain(e: Enterprise, year: int, with_office: bool) -> Chain:
    """Register, appoint the chiefs (A before B), form a key project's task force, open its office.

    The demo records at its year's end what happened earlier in it: every enterprise was registered on
    New Year's Day; its chiefs took office and its police office opened on `joined_on`, later."""
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
            "registered_on": date(year, 1, 1).isoformat(),
        },
    )
    took_office = at(e.joined_on, time(9))
    chiefs = [
        Command(
            "assignment",
            f"{path}/chiefs",
            {"tier": tier, "slot": slot, "officer_id": officer, "effective_from": took_office},
        )
        for slot in ("A", "B")
        for tier, a, b in e.chiefs
        if (officer := a if slot == "A" else b) is not None
    ]
    extras: list[Command] = []
    if e.is_key:
        leader = e.chief("bureau_leader")
        body = {"name": f"{e.short_name}服务保障专班", "leader_officer_id": leader}
        extras.append(Command("assignment", f"{path}/task-force", body))
    if with_office:
        office = {
            "office_id": f"po-{e.enterprise_id}",
            "online": True,
            "offline": True,
            "location": f"{e.name}综合楼一层",
            "opened_on": e.joined_on.isoformat(),
        }
        extras.append(Command("assignment", f"{path}/police-office", office))
    return (register, *chiefs, *extras)
