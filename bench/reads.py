"""Figure 8 (issue 17, item 3): evaluation's reads with a long history behind them.

`GET /figures` for a year, one officer's scorecard for the year and the year's ranking, through the
evaluation service's real HTTP API as the bureau (bearer token verified per request), with N events of
history (1,000,000; 100,000 with `--quick`) in its facts tables.

The history is the other services' events as they would record them, over ten years (2017 to a few
days before now) and many enterprises: assignment enrols the officers, registers the enterprises,
assigns their three chiefs and rotates the police chief each January; appeals raises about twelve
appeals an enterprise a year (routed, answered, closed, most called back); patrols schedules a weekly
revisit per enterprise (visited and fulfilled, or overdue), joint patrols, hazards, disputes, services
and leaflets; evaluation's own ratings (three chiefs a year) and spot-check answers. A few percent of
it is entered days after it happened (two clocks). The number of enterprises is chosen so the total
comes to N.

How it gets into the facts tables: the envelopes the producing stores would record (`encode`), in each
stream's order, applied by the kernel's `Applier` in batches of 1,000 to the evaluation database's
`proj_facts` schema, the code path a live consumer and a replay take, without the NATS hop (figure 6
measures that). The service's projection fingerprints are recorded first (`migrations.prepare`), so
the service starts on those tables as they are instead of rebuilding them from the (empty) streams.

Measured: requests one at a time with httpx over loopback, the three reads in turn, after two warm-up
requests each. *repeat*: the same request each time (as of now, the default), as a dashboard asks it;
*past*: each request as of a different past instant (a minute earlier each time), which no earlier
answer can serve. Each stops after `samples` requests or `budget` seconds, whichever comes first.
"""

import asyncio
import itertools
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import httpx

from bench.servers import Stack
from bench.web import Server
from jingzhang.app.services import SERVICES
from jingzhang.appeals.domain.events import (
    AppealAcknowledged,
    AppealClosedUnresolved,
    AppealRaised,
    AppealResolved,
    AppealRouted,
    CallbackRecorded,
)
from jingzhang.appeals.domain.vocabulary import Category, Channel, LimitClass
from jingzhang.assignment.domain.events import (
    ChiefAssigned,
    ChiefRelieved,
    ChiefTier,
    EnterpriseClass,
    EnterpriseRegistered,
    OfficerEnrolled,
    PoliceOfficeOpened,
    Slot,
    UnitKind,
)
from jingzhang.evaluation.bootstrap import PROJECTIONS
from jingzhang.evaluation.domain.events import ChiefRated, SpotCheckAnswerRecorded
from jingzhang.evaluation.domain.period import BUREAU_TZ
from jingzhang.evaluation.projections.facts import PROJECTION as FACTS
from jingzhang.patrols.domain.activity import DisputeMediated, LeafletsDistributed, ServiceMode, ServiceOnBehalfHandled
from jingzhang.patrols.domain.common import VisitKind
from jingzhang.patrols.domain.duty import DutyFulfilled, DutyOverdue, DutyScheduled
from jingzhang.patrols.domain.hazard import HazardRectified
from jingzhang.patrols.domain.periods import Period as PatrolPeriod
from jingzhang.patrols.domain.visit import PatrolCompleted
from jingzhang.shared.applier import Applier, Delivery, Outcome
from jingzhang.shared.auth import LocalSigningKey, Principal, Role
from jingzhang.shared.envelope import Envelope, StreamId, encode
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.migrations import prepare
from jingzhang.shared.privacy.crypto import MasterKey
from jingzhang.shared.streams import provision, stream_names

FIRST_YEAR = 2017
OFFICERS = 169
EVENTS_PER_ENTERPRISE_YEAR = 226  # what `_enterprise_year` records on average, measured
BATCH = 1000
OFFICER = "o0001"  # police chief (A) of ent-0000 in every year: the scorecard asked for


