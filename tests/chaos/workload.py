"""A bounded, seeded workload across the four services: commands with client-given ids, reads between.

Each scenario follows one new enterprise through the scheme: an officer enrolled and the enterprise
registered (assignment), its three chiefs with A and B assigned, appeals raised and some acknowledged
(appeals), leaflets, a joint patrol and perhaps a mediated dispute recorded (patrols), a chief rated
(evaluation), reading the enterprise file, the appeal, the ledger, the figure table and a scorecard in
between. A few workers run scenarios side by side until the fault schedule is over (or a scenario cap
is reached); what the services answered is in the journal, for the checker.
"""

import asyncio
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from jingzhang.assignment.domain.credit_code import with_check_character
from tests.chaos.api import Api

BUREAU_TZ = ZoneInfo("Asia/Shanghai")
CLASSES = ("city_key_project", "district_key_project", "above_scale", "small_micro")
NOT_YET_KNOWN = ("not_yet_known",)
READ_TRIES = 6
READ_PAUSE = 0.3


@dataclass
class Roster:
    """Officers every scenario draws its chiefs from, enrolled before the faults begin."""

    leaders: list[str] = field(default_factory=list)
    station: list[str] = field(default_factory=list)


@dataclass
class Workload:
    api: Api
    rng: random.Random
    tag: str
    workers: int = 4
    max_scenarios: int = 200
    roster: Roster = field(default_factory=Roster)
    started: int = 0
    finished: int = 0

    async def prepare(self) -> None:
        """Enrol the shared officers: three bureau leaders, six station officers."""
        for n in range(1, 4):
            self.roster.leaders.append(await self._enrol(f"bl-{self.tag}-{n}", "bureau_leadership"))
        for n in range(1, 7):
            self.roster.station.append(await self._enrol(f"st-{self.tag}-{n}", "station"))

    async def run(self, stop: asyncio.Event) -> None:
        await asyncio.gather(*(self._worker(stop) for _ in range(self.workers)))

    async def _worker(self, stop: asyncio.Event) -> None:
        while not stop.is_set() and self.started < self.max_scenarios:
            self.started += 1
            await Scenario(self, self.started, random.Random(self.rng.random())).run()
            self.finished += 1

    async def _enrol(self, officer_id: str, unit_kind: str) -> str:
        body = {
            "officer_id": officer_id,
            "name": f"警员 {officer_id}",
            "unit_kind": unit_kind,
            "unit_name": "恒口派出所" if unit_kind == "station" else "局领导",
            "position": "警长",
            "rank": "一级警长",
            "phone": "13900000000",
            "wechat_id": f"wx-{officer_id}",
        }
        await self.api.command("assignment", "enrol_officer", officer_id, "/officers", body, retry_safe=True)
        return officer_id


