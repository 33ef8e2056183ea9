"""The demo's people and enterprises: 169 officers, 158 enterprises, who is chief of what, and when
each was enrolled, registered and given its police office.

Shaped like the report: 9 bureau leaders, 8 stations of 17 (所长, 教导员, two 副所长, 13 community
police), 4 brigades of 6. Every enterprise sits in one station's area and gets its chiefs from there:
a bureau leader, one of the station's leads, one of its community police. Key enterprises (city and
district projects, above-scale firms: the 四有 rule binds them) get A and B in every tier, so 6 chiefs;
small and micro firms A only, so 3. The three tiers draw from disjoint groups, so no officer holds two
posts at one enterprise (the assignment rule).

Officers are enrolled on the first working day of the year; key enterprises register in January, the
small and micro ones as they come, through October; 43 key projects open a police office between
February and September.
"""

import random
from dataclasses import dataclass
from datetime import date

from jingzhang.app.demo import names
from jingzhang.app.demo.calendar import workdays

CLASS_COUNTS = (
    ("city_key_project", 22),
    ("district_key_project", 68),
    ("above_scale", 56),
    # Not in the report's table; the four-haves rule does not bind them, the figures list them apart.
    ("small_micro", 12),
)
KEY_CLASSES = frozenset({"city_key_project", "district_key_project"})
WITH_B = KEY_CLASSES | {"above_scale"}
"""Every class but small and micro must have its A/B roles (四有通企)."""
COMMUNITY_PER_STATION = 13
POLICE_OFFICES = 43
OFFICES_IN_FIRST_HALF = 30


@dataclass(frozen=True, slots=True)
class Officer:
    officer_id: str
    name: str
    unit_kind: str
    unit_name: str
    position: str
    rank: str
    phone: str
    quality: float  # how well this officer's work goes down with enterprises (drives ratings)
    enrolled_on: date


@dataclass(frozen=True, slots=True)
class Enterprise:
    enterprise_id: str
    name: str
    enterprise_class: str
    industry: str
    credit_code: str
    address: str
    contact_name: str
    contact_phone: str
    station: str
    registered_on: date  # its chiefs take office the same day
    # tier -> (A, B or None)
    chiefs: tuple[tuple[str, str, str | None], ...]
    office_opened_on: date | None = None

    @property
    def is_key(self) -> bool:
        """A city or district key project (the task forces, the police offices, the obstruction cases)."""
        return self.enterprise_class in KEY_CLASSES

    @property
    def has_b(self) -> bool:
        return self.enterprise_class in WITH_B

    def partner(self, tier: str, officer_id: str) -> str | None:
        """The other slot's holder in `tier`, if `officer_id` holds one of its slots."""
        for name, a, b in self.chiefs:
            if name == tier and officer_id in (a, b):
                return b if officer_id == a else a
        return None

    def chief(self, tier: str, slot: str = "A") -> str:
        for name, a, b in self.chiefs:
            if name == tier:
                found = a if slot == "A" else b
                if found is not None:
                    return found
        raise KeyError(f"{self.enterprise_id} has no {tier} {slot}")

    @property
    def short_name(self) -> str:
        return self.name.removesuffix("有限公司").removesuffix("股份").removesuffix("有限责任公司")


@dataclass(frozen=True, slots=True)
class Roster:
    leaders: tuple[Officer, ...]
    station_leads: dict[str, tuple[Officer, ...]]
    community: dict[str, tuple[Officer, ...]]
    brigades: tuple[Officer, ...]
    enterprises: tuple[Enterprise, ...]

    @property
    def officers(self) -> tuple[Officer, ...]:
        staff = [o for s in names.STATIONS for o in (*self.station_leads[s], *self.community[s])]
        return (*self.leaders, *staff, *self.brigades)

    def officer(self, officer_id: str) -> Officer:
        return next(o for o in self.officers if o.officer_id == officer_id)

    def enterprise(self, enterprise_id: str) -> Enterprise:
        return next(e for e in self.enterprises if e.enterprise_id == enterprise_id)


class _Ids:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.count = 0

    def next(self) -> str:
        self.count += 1
        return f"{self.prefix}-{self.count:03d}"