@dataclass
class History:
    """The other services' events, as their stores would record them, in each stream's order."""

    now: datetime
    enterprises: int
    rng: random.Random = field(default_factory=lambda: random.Random(17))
    versions: dict[tuple[str, str, str], int] = field(default_factory=dict)
    last: dict[tuple[str, str, str], datetime] = field(default_factory=dict)
    ids: "itertools.count[int]" = field(default_factory=itertools.count)

    def event(self, service: str, kind: str, key: str, payload: DomainEvent, at: datetime) -> Delivery | None:
        """One event recorded at `at` (a few percent entered 1-10 days late); None if not yet recorded."""
        stream = (service, kind, key)
        if self.rng.random() < 0.03:
            at += timedelta(days=self.rng.randint(1, 10))
        at = self.last[stream] = max(at, self.last.get(stream, at))  # a stream is recorded in order
        if at >= self.now:
            return None
        version = self.versions[stream] = self.versions.get(stream, 0) + 1
        n = next(self.ids)
        env = Envelope(
            event_id=uuid.UUID(int=n + 1),
            service=service,
            stream=StreamId(kind, key),
            version=version,
            event_type=payload.event_type,
            schema_version=payload.schema_version,
            data=payload.model_dump(mode="json"),
            occurred_at=at,
            recorded_at=at,
            correlation_id=uuid.UUID(int=n + 1),
            causation_id=None,
            actor="bench",
        )
        return Delivery(env.subject, encode(env))

    def deliveries(self) -> Iterator[Delivery]:
        for step in itertools.chain(self._assignment(), self._years()):
            if step is not None:
                yield step

    def _assignment(self) -> Iterator[Delivery | None]:
        start = datetime(FIRST_YEAR - 1, 12, 1, 9, tzinfo=BUREAU_TZ)
        for o in range(OFFICERS):
            yield self.event("assignment", "officer", officer(o), _enrolled(officer(o)), start)
        for e in range(self.enterprises):
            ent = enterprise(e)
            yield self.event("assignment", "enterprise", ent, _registered(ent, e), start)
            for tier, slot, o in self._chiefs(e, FIRST_YEAR):
                yield self.event("assignment", "enterprise", ent, _assigned(ent, tier, slot, o, start), start)
            yield self.event("assignment", "enterprise", ent, _office(ent), start + timedelta(days=20))
            for year in range(FIRST_YEAR + 1, self.now.year + 1):
                jan = datetime(year, 1, 1, 9, tzinfo=BUREAU_TZ)
                old, new = self._police_chief(e, year - 1), self._police_chief(e, year)
                yield self.event("assignment", "enterprise", ent, _relieved(ent, old, jan), jan)
                yield self.event(
                    "assignment", "enterprise", ent, _assigned(ent, ChiefTier.POLICE_CHIEF, Slot.A, new, jan), jan
                )

    def _police_chief(self, e: int, year: int) -> int:
        return 1 if e == 0 else (e * 7 + year) % OFFICERS

    def _chiefs(self, e: int, year: int) -> list[tuple[ChiefTier, Slot, int]]:
        return [
            (ChiefTier.POLICE_CHIEF, Slot.A, self._police_chief(e, year)),
            (ChiefTier.POLICE_CHIEF, Slot.B, (e * 11 + 3) % OFFICERS),
            (ChiefTier.STATION_CHIEF, Slot.A, 100 + e % 40),
            (ChiefTier.BUREAU_LEADER, Slot.A, 160 + e % 9),
        ]

    def _years(self) -> Iterator[Delivery | None]:
        for year in range(FIRST_YEAR, self.now.year + 1):
            for e in range(self.enterprises):
                yield from self._enterprise_year(e, year)
            yield from self._spot_check(year)

    def _enterprise_year(self, e: int, year: int) -> Iterator[Delivery | None]:
        ent, rng = enterprise(e), self.rng
        pc, pb = officer(self._police_chief(e, year)), officer((e * 11 + 3) % OFFICERS)
        first = datetime(year, 1, 1, tzinfo=BUREAU_TZ)
        for week in range(52):
            due = first + timedelta(days=7 * week + 6, hours=18)
            yield from self._duty(ent, f"{ent}-{year}-w{week}", pc, due)
        for n in range(12):
            raised = first + timedelta(days=30 * n + rng.randint(0, 27), hours=rng.randint(8, 17))
            yield from self._appeal(ent, f"{ent}-{year}-a{n}", rng.choice((pc, pc, pb)), raised)
        for n, kind in enumerate(("leaflets", "leaflets", "hazard", "hazard", "dispute", "service", "patrol")):
            day = (first + timedelta(days=rng.randint(0, 364))).date()
            yield self._activity(ent, f"{ent}-{year}-{kind}{n}", kind, (pc, pb), day)
        for tier, _, o in self._chiefs(e, year)[::2] + self._chiefs(e, year)[1:2]:
            at = datetime(year, 12, 20, 10, tzinfo=BUREAU_TZ)
            rated = ChiefRated(
                rating_id=f"{ent}-{year}-{tier.value}-{o}",
                enterprise_id=ent,
                officer_id=officer(o),
                tier=tier,
                period=str(year),
                level=rng.randint(2, 5),
                comment="",
                rated_at=at,
            )
            yield self.event("evaluation", "rating", rated.rating_id, rated, at)

    def _duty(self, ent: str, duty_id: str, officer_id: str, due: datetime) -> Iterator[Delivery | None]:
        period = PatrolPeriod(key=duty_id, start=(due - timedelta(days=7)).date(), end=due.date())
        scheduled = DutyScheduled(
            duty_id=duty_id,
            enterprise_id=ent,
            kind=VisitKind.WEEKLY_REVISIT,
            tier=ChiefTier.POLICE_CHIEF,
            period=period,
            due_at=due,
            assignee_officer_id=officer_id,
        )
        yield self.event("patrols", "duty", duty_id, scheduled, due - timedelta(days=7))
        if self.rng.random() < 0.1:
            yield self.event(
                "patrols", "duty", duty_id, DutyOverdue(duty_id=duty_id, assignee_officer_id=officer_id), due
            )
            return
        started = due - timedelta(hours=self.rng.choice((3, 6, 30, 50, 80)))
        visit = PatrolCompleted(
            visit_id=f"v-{duty_id}",
            enterprise_id=ent,
            kind=VisitKind.WEEKLY_REVISIT,
            officer_ids=(officer_id,),
            started_at=started,
            ended_at=started + timedelta(hours=1),
            location="site",
            person_times=1,
            findings="all well",
        )
        yield self.event("patrols", "visit", visit.visit_id, visit, started + timedelta(hours=1))
        fulfilled = DutyFulfilled(duty_id=duty_id, visit_id=visit.visit_id, on_time=started <= due)
        yield self.event("patrols", "duty", duty_id, fulfilled, started + timedelta(hours=1))

    def _appeal(self, ent: str, appeal_id: str, officer_id: str, at: datetime) -> Iterator[Delivery | None]:
        rng = self.rng
        raised = AppealRaised(
            appeal_id=appeal_id,
            enterprise_id=ent,
            channel=Channel.PHONE,
            category=Category.ADMINISTRATIVE_SERVICE,
            description="needs a permit",
            raised_by="contact",
            emergency=False,
            raised_at=at,
            limit_class=LimitClass.GENERAL,
            time_limit=timedelta(hours=72),
            first_response_within=timedelta(hours=1),
            warning_fraction=0.8,
            received_at=None,
        )
        yield self.event("appeals", "appeal", appeal_id, raised, at)
        slot = Slot.A if rng.random() < 0.8 else Slot.B
        routed = AppealRouted(
            tier=ChiefTier.POLICE_CHIEF, officer_id=officer_id, slot_acting=slot, informed_officer_ids=(), routed_at=at
        )
        yield self.event("appeals", "appeal", appeal_id, routed, at + timedelta(minutes=1))
        answered = at + timedelta(minutes=rng.choice((10, 30, 50, 90)))
        ack = AppealAcknowledged(officer_id=officer_id, note="on it", acknowledged_at=answered)
        yield self.event("appeals", "appeal", appeal_id, ack, answered)
        closed = at + timedelta(hours=rng.choice((5, 20, 50, 90)))
        if rng.random() < 0.85:
            done: DomainEvent = AppealResolved(what_was_done="done", resolved_by=officer_id, resolved_at=closed)
        else:
            done = AppealClosedUnresolved(reason="cannot", closed_by=officer_id, closed_at=closed)
        yield self.event("appeals", "appeal", appeal_id, done, closed)
        if rng.random() < 0.7:
            back = closed + timedelta(days=1)
            level = rng.randint(1, 5)
            callback = CallbackRecorded(
                rating=level,
                resolved=level > 2,
                comment="",
                officer_id=officer_id,
                recorded_by="clerk",
                recorded_at=back,
            )
            yield self.event("appeals", "appeal", appeal_id, callback, back)

    def _activity(self, ent: str, activity_id: str, kind: str, officers: tuple[str, str], day: date) -> Delivery | None:
        at = datetime(day.year, day.month, day.day, 17, tzinfo=BUREAU_TZ)
        common = {"activity_id": activity_id, "enterprise_id": ent, "officer_ids": officers, "occurred_on": day}
        payload: DomainEvent
        if kind == "leaflets":
            payload = LeafletsDistributed(**common, count=self.rng.randint(50, 500), topic="four preventions")
        elif kind == "hazard":
            payload = HazardRectified(
                hazard_id=activity_id,
                enterprise_id=ent,
                rectified_on=day,
                measures="fenced",
                officer_ids=officers,
                on_time=True,
            )
            return self.event("patrols", "hazard", activity_id, payload, at)
        elif kind == "dispute":
            payload = DisputeMediated(
                **common, parties=["contractor", "villagers"], outcome="paid", agreement_reached=True, risk_level=None
            )
        elif kind == "service":
            payload = ServiceOnBehalfHandled(**common, item="residence permit", mode=ServiceMode.ACT_FOR)
        else:
            started = at - timedelta(hours=3)
            payload = PatrolCompleted(
                visit_id=activity_id,
                enterprise_id=ent,
                kind=VisitKind.JOINT_PATROL,
                officer_ids=officers,
                started_at=started,
                ended_at=at,
                location="site",
                person_times=6,
                findings="all well",
            )
            return self.event("patrols", "visit", activity_id, payload, at)
        return self.event("patrols", "activity", activity_id, payload, at)

    def _spot_check(self, year: int) -> Iterator[Delivery | None]:
        spot_check_id = f"sc-{year}"
        at = datetime(year, 6, 1, 10, tzinfo=BUREAU_TZ)
        for e in range(0, self.enterprises, 2):
            satisfied = self.rng.random() < 0.8
            answer = SpotCheckAnswerRecorded(
                spot_check_id=spot_check_id,
                enterprise_id=enterprise(e),
                satisfied=satisfied,
                level=5 if satisfied else 2,
                comment="",
                answered_at=at,
                officer_id=None,
            )
            yield self.event("evaluation", "spot_check", spot_check_id, answer, at)


