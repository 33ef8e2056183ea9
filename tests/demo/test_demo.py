"""End to end: the demo year driven day by day through all four services' real HTTP APIs, PostgreSQL
and NATS, on their controlled clock. What time causes happens in the services (warnings, breaches,
escalations, duties overdue and handed to B, absences beginning with B acting, a hazard past its
deadline), the year's figure table is exactly the report's, the first half's shows its share, a table
as known at a past instant ignores what was recorded later, and the published ranking names 10 and 10."""

import asyncio
import contextlib
import json
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import date, datetime

import asyncpg
import httpx
import nats
import pytest
import uvicorn
from fastapi import FastAPI

from jingzhang.app.demo import REPORT_FIGURES, DemoSummary, Plan, build_plan, generate
from jingzhang.app.demo.calendar import workdays
from jingzhang.app.demo.commands import BUREAU_TZ
from jingzhang.app.services import SERVICES
from jingzhang.appeals.bootstrap import create_app as appeals_app
from jingzhang.assignment.bootstrap import create_app as assignment_app
from jingzhang.console.app import create_app as console_app
from jingzhang.console.settings import ConsoleSettings
from jingzhang.evaluation.bootstrap import create_app as evaluation_app
from jingzhang.patrols.bootstrap import create_app as patrols_app
from jingzhang.shared.clock import ShiftedClock
from jingzhang.shared.local.nats import NatsServer
from jingzhang.shared.partitions import PARTITIONS
from jingzhang.shared.replay import rebuild
from jingzhang.shared.streams import provision
from tests.apps import running
from tests.auth import KEY_FILE, PUBLIC_KEY_FILE
from tests.conftest import ServiceEnv
from tests.console.helpers import assert_overview_shows, chromium, shot, signed_in
from tests.console.stack import HOST, free_port, serving

APPS = {
    "assignment": assignment_app,
    "appeals": appeals_app,
    "patrols": patrols_app,
    "evaluation": evaluation_app,
}
START = datetime(2025, 1, 1, 8, tzinfo=BUREAU_TZ)
"""The demo's CLOCK_START: the year's first morning, before anything happened."""
YEAR = {"from": "2025-01-01", "to": "2026-01-01"}
FIRST_HALF = {"from": "2025-01-01", "to": "2025-07-01"}
JULY_1 = "2025-07-01T00:00:00+08:00"
STANDING = (
    "officers_in_scheme",
    "city_key_projects",
    "district_key_projects",
    "above_scale_enterprises",
    "police_offices",
)
WORK = (
    "services_on_behalf",
    "hazards_rectified",
    "disputes_mediated",
    "obstruction_cases",
    "legal_trainings",
    "leaflets",
    "patrol_person_times",
)
CHANNELS = {
    "police_chief_service_point",
    "station_chief_liaison_station",
    "director_direct_line",
    "wechat_group",
    "visit",
    "forum",
    "phone",
}


