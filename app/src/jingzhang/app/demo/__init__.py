"""The demo year: a year of the report's work, happening day by day in the four services.

`generate` builds a deterministic plan from `seed` (see `plan.build_plan`) and drives the services
through it in business time (`runner`): each step moves their controlled clocks (`PUT /clock`) to
the step's instant, which runs their periodic passes then, and sends that instant's commands through
their HTTP APIs: officers enrolled and enterprises registered with their chiefs, task forces and
police offices, absences with B acting (assignment); the cadence's visits, services, hazards,
disputes, cases, trainings, leaflets, joint patrols and forums (patrols); appeals on every channel,
answered, referred, extended, reopened, or left until the service warns, breaches and escalates them
(appeals); quarterly ratings and spot checks, and the ranking published once the year is over
(evaluation). Then it reads evaluation's figure table of the year and returns a summary.
"""

import contextlib
from collections.abc import Mapping
from datetime import datetime

import httpx

from jingzhang.app.demo.plan import REPORT_FIGURES, Plan, build_plan
from jingzhang.app.demo.runner import DemoError, DemoSummary, Progress, Runner

SERVICES = ("assignment", "appeals", "patrols", "evaluation")

__all__ = [
    "REPORT_FIGURES",
    "SERVICES",
    "DemoError",
    "DemoSummary",
    "Plan",
    "align_clocks",
    "build_plan",
    "generate",
]


async def generate(
    targets: Mapping[str, str | httpx.AsyncClient],
    seed: int = 2025,
    *,
    year: int = 2025,
    progress: Progress | None = None,
    concurrency: int = 8,
    wait_timeout: float = 120.0,
    token: str | None = None,
    group_sinks: str | None = None,
) -> DemoSummary:
    """Load the demo year into the services named in `targets` (base URL or a ready client each).

    The services must run on a controlled clock (`CLOCK_CONTROL`) that has not yet passed the year's
    first morning (`CLOCK_START`, e.g. 2025-01-01T08:00+08:00): the run moves it to the first working
    day after the year, where it keeps running. `token` (a bureau access token) authenticates the
    clients built here from URLs; given clients carry their own. `group_sinks` (the local WeCom robot
    sink's URL, as `up --demo` starts it) also registers each enterprise's WeChat group with the
    notifications service, which must then be among `targets`.
    """
    needed = (*SERVICES, "notifications") if group_sinks is not None else SERVICES
    missing = [s for s in needed if s not in targets]
    if missing:
        raise ValueError(f"no URL or client for {', '.join(missing)}")
    plan = build_plan(seed, year, group_sinks)
    async with contextlib.AsyncExitStack() as stack:
        clients = {name: await _client(stack, target, token) for name, target in targets.items()}
        return await Runner(clients, concurrency, wait_timeout, progress).run(plan)


async def align_clocks(targets: Mapping[str, str | httpx.AsyncClient], token: str | None = None) -> datetime:
    """Move every service's controlled clock to the latest of them, and return it.

    A restarted demo service resumes at its own latest event (the kernel's floor), which for a service
    that recorded nothing in the year's last weeks is earlier than the others: this puts the services
    of a loaded demo back on one time (the year's end, running on since)."""
    async with contextlib.AsyncExitStack() as stack:
        clients = {name: await _client(stack, target, token) for name, target in targets.items()}
        return await Runner(clients).align_clocks()


async def _client(
    stack: contextlib.AsyncExitStack, target: str | httpx.AsyncClient, token: str | None
) -> httpx.AsyncClient:
    if isinstance(target, httpx.AsyncClient):
        return target
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    # idle connections are dropped before the server's own keep-alive (uvicorn: 5 s) closes them, so a
    # request never goes out on a connection the service is closing
    limits = httpx.Limits(keepalive_expiry=2.0)
    client = httpx.AsyncClient(base_url=target, timeout=60.0, headers=headers, limits=limits)
    return await stack.enter_async_context(client)