def officer(n: int) -> str:
    return f"o{n:04d}"


def enterprise(n: int) -> str:
    return f"ent-{n:04d}"


_CLASSES = list(EnterpriseClass)


def _enrolled(officer_id: str) -> OfficerEnrolled:
    return OfficerEnrolled(
        officer_id=officer_id,
        name=f"Officer {officer_id}",
        unit_kind=UnitKind.STATION,
        unit_name="Hengkou station",
        position="community police chief",
        rank="2nd class",
        phone="13900000000",
        wechat_id=f"wx-{officer_id}",
        photo_ref=None,
        enrolled_on=None,
    )


def _registered(ent: str, n: int) -> EnterpriseRegistered:
    return EnterpriseRegistered(
        enterprise_id=ent,
        name=f"Enterprise {ent}",
        credit_code="91610900MA70000000",
        address="Hengkou",
        industry="construction",
        contact_name="Wang",
        contact_phone="13800000000",
        enterprise_class=_CLASSES[n % len(_CLASSES)],
        registered_on=None,
    )


def _assigned(ent: str, tier: ChiefTier, slot: Slot, o: int, since: datetime) -> ChiefAssigned:
    return ChiefAssigned(enterprise_id=ent, tier=tier, slot=slot, officer_id=officer(o), effective_from=since)