class TestGivenFourServicesOnTheDemosClock:
    @pytest.mark.timeout(3600)
    @pytest.mark.slow(seconds=450)
    async def test_the_demo_year_happens_day_by_day(self, service_env: ServiceEnv, nats_server: NatsServer) -> None:
        clock = ShiftedClock(START)  # one clock for the four apps: the demo moves it, it runs on from there
        # as `up --demo` runs it: the default of one partition, so no partitioned copies
        nc = await nats.connect(nats_server.url)
        await provision(nc.jetstream(), SERVICES, partitions=PARTITIONS)
        await nc.close()
        async with contextlib.AsyncExitStack() as stack:
            clients: dict[str, httpx.AsyncClient] = {}
            apps: dict[str, FastAPI] = {}
            for name, create_app in APPS.items():
                settings = await service_env.settings(
                    name, consumer_batch=128, partitions=PARTITIONS, clock_control=True, clock_start=START
                )
                apps[name] = create_app(settings, clock)
                clients[name] = await stack.enter_async_context(running(apps[name]))
            started = time.monotonic()

            summary = await generate(clients, seed=2025, progress=print, wait_timeout=600)

            print(f"demo loaded in {time.monotonic() - started:.1f} s: {summary}")
            plan = build_plan(2025)
            assert summary.plan_digest == plan.digest()
            self.the_year_shows_the_reports_figures(summary)
            await self.the_ranking_is_published_with_ten_and_ten(clients["evaluation"], summary)
            await self.the_first_half_shows_its_share(clients["evaluation"], plan)
            await self.a_table_as_of_a_past_instant_ignores_what_was_recorded_later(clients["evaluation"], plan)
            await self.every_kind_of_event_happened(apps, plan, summary)
            await self.the_console_shows_the_years_figures_to_the_bureau(apps, clients["evaluation"], service_env)
            await self.erasing_an_officer_keeps_every_figure_and_makes_them_unreadable(apps, clients, plan)

    async def the_console_shows_the_years_figures_to_the_bureau(
        self, apps: dict[str, FastAPI], evaluation: httpx.AsyncClient, env: ServiceEnv
    ) -> None:
        """Signed in as the bureau, the console's overview of 2025 reads the year's figure table."""
        figures = (await evaluation.get("/figures", params=YEAR)).json()
        async with contextlib.AsyncExitStack() as stack:
            urls: dict[str, str] = {}
            for name, app in apps.items():  # the running apps (their runtimes started), now also on a port
                port = free_port()
                await stack.enter_async_context(_listening(app, port))
                urls[f"{name}_url"] = f"http://{HOST}:{port}"
            port = free_port()
            settings = ConsoleSettings(
                http_port=port,
                nats_url=env.nats.url,
                dev_signing_key_file=KEY_FILE,
                auth_public_key_file=PUBLIC_KEY_FILE,
                **urls,
            )
            await stack.enter_async_context(serving(console_app(settings), port))
            async with chromium() as browser:
                page = await signed_in(browser, f"http://{HOST}:{port}", "bureau")
                await page.goto(f"http://{HOST}:{port}/overview?from={YEAR['from']}&to={YEAR['to']}")
                await assert_overview_shows(page, figures)
                await shot(page, "demo-year-overview")

    def the_year_shows_the_reports_figures(self, summary: DemoSummary) -> None:
        assert summary.mismatches() == {}
        assert {name: summary.figures[name] for name in REPORT_FIGURES} == REPORT_FIGURES
        assert summary.figures["chiefs_per_enterprise_min"] == 3

    async def the_ranking_is_published_with_ten_and_ten(
        self, evaluation: httpx.AsyncClient, summary: DemoSummary
    ) -> None:
        ranking = (await evaluation.get("/rankings/2025")).json()
        published = ranking["published"]
        assert published is not None, "the 2025 ranking is published once the year is over"
        assert (len(published["models"]), len(published["laggards"])) == (10, 10)
        assert (summary.models, summary.laggards) == (10, 10)
        assert summary.ranked_officers > 40, "well over 20 chiefs have enough ratings and rated appeals"
        named = {o["officer_id"] for o in (*published["models"], *published["laggards"])}
        assert len(named) == 20
        assert all(o["sample"] >= ranking["guard"]["min_sample"] for o in published["models"])

    async def the_first_half_shows_its_share(self, evaluation: httpx.AsyncClient, plan: Plan) -> None:
        """January to June: who and what existed then, the work done then, forums with their appeals."""
        year, half = await _figures(evaluation, YEAR), await _figures(evaluation, FIRST_HALF)
        for name in STANDING:
            assert 0 < half[name] == plan.first_half[name], name
        assert half["forums_held"] == plan.first_half["forums_held"] > 0
        assert half["forum_appeals"] == plan.first_half["forum_appeals"] > 0
        for name in WORK:
            assert 0 < half[name] == plan.first_half[name] < year[name], name

    async def a_table_as_of_a_past_instant_ignores_what_was_recorded_later(
        self, evaluation: httpx.AsyncClient, plan: Plan
    ) -> None:
        """A dispute mediated on 27 June was entered on 3 July: the first half's table shows it, but not
        as the bureau knew it on 1 July; and on 1 July nothing dated later was known yet."""
        now = await _figures(evaluation, FIRST_HALF)
        then = await _figures(evaluation, {**FIRST_HALF, "as_of": JULY_1})
        assert then["disputes_mediated"] == now["disputes_mediated"] - plan.arranged["entered_late"]
        assert {n: then[n] for n in WORK if n != "disputes_mediated"} == {
            n: now[n] for n in WORK if n != "disputes_mediated"
        }
        whole_year_then = await _figures(evaluation, {**YEAR, "as_of": JULY_1})
        assert {n: whole_year_then[n] for n in WORK} == {n: then[n] for n in WORK}

    async def every_kind_of_event_happened(self, apps: dict[str, FastAPI], plan: Plan, summary: DemoSummary) -> None:
        kinds = {name: await _event_counts(app) for name, app in apps.items()}
        print("events by kind:", json.dumps(kinds, ensure_ascii=False, sort_keys=True))
        arranged = plan.arranged
        await self.absences_with_b_acting_and_the_refusals(apps["assignment"], kinds["assignment"], arranged, summary)
        await self.appeals_on_every_channel_warned_breached_escalated(apps["appeals"], kinds["appeals"], arranged)
        await self.revisits_due_overdue_and_handed_to_b(apps["patrols"], kinds["patrols"], arranged)
        evaluation = kinds["evaluation"]
        assert evaluation["ChiefRated"] == arranged["ratings"]
        assert evaluation["SpotCheckDrawn"] == evaluation["SpotCheckClosed"] == 4
        assert evaluation["SpotCheckAnswerRecorded"] == arranged["spot_check_answers"]
        assert evaluation["RankingPublished"] == 1
        periods = await _values(apps["evaluation"], "ChiefRated", "period")
        assert set(periods) == {"2025-03", "2025-06", "2025-09", "2025-12"}, "rated every quarter"

    async def absences_with_b_acting_and_the_refusals(
        self, app: FastAPI, kinds: Counter[str], arranged: dict[str, int], summary: DemoSummary
    ) -> None:
        assert kinds["AbsenceDeclared"] == arranged["absences"]
        assert kinds["AbsenceEnded"] >= arranged["absences_ended_early"] > 0
        reasons = Counter(
            r.split()[-1] for r in await _values(app, "ActingChiefChanged", "reason") if r.startswith("absence")
        )
        assert reasons["started"] > 0, "B acts from the morning A's leave begins (the acting worker)"
        assert reasons["declared"] > 0, "or at once, for sick leave taken the same morning"
        assert reasons["ended"] > 0, "A acts again when back"
        assert summary.refused == {"double_absence": 1, "partners_both_away": 1}
        declared = await _values(app, "AbsenceDeclared", "absence_id")
        assert "abs-refused" not in declared, "a refused absence is not recorded"
        assert kinds["NobodyActing"] == 0, "A and B are never away together"

    async def appeals_on_every_channel_warned_breached_escalated(
        self, app: FastAPI, kinds: Counter[str], arranged: dict[str, int]
    ) -> None:
        assert set(await _values(app, "AppealRaised", "channel")) == CHANNELS
        assert kinds["DeadlineWarningRaised"] >= arranged["appeals_warned"] + arranged["appeals_extended"]
        breached = Counter(await _values(app, "DeadlineBreached", "kind"))
        assert breached["first_response"] >= arranged["appeals_late_answer"] + arranged["appeals_neglected"]
        assert breached["resolution"] >= arranged["appeals_neglected"]
        climbed = Counter(await _values(app, "AppealEscalated", "to_tier"))
        assert climbed["station_chief"] >= arranged["appeals_late_answer"] + arranged["appeals_extension_refused"]
        assert climbed["bureau_leader"] >= arranged["appeals_neglected"]
        assert kinds["ExtensionRequested"] == arranged["appeals_extended"] + arranged["appeals_extension_refused"]
        assert kinds["ExtensionApproved"] == arranged["appeals_extended"]
        assert kinds["ExtensionRefused"] == arranged["appeals_extension_refused"]
        assert kinds["AppealReferred"] == kinds["DepartmentReportedBack"] == arranged["appeals_referred"]
        assert kinds["ReferralFollowedUp"] == arranged["appeals_referred"]
        assert kinds["AppealReopened"] == arranged["appeals_reopened"]
        assert kinds["AppealClosedUnresolved"] == arranged["appeals_closed"]
        assert kinds["CallbackRecorded"] == kinds["AppealRaised"] + kinds["AppealReopened"], "every outcome called back"
        assert "B" in await _values(app, "AppealRouted", "slot_acting"), "B takes appeals while A is away"
        late = await app.state.runtime.pool.fetchval(
            """SELECT count(*) FROM es.events WHERE event_type = 'AppealRaised'
               AND occurred_at - (data->>'received_at')::timestamptz > interval '12 hours'"""
        )
        assert late == arranged["appeals_paper"], "taken on paper, entered the next morning"

    async def revisits_due_overdue_and_handed_to_b(
        self, app: FastAPI, kinds: Counter[str], arranged: dict[str, int]
    ) -> None:
        assert set(await _values(app, "DutyScheduled", "kind")) == {"weekly_revisit", "leader_meeting", "inspection"}
        assert kinds["PatrolCompleted"] >= arranged["visits"]
        assert kinds["DutyOverdue"] >= arranged["visits_missed"]
        handed = await app.state.runtime.pool.fetchval(
            """SELECT count(*) FROM es.events o JOIN es.events r
                 ON r.aggregate_id = o.aggregate_id AND r.version = o.version + 1
               WHERE o.event_type = 'DutyOverdue' AND r.event_type = 'DutyReassigned'
                 AND r.data->>'reason' = 'a_away' AND o.aggregate_id LIKE '%weekly_revisit%'"""
        )
        assert handed >= arranged["revisits_handed_to_b"] > 0, "a revisit missed as A left goes to B"
        catch_ups = await app.state.runtime.pool.fetchval(
            "SELECT count(*) FROM es.events WHERE event_type = 'PatrolCompleted' AND data->>'visit_id' LIKE '%-late'"
        )
        assert catch_ups == arranged["revisits_handed_to_b"], "B catches up with an extra visit"
        late = await app.state.runtime.pool.fetchval(
            "SELECT count(*) FROM es.events WHERE event_type = 'DutyFulfilled' AND NOT (data->>'on_time')::boolean"
        )
        assert late > 0, "a visit after its duty fell due settles it, late"
        assert (
            kinds["HazardRectificationOverdue"]
            == arranged["hazards_rectified_late"] + arranged["hazards_past_deadline_open"]
        )
        assert kinds["HazardVerified"] > 0

    async def erasing_an_officer_keeps_every_figure_and_makes_them_unreadable(
        self, apps: dict[str, FastAPI], clients: dict[str, httpx.AsyncClient], plan: Plan
    ) -> None:
        """PIPL erasure on a whole year of data: the busiest police chief is erased, every service's
        projections are rebuilt from JetStream, and the reports come out the same, the person unreadable."""
        officer = max(plan.rated_appeals, key=lambda o: plan.rated_appeals[o])
        enrolment = next(c.body for c in plan.commands() if c.path == "/officers" and c.body["officer_id"] == officer)
        evaluation, assignment = clients["evaluation"], clients["assignment"]
        figures = _table(await evaluation.get("/figures", params=YEAR))
        ranking = _scores((await evaluation.get("/rankings/2025")).json())
        assert (await assignment.get(f"/officers/{officer}")).json()["name"] == enrolment["name"]

        erased = await assignment.post("/privacy/erasures", json={"subject": f"officer/{officer}"})
        assert erased.status_code == 200, erased.text
        for app in apps.values():
            runtime = app.state.runtime
            for projection in runtime.projections:
                if not projection.reactor:
                    await rebuild(runtime.pool, runtime.nc, projection)

        assert _table(await evaluation.get("/figures", params=YEAR)) == figures
        assert _scores((await evaluation.get("/rankings/2025")).json()) == ranking
        shown = (await assignment.get(f"/officers/{officer}")).json()
        assert (shown["name"], shown["phone"], shown["wechat_id"]) == ("[erased]", "[erased]", "[erased]")
        for name, app in apps.items():  # plain text nowhere: not in the log, not in any read model
            for value in (enrolment["phone"], enrolment["wechat_id"]):
                assert await _tables_holding(app.state.runtime.pool, value) == [], f"{name} holds {value}"


