"""End to end: the demo generator through all four services' real HTTP APIs, PostgreSQL and NATS
yields exactly the report's figure table for its year, and its commands depend on the seed alone."""

import contextlib
import time
from datetime import datetime

import httpx
from nats.aio.client import Client as NATS

from jingzhang.appeals.bootstrap import create_app as appeals_app
from jingzhang.assignment.bootstrap import create_app as assignment_app
from jingzhang.demo import REPORT_FIGURES, build_plan, generate
from jingzhang.demo.commands import BUREAU_TZ
from jingzhang.evaluation.bootstrap import create_app as evaluation_app
from jingzhang.patrols.bootstrap import create_app as patrols_app
from jingzhang.shared.clock import ShiftedClock
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
            for name, create_app in APPS.items():
                settings = await service_env.settings(name, consumer_batch=128)
                clients[name] = await stack.enter_async_context(running(create_app(settings, clock)))
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


class TestGivenASeed:
    def test_the_same_seed_gives_the_same_commands(self) -> None:
        assert list(build_plan(7).commands()) == list(build_plan(7).commands())

    def test_another_seed_gives_other_commands(self) -> None:
        assert build_plan(7).digest() != build_plan(8).digest()

    def test_every_seed_plans_the_reports_figures(self) -> None:
        assert build_plan(8).expected == build_plan(2025).expected
        assert {k: build_plan(8).expected[k] for k in REPORT_FIGURES} == REPORT_FIGURES