def _relieved(ent: str, o: int, since: datetime) -> ChiefRelieved:
    return ChiefRelieved(
        enterprise_id=ent,
        tier=ChiefTier.POLICE_CHIEF,
        slot=Slot.A,
        officer_id=officer(o),
        effective_from=since,
        reason="rotation",
    )


def _office(ent: str) -> PoliceOfficeOpened:
    return PoliceOfficeOpened(
        enterprise_id=ent, office_id=f"office-{ent}", online=True, offline=True, location="gate", opened_on=None
    )


def enterprises_for(events: int, now: datetime) -> int:
    years = now.year - FIRST_YEAR + (now.timetuple().tm_yday / 365)
    return max(4, round(events / (EVENTS_PER_ENTERPRISE_YEAR * years)))


async def fill(url: str, nats_url: str, events: int, now: datetime, log: Any) -> int:
    """The history into the evaluation database's facts tables; returns how many events were applied."""
    import nats

    nc = await nats.connect(nats_url)
    pool = await asyncpg.create_pool(url, min_size=1, max_size=2)
    assert pool is not None
    try:
        await prepare(pool, nc, PROJECTIONS)  # record the fingerprints: the service keeps these tables
        applier = Applier(FACTS, None, replaying=True, park_immediately=True)
        history = History(now, enterprises_for(events, now))
        applied, started, batch = 0, time.monotonic(), []
        async with pool.acquire() as conn:
            for delivery in history.deliveries():
                batch.append(delivery)
                if len(batch) == BATCH:
                    applied += _count(await applier.apply_batch(conn, batch))
                    batch = []
                    if applied % 100_000 == 0:
                        log(f"reads: {applied:,} events applied ({applied / (time.monotonic() - started):,.0f}/s)")
            if batch:
                applied += _count(await applier.apply_batch(conn, batch))
            await conn.execute("ANALYZE")  # as autovacuum would have after so many writes
        log(
            f"reads: history of {applied:,} events ({history.enterprises} enterprises)"
            f" in {time.monotonic() - started:.0f} s"
        )
        return applied
    finally:
        await pool.close()
        await nc.close()