@contextlib.asynccontextmanager
async def _listening(app: FastAPI, port: int) -> AsyncIterator[None]:
    """`app`, already started by its client, also served on `port` (no second start: lifespan off)."""
    config = uvicorn.Config(app, host=HOST, port=port, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError(f"nothing listens on {port}")
        await asyncio.sleep(0.05)
    try:
        yield
    finally:
        server.should_exit = True
        await task


async def _figures(evaluation: httpx.AsyncClient, params: dict[str, str]) -> dict[str, int]:
    """The table's counts (a tally's total), without the rates and the instants."""
    response = await evaluation.get("/figures", params=params)
    assert response.status_code == 200, response.text
    found = {}
    for name, value in response.json().items():
        if isinstance(value, dict) and "total" in value:
            found[name] = int(value["total"])
        elif isinstance(value, int):
            found[name] = value
    return found


async def _event_counts(app: FastAPI) -> Counter[str]:
    rows = await app.state.runtime.pool.fetch("SELECT event_type, count(*) AS n FROM es.events GROUP BY event_type")
    return Counter({r["event_type"]: int(r["n"]) for r in rows})


async def _values(app: FastAPI, event_type: str, field: str) -> list[str]:
    rows = await app.state.runtime.pool.fetch(
        "SELECT data->>$2 AS v FROM es.events WHERE event_type = $1 ORDER BY position", event_type, field
    )
    return [r["v"] for r in rows]


def _table(response: httpx.Response) -> dict[str, object]:
    """The figure table without the instant it was read at."""
    assert response.status_code == 200, response.text
    return {k: v for k, v in response.json().items() if k != "as_of"}


def _scores(ranking: object) -> object:
    """The ranking without display names (an erased officer's name reads `[erased]`)."""
    return json.loads(json.dumps(ranking), object_hook=lambda d: {k: v for k, v in d.items() if "name" not in k})


async def _tables_holding(pool: asyncpg.Pool, value: str) -> list[str]:
    tables = await pool.fetch(
        """SELECT table_schema, table_name FROM information_schema.tables
           WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE'"""
    )
    found = []
    for t in tables:
        qualified = f'"{t["table_schema"]}"."{t["table_name"]}"'
        if await pool.fetchval(f"SELECT count(*) FROM {qualified} r WHERE r::text LIKE $1", f"%{value}%"):
            found.append(qualified)
    return found


class TestGivenASeed:
    def test_the_same_seed_gives_the_same_steps(self) -> None:
        assert build_plan(7).digest() == build_plan(7).digest()
        assert list(build_plan(7).commands()) == list(build_plan(7).commands())

    def test_another_seed_gives_other_commands(self) -> None:
        assert build_plan(7).digest() != build_plan(8).digest()

    def test_every_seed_plans_the_reports_figures(self) -> None:
        assert build_plan(8).expected == build_plan(2025).expected
        assert {k: build_plan(8).expected[k] for k in REPORT_FIGURES} == REPORT_FIGURES

    def test_the_plan_walks_the_year_forward_day_by_day(self) -> None:
        plan = build_plan(2025)
        instants = [step.at for step in plan.steps]
        assert instants == sorted(instants)
        assert len(set(instants)) == len(instants)
        days = {at.date() for at in instants}
        assert set(workdays(date(2025, 1, 2), date(2025, 12, 31))) <= days, "the services' passes run every working day"
        assert instants[-1] >= datetime(2026, 1, 1, tzinfo=BUREAU_TZ), "the ranking is published once 2025 is over"
        assert all(at < datetime(2026, 1, 1, tzinfo=BUREAU_TZ) for at in instants[:-1]), "the year's work is in it"

    def test_the_first_half_holds_some_of_every_kind_of_work(self) -> None:
        plan = build_plan(2025)
        for name in (*WORK, "forums_held", "forum_appeals"):
            assert 0 < plan.first_half[name] < plan.expected[name], name