@dataclass
class Scenario:
    load: Workload
    n: int
    rng: random.Random

    @property
    def api(self) -> Api:
        return self.load.api

    @property
    def enterprise_id(self) -> str:
        return f"ent-{self.load.tag}-{self.n}"

    async def run(self) -> None:
        ent = self.enterprise_id
        newcomer = await self.load._enrol(f"po-{self.load.tag}-{self.n}", "station")
        registered = await self._register()
        await self.api.read("assignment", f"/enterprises/{ent}", route="GET /enterprises/{id}")
        if not registered:
            return
        chiefs = await self._assign(newcomer)
        await self.api.read("assignment", f"/enterprises/{ent}/chiefs", route="GET /enterprises/{id}/chiefs")
        await self._appeals()
        police_a = chiefs.get(("police_chief", "A"))
        if police_a is None:
            return
        await self._patrols([police_a, newcomer])
        await self._rating(police_a)

    async def _register(self) -> bool:
        body = {
            "enterprise_id": self.enterprise_id,
            "name": f"混沌测试企业 {self.enterprise_id}",
            "credit_code": with_check_character(f"91610900MA7{self.n % 1_000_000:06d}"),
            "address": "宁陕飞地工业园区",
            "industry": "textiles",
            "contact_name": "王经理",
            "contact_phone": "13800000000",
            "enterprise_class": self.rng.choice(CLASSES),
        }
        done = await self.api.command(
            "assignment", "register_enterprise", self.enterprise_id, "/enterprises", body, retry_safe=True
        )
        return done.acknowledged

    async def _assign(self, newcomer: str) -> dict[tuple[str, str], str]:
        """A and B of each tier; a retry is harmless (the same officer twice is refused `already_chief`)."""
        leaders = self.rng.sample(self.load.roster.leaders, 2)
        station = self.rng.sample(self.load.roster.station, 3)
        wanted = {
            ("bureau_leader", "A"): leaders[0],
            ("bureau_leader", "B"): leaders[1],
            ("station_chief", "A"): station[0],
            ("station_chief", "B"): station[1],
            ("police_chief", "A"): station[2],
            ("police_chief", "B"): newcomer,
        }
        held: dict[tuple[str, str], str] = {}
        for (tier, slot), officer_id in wanted.items():
            body = {"tier": tier, "slot": slot, "officer_id": officer_id}
            done = await self.api.command(
                "assignment",
                "assign_chief",
                f"{self.enterprise_id}/{tier}/{slot}",
                f"/enterprises/{self.enterprise_id}/chiefs",
                body,
                retry_safe=True,
            )
            if done.acknowledged or _already(done.final):
                held[(tier, slot)] = officer_id
        return held

    async def _appeals(self) -> None:
        for k in range(1, self.rng.randint(1, 2) + 1):
            appeal_id = f"ap-{self.load.tag}-{self.n}-{k}"
            body = {
                "appeal_id": appeal_id,
                "enterprise_id": self.enterprise_id,
                "channel": self.rng.choice(("police_chief_service_point", "wechat_group", "phone", "visit")),
                "category": self.rng.choice(("dispute", "administrative_service", "public_order_trouble_spot")),
                "description": "工地门口停车纠纷",
                "raised_by": "王经理",
            }
            done = await self.api.command("appeals", "raise_appeal", appeal_id, "/appeals", body, retry_safe=True)
            if not done.acknowledged:
                continue
            view = await self._appeal_view(appeal_id)
            if view and view.get("officer_id") and self.rng.random() < 0.6:
                await self.api.command(
                    "appeals",
                    "acknowledge_appeal",
                    f"{appeal_id}/ack",
                    f"/appeals/{appeal_id}/acknowledge",
                    {"officer_id": view["officer_id"], "note": "马上到"},
                    retry_safe=False,
                )
        await self.api.read(
            "appeals", f"/enterprises/{self.enterprise_id}/appeals", route="GET /enterprises/{id}/appeals"
        )

    async def _appeal_view(self, appeal_id: str) -> Any:
        """The appeal as the board shows it, a moment after it was raised (a few reads, then give up)."""
        for _ in range(READ_TRIES):
            view = await self.api.read("appeals", f"/appeals/{appeal_id}", route="GET /appeals/{id}")
            if view is not None:
                return view
            await asyncio.sleep(READ_PAUSE)
        return None

    async def _patrols(self, officers: list[str]) -> None:
        ent, tag, n = self.enterprise_id, self.load.tag, self.n
        today = datetime.now(BUREAU_TZ).date().isoformat()
        leaflets = {
            "activity_id": f"le-{tag}-{n}",
            "enterprise_id": ent,
            "officer_ids": officers[:1],
            "occurred_on": today,
            "count": self.rng.randint(1, 1000),
            "topic": "防诈骗宣传",
        }
        await self._record("/leaflets", "distribute_leaflets", leaflets)
        ended = datetime.now(BUREAU_TZ) - timedelta(seconds=5)
        visit = {
            "visit_id": f"vi-{tag}-{n}",
            "enterprise_id": ent,
            "kind": "joint_patrol",
            "officer_ids": officers,
            "started_at": (ended - timedelta(minutes=1)).isoformat(),
            "ended_at": ended.isoformat(),
            "location": "园区东门",
            "person_times": self.rng.randint(2, 40),
        }
        await self._record("/visits", "record_visit", visit, key=visit["visit_id"])
        if self.rng.random() < 0.5:
            dispute = {
                "activity_id": f"di-{tag}-{n}",
                "enterprise_id": ent,
                "officer_ids": officers[:1],
                "occurred_on": today,
                "parties": ["甲建筑公司", "乙运输公司"],
                "outcome": "当场调解",
                "agreement_reached": True,
            }
            await self._record("/disputes", "mediate_dispute", dispute)
        await self.api.read("patrols", f"/enterprises/{ent}/ledger", route="GET /enterprises/{id}/ledger")

    async def _record(self, path: str, kind: str, body: dict[str, Any], key: str | None = None) -> None:
        ident = key or str(body["activity_id"])
        await self.api.command("patrols", kind, ident, path, body, retry_safe=True, transient=NOT_YET_KNOWN)

    async def _rating(self, officer_id: str) -> None:
        month = datetime.now(BUREAU_TZ).strftime("%Y-%m")
        body = {
            "enterprise_id": self.enterprise_id,
            "officer_id": officer_id,
            "tier": "police_chief",
            "period": month,
            "level": self.rng.randint(1, 5),
            "comment": "服务周到",
        }
        await self.api.command(
            "evaluation",
            "rate_chief",
            f"{self.enterprise_id}/{officer_id}/{month}",
            "/ratings",
            body,
            retry_safe=True,
            transient=(*NOT_YET_KNOWN, "not_a_chief"),
        )
        await self.api.read(
            "evaluation", f"/officers/{officer_id}/scorecard", route="GET /officers/{id}/scorecard", period=month
        )
        today = datetime.now(BUREAU_TZ).date()
        await self.api.read(
            "evaluation",
            "/figures",
            route="GET /figures",
            **{"from": (today - timedelta(days=1)).isoformat(), "to": (today + timedelta(days=2)).isoformat()},
        )


def _already(attempt: Any) -> bool:
    """The assignment was carried out by an earlier attempt whose answer was lost."""
    return attempt is not None and attempt.status == 409 and attempt.code == "already_chief"