def _count(outcomes: list[Outcome]) -> int:
    bad = [o for o in outcomes if o is not Outcome.APPLIED]
    if bad:
        raise RuntimeError(f"history not applied: {bad[:3]}")
    return len(outcomes)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else float("nan")


async def timed(client: httpx.AsyncClient, path: str, params: dict[str, str]) -> float:
    t0 = time.perf_counter()
    answer = await client.get(path, params=params)
    ms = (time.perf_counter() - t0) * 1000
    if answer.status_code != 200:
        raise RuntimeError(f"GET {path} answered {answer.status_code}: {answer.text[:300]}")
    return ms


async def measure(base: str, token: str, now: datetime, samples: int, budget: float, log: Any) -> dict[str, Any]:
    year = now.year
    reads = {
        "figures": ("/figures", {"from": f"{year}-01-01", "to": f"{year + 1}-01-01"}),
        "scorecard": (f"/officers/{OFFICER}/scorecard", {"period": str(year)}),
        "ranking": (f"/rankings/{year}", {}),
    }
    out: dict[str, Any] = {}
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=600.0) as client:
        for path, params in reads.values():
            for _ in range(2):
                await timed(client, path, params)
        for mode in ("repeat", "past"):
            ms: dict[str, list[float]] = {name: [] for name in reads}
            deadline = time.monotonic() + budget
            for i in range(samples):
                for name, (path, params) in reads.items():
                    asked = dict(params)
                    if mode == "past":
                        asked["as_of"] = (now - timedelta(minutes=i + 1)).isoformat()
                    ms[name].append(await timed(client, path, asked))
                if time.monotonic() > deadline and i >= 4:
                    break
            for name, values in ms.items():
                out[f"{mode}_{name}"] = values
                log(
                    f"reads {mode} {name}: n {len(values)}, p50 {percentile(values, 50):.1f} ms,"
                    f" p99 {percentile(values, 99):.1f} ms"
                )
    return out


