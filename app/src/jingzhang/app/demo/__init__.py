"""The demo data generator: a year of the report's work, driven through the four services' HTTP APIs.

`generate` builds a deterministic plan from `seed` (see `plan.build_plan`) and sends it: officers and
enterprises with their chiefs, task forces and police offices (assignment); services, hazards,
disputes, cases, trainings, leaflets, joint patrols and forums (patrols); appeals through every
channel with resolutions, referrals and callbacks (appeals); ratings of chiefs (evaluation). Then it
waits for evaluation's figure table of the year to show the report's figures and returns a summary.
"""

import contextlib
from collections.abc import Mapping

import httpx

from jingzhang.app.demo.plan import REPORT_FIGURES, Plan, build_plan
from jingzhang.app.demo.runner import DemoError, DemoSummary, Progress, Runner

SERVICES = ("assignment", "appeals", "patrols", "evaluation")

__all__ = ["REPORT_FIGURES", "SERVICES", "DemoError", "DemoSummary", "Plan", "build_plan", "generate"]


async def generate(
    targets: Mapping[str, str | httpx.AsyncClient],
    seed: int = 2025,
    *,
    year: int = 2025,
    progress: Progress | None = None,
    concurrency: int = 8,
    wait_timeout: float = 120.0,
    token: str | None = None,
) -> DemoSummary:
    """Load the demo year into the services named in `targets` (base URL or a ready client each).

    The activities are dated in `year`; the services must be able to accept them (they refuse dates
    after their own today) and, for the standing figures (officers, enterprises, offices) to count in
    that year's table, must record them by the year's end: see README's demo section. `token` (a
    bureau access token) authenticates the clients built here from URLs; given clients carry their own.
    """
    missing = [s for s in SERVICES if s not in targets]
    if missing:
        raise ValueError(f"no URL or client for {', '.join(missing)}")
    plan = build_plan(seed, year)
    async with contextlib.AsyncExitStack() as stack:
        clients = {name: await _client(stack, target, token) for name, target in targets.items()}
        return await Runner(clients, concurrency, wait_timeout, progress).run(plan)


async def _client(
    stack: contextlib.AsyncExitStack, target: str | httpx.AsyncClient, token: str | None
) -> httpx.AsyncClient:
    if isinstance(target, httpx.AsyncClient):
        return target
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await stack.enter_async_context(httpx.AsyncClient(base_url=target, timeout=30.0, headers=headers))
