"""The demo's people and enterprises: 169 officers, 158 enterprises, and who is chief of what.

Shaped like the report: 9 bureau leaders, 8 stations of 17 (所长, 教导员, two 副所长, 13 community
police), 4 brigades of 6. Every enterprise sits in one station's area and gets its chiefs from there:
a bureau leader, one of the station's leads, one of its community police. Key projects (city and
district) get A and B in every tier, so 6 chiefs; the others get A only, so 3. The three tiers draw
from disjoint groups, so no officer holds two posts at one enterprise (the assignment rule).
"""

import random
from dataclasses import dataclass
from datetime import date

from jingzhang.app.demo import names

CLASS_COUNTS = (
    ("city_key_project", 22),
    ("district_key_project", 68),
    ("above_scale", 56),
    # Not in the report's table; the four-haves rule does not bind them, the figures list them apart.
    ("small_micro", 12),
)
KEY_CLASSES = frozenset({"city_key_project", "district_key_project"})
COMMUNITY_PER_STATION = 13
POLICE_OFFICES = 43


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
    joined_on: date  # when its chiefs took office
    # tier -> (A, B or None)
    chiefs: tuple[tuple[str, str, str | None], ...]

    @property
    def is_key(self) -> bool:
        return self.enterprise_class in KEY_CLASSES

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

    def officer(unit_kind: str, unit_name: str, position: str, rank: str) -> Officer:
        name = people.draw(lambda: names.person_name(rng))
        quality = round(rng.uniform(0.55, 1.0), 2)
        return Officer(ids.next(), name, unit_kind, unit_name, position, rank, names.mobile(rng), quality)

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
        for _ in range(count):
            n = len(found)
            station = names.STATIONS[n % len(names.STATIONS)]
            draw = names.project_name if cls in KEY_CLASSES else names.company_name
            name, industry = firms.draw(lambda: draw(rng), key=lambda pair: pair[0])  # noqa: B023 (called at once)
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
                    joined_on=date(year, rng.randint(1, 2), rng.randint(2, 28)),
                    chiefs=_chiefs(rng, roster, station, n, cls in KEY_CLASSES, cls == "city_key_project"),
                )
            )
    return tuple(found)


def _chiefs(
    rng: random.Random, roster: Roster, station: str, n: int, key: bool, city: bool
) -> tuple[tuple[str, str, str | None], ...]:
    leaders = roster.leaders
    leads = roster.station_leads[station]
    community = roster.community[station]
    # Round-robin within the station so the community police share the enterprises evenly.
    turn = n // len(names.STATIONS)
    bureau_a = leaders[n % len(leaders)]
    lead_a = leads[turn % len(leads)]
    police_a = community[turn % len(community)]
    if not key:
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