async def bench_reads(stack: Stack, nc: Any, events: int, samples: int, budget: float, log: Any) -> dict[str, Any]:
    """The evaluation service on a history of `events` events; the three reads timed (see the module)."""
    await provision(nc.jetstream(), SERVICES)
    await purge_services(nc)
    now = datetime.now(UTC)
    url = await stack.fresh_database("jz_evaluation", event_store=False)
    applied = await fill(url, stack.nats_url, events, now - timedelta(days=3), log)
    key = LocalSigningKey.generate()
    key_file = stack.root / "reads-signing-key.pem"
    key.save(key_file)
    token = key.issue(Principal(subject="bench-bureau", role=Role.BUREAU), datetime.now(UTC), timedelta(hours=4))
    env = {
        **os.environ,
        "NATS_URL": stack.nats_url,
        "DATABASE_URL": url,
        "KEYSTORE_URL": await stack.fresh_database("jz_keys_reads", event_store=False),
        "KEYSTORE_MASTER_KEY": MasterKey.new_base64(),
        "AUTH_PUBLIC_KEY_FILE": str(key_file.with_suffix(".pub")),
        "LOG_LEVEL": "WARNING",
        "LOG_JSON": "true",
    }
    server = Server("evaluation", [sys.executable, "-m", "jingzhang.evaluation"], env, stack.root / "evaluation.log")
    try:
        await server.start()
        result = await measure(server.url, token, now, samples, budget, log)
    finally:
        server.stop()
    return {"events": applied, **result}


async def purge_services(nc: Any) -> None:
    """Empty the services' streams (and their partitioned copies): the figures before this one in the
    same run published into them (figure 7's leaflets into patrols', which evaluation follows), and the
    service would apply those while it is measured, moving its facts on every request for seconds."""
    js = nc.jetstream()
    for name in await stream_names(js):
        if name.startswith("JZ_"):
            await js.purge_stream(name)


def summary(result: dict[str, Any]) -> dict[str, Any]:
    """The JSON keys of figure 8: `reads_<read>_p50_ms` / `_p99_ms` for the repeated request, and
    `reads_<read>_past_p50_ms` / `_p99_ms` for requests as of a different past instant each."""
    fig: dict[str, Any] = {"reads_events": result["events"]}
    for name in ("figures", "scorecard", "ranking"):
        for mode, infix in (("repeat", ""), ("past", "_past")):
            values = result[f"{mode}_{name}"]
            fig[f"reads_{name}{infix}_p50_ms"] = percentile(values, 50)
            fig[f"reads_{name}{infix}_p99_ms"] = percentile(values, 99)
            fig[f"reads_{name}{infix}_n"] = len(values)
    return fig


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


if __name__ == "__main__":  # python -m bench.reads [events]: the figure alone, printed

    async def _main(events: int) -> None:
        def log(msg: str) -> None:
            print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

        stack = Stack().start()
        try:
            nc = await stack.connect_nats()
            print(summary(await bench_reads(stack, nc, events, 30, 60.0, log)))
            await nc.close()
        finally:
            stack.stop()

    asyncio.run(_main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