def build_roster(rng: random.Random, year: int) -> Roster:
    people = names.Unique()
    ids = _Ids("off")
    enrolled_on = workdays(date(year, 1, 2), date(year, 1, 31))[0]

    def officer(unit_kind: str, unit_name: str, position: str, rank: str) -> Officer:
        name = people.draw(lambda: names.person_name(rng))
        quality = round(rng.uniform(0.55, 1.0), 2)
        return Officer(ids.next(), name, unit_kind, unit_name, position, rank, names.mobile(rng), quality, enrolled_on)

    leaders = tuple(
        officer("bureau_leadership", "恒口公安分局", p, names.RANKS[min(i, 2)])
        for i, p in enumerate(names.LEADER_POSITIONS)
    )
    leads: dict[str, tuple[Officer, ...]] = {}
    community: dict[str, tuple[Officer, ...]] = {}
    for station in names.STATIONS:
        leads[station] = tuple(
            officer("station", station, p, rng.choice(names.RANKS[1:4])) for p in names.STATION_LEADS
        )
        community[station] = tuple(
            officer("station", station, "社区民警", rng.choice(names.RANKS[3:])) for _ in range(COMMUNITY_PER_STATION)
        )
    brigades = tuple(
        officer("brigade", b, p, rng.choice(names.RANKS[2:])) for b in names.BRIGADES for p in names.BRIGADE_POSITIONS
    )
    roster = Roster(leaders, leads, community, brigades, ())
    return Roster(leaders, leads, community, brigades, _enterprises(rng, year, roster))


def _enterprises(rng: random.Random, year: int, roster: Roster) -> tuple[Enterprise, ...]:
    firms = names.Unique()
    codes = names.Unique()
    people = names.Unique()
    found: list[Enterprise] = []
    for cls, count in CLASS_COUNTS:
        for k in range(count):
            n = len(found)
            station = names.STATIONS[n % len(names.STATIONS)]
            draw = names.project_name if cls in KEY_CLASSES else names.company_name
            name, industry = firms.draw(lambda: draw(rng), key=lambda pair: pair[0])  # noqa: B023 (called at once)
            registered_on = _registration_day(year, cls, k)
            found.append(
                Enterprise(
                    enterprise_id=f"ent-{n + 1:03d}",
                    name=name,
                    enterprise_class=cls,
                    industry=industry,
                    credit_code=codes.draw(lambda: names.credit_code(rng)),
                    address=names.address(rng),
                    contact_name=people.draw(lambda: names.person_name(rng)),
                    contact_phone=names.mobile(rng),
                    station=station,
                    registered_on=registered_on,
                    chiefs=_chiefs(rng, roster, station, n, cls in WITH_B, cls == "city_key_project"),
                    office_opened_on=_office_day(rng, year, n, registered_on),
                )
            )
    return tuple(found)


def _registration_day(year: int, cls: str, k: int) -> date:
    """Key projects in the first half of January, above-scale firms through January, small and micro
    firms as they come: four in January, then one a month from March (deterministic: no draw)."""
    january = workdays(date(year, 1, 2), date(year, 1, 27))
    if cls in KEY_CLASSES:
        return january[k % 10]
    if cls == "above_scale":
        return january[2 + k % (len(january) - 2)]
    if k < 4:
        return january[-1 - k]
    return workdays(date(year, 3 + k - 4, 3), date(year, 3 + k - 4, 28))[0]


def _office_day(rng: random.Random, year: int, n: int, registered_on: date) -> date | None:
    """The first 43 enterprises (all key projects) open an office: 30 in the first half, 13 in the second."""
    if n >= POLICE_OFFICES:
        return None
    if n < OFFICES_IN_FIRST_HALF:
        span = workdays(max(date(year, 2, 10), registered_on), date(year, 6, 27))
    else:
        span = workdays(date(year, 7, 1), date(year, 9, 26))
    return rng.choice(span)


def _chiefs(
    rng: random.Random, roster: Roster, station: str, n: int, with_b: bool, city: bool
) -> tuple[tuple[str, str, str | None], ...]:
    leaders = roster.leaders
    leads = roster.station_leads[station]
    community = roster.community[station]
    # Round-robin within the station so the community police share the enterprises evenly.
    turn = n // len(names.STATIONS)
    bureau_a = leaders[n % len(leaders)]
    lead_a = leads[turn % len(leads)]
    police_a = community[turn % len(community)]
    if not with_b:
        return (
            ("bureau_leader", bureau_a.officer_id, None),
            ("station_chief", lead_a.officer_id, None),
            ("police_chief", police_a.officer_id, None),
        )
    # Offsets 1..len-1 never land back on A.
    bureau_b = leaders[(n + 1 + rng.randrange(len(leaders) - 1)) % len(leaders)]
    lead_b = leads[(turn + 1) % len(leads)]
    # City projects take a brigade officer as the second community chief (警企联动 with the brigades).
    police_b = (
        rng.choice(roster.brigades)
        if city
        else community[(turn + 1 + rng.randrange(len(community) - 1)) % len(community)]
    )
    return (
        ("bureau_leader", bureau_a.officer_id, bureau_b.officer_id),
        ("station_chief", lead_a.officer_id, lead_b.officer_id),
        ("police_chief", police_a.officer_id, police_b.officer_id),
    )
