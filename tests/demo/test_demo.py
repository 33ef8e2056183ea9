"""End to end: the demo generator through all four services' real HTTP APIs, PostgreSQL and NATS
yields exactly the report's figure table for its year, and its commands depend on the seed alone."""

import contextlib
import json
import time
from datetime import datetime

import asyncpg
import httpx
from fastapi import FastAPI
from nats.aio.client import Client as NATS

from jingzhang.app.demo import REPORT_FIGURES, build_plan, generate
from jingzhang.app.demo.commands import BUREAU_TZ
from jingzhang.appeals.bootstrap import create_app as appeals_app
from jingzhang.assignment.bootstrap import create_app as assignment_app
from jingzhang.evaluation.bootstrap import create_app as evaluation_app
from jingzhang.patrols.bootstrap import create_app as patrols_app
from jingzhang.shared.clock import ShiftedClock
from jingzhang.shared.replay import rebuild
from tests.apps import running
from tests.conftest import ServiceEnv

APPS = {
    "assignment": assignment_app,
    "appeals": appeals_app,
    "patrols": patrols_app,
    "evaluation": evaluation_app,
}
# New Year's Eve of the demo year: every dated activity is in the past, and what the services record
# with their own clock (enrolments, registrations, offices) stands when the year's table is read.
YEAR_END = datetime(2025, 12, 31, 20, tzinfo=BUREAU_TZ)


class TestGivenFourServicesAtTheYearsEnd:
    async def test_the_demo_year_yields_the_reports_figure_table(self, service_env: ServiceEnv, nc: NATS) -> None:
        clock = ShiftedClock(YEAR_END)  # advancing, as `jingzhang up --demo` runs: events keep their order in time
        async with contextlib.AsyncExitStack() as stack:
            clients: dict[str, httpx.AsyncClient] = {}
            apps: dict[str, FastAPI] = {}
            for name, create_app in APPS.items():
                settings = await service_env.settings(name, consumer_batch=128)
                apps[name] = create_app(settings, clock)
                clients[name] = await stack.enter_async_context(running(apps[name]))
            started = time.monotonic()

            summary = await generate(clients, seed=2025, progress=print, wait_timeout=120)

            print(f"demo loaded in {time.monotonic() - started:.1f} s: {summary}")
            assert summary.mismatches() == {}
            assert {name: summary.figures[name] for name in REPORT_FIGURES} == REPORT_FIGURES
            assert summary.figures["chiefs_per_enterprise_min"] == 3
            # All four services share one event loop here, so some appeals reach their holder later
            # than planned; a ranking must still exist and name both ends (10 and 10 with `up --demo`).
            assert summary.models >= 1
            assert summary.laggards >= 1
            assert summary.ranked_officers >= summary.models + summary.laggards
            assert summary.plan_digest == build_plan(2025).digest()

            await self.erasing_an_officer_keeps_every_figure_and_makes_them_unreadable(apps, clients)

    async def erasing_an_officer_keeps_every_figure_and_makes_them_unreadable(
        self, apps: dict[str, FastAPI], clients: dict[str, httpx.AsyncClient]
    ) -> None:
        """PIPL erasure on a whole year of data: the busiest police chief is erased, every service's
        projections are rebuilt from JetStream, and the reports come out the same, the person unreadable."""
        plan = build_plan(2025)
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


YEAR = {"from": "2025-01-01", "to": "2026-01-01"}


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
    def test_the_same_seed_gives_the_same_commands(self) -> None:
        assert list(build_plan(7).commands()) == list(build_plan(7).commands())

    def test_another_seed_gives_other_commands(self) -> None:
        assert build_plan(7).digest() != build_plan(8).digest()

    def test_every_seed_plans_the_reports_figures(self) -> None:
        assert build_plan(8).expected == build_plan(2025).expected
        assert {k: build_plan(8).expected[k] for k in REPORT_FIGURES} == REPORT_FIGURES
