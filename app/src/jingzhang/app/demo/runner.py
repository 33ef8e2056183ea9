"""Drives the services' HTTP APIs through a plan: bounded concurrency, retries, bounded waits.

Only a few things are waited for, each by polling with a deadline instead of per event:
- a command refused with a "not yet" code (a projection of another service behind) is retried with
  backoff: raising an appeal before the appeals service has the enterprise's chiefs, rating a chief
  before evaluation knows the term, handling a forum appeal before the forum reactor raised it, and
  any command naming an enterprise or officer a service does not know yet (`not_yet_known`), and
  work on an appeal the appeals service's duty desk still holds until it knows its chiefs (`not_routed`);
- at the end, evaluation's figure table is polled until it shows the plan's figures or time runs out.
"""

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from jingzhang.app.demo.commands import Chain, Command
from jingzhang.app.demo.plan import Plan

Progress = Callable[[str], None]

NOT_YET_ANYWHERE = ("not_yet_known", "not_routed")
"""409 codes that mean "not yet" whatever the command: retried like each command's own `retry` codes."""


class DemoError(RuntimeError):
    """A command the services refused for good, or a wait that ran out."""


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What was generated and what evaluation's figure table showed for the year afterwards."""

    seed: int
    year: int
    plan_digest: str
    commands: Mapping[str, int]
    expected: Mapping[str, int]
    figures: Mapping[str, int | None]
    ranked_officers: int
    models: int
    laggards: int
    elapsed_seconds: float = field(default=0.0, compare=False)

    @property
    def matched(self) -> bool:
        return all(self.figures.get(name) == value for name, value in self.expected.items())

    def mismatches(self) -> dict[str, tuple[int, int | None]]:
        return {n: (v, self.figures.get(n)) for n, v in self.expected.items() if self.figures.get(n) != v}


@dataclass
class Runner:
    clients: Mapping[str, httpx.AsyncClient]
    concurrency: int = 8
    wait_timeout: float = 120.0
    progress: Progress | None = None
    _gate: asyncio.Semaphore = field(init=False)

    def __post_init__(self) -> None:
        self._gate = asyncio.Semaphore(self.concurrency)

    def say(self, message: str) -> None:
        if self.progress is not None:
            self.progress(message)

    async def run(self, plan: Plan) -> DemoSummary:
        started = time.monotonic()
        for phase in plan.phases:
            self.say(f"{phase.name}: {sum(len(c) for c in phase.chains)} commands")
            await asyncio.gather(*(self._chain(chain) for chain in phase.chains))
        self.say("waiting for evaluation's figure table")
        await self.quiet()
        figures = await self.settled_figures(plan)
        ranking = await self.settled_ranking(plan)
        return DemoSummary(
            seed=plan.seed,
            year=plan.year,
            plan_digest=plan.digest(),
            commands=plan.counts(),
            expected=plan.expected,
            figures=figures,
            ranked_officers=len(ranking["models"]) + len(ranking["laggards"]),
            models=len(ranking["models"]),
            laggards=len(ranking["laggards"]),
            elapsed_seconds=round(time.monotonic() - started, 1),
        )

    async def _chain(self, chain: Chain) -> None:
        for command in chain:
            await self.send(command)

    async def send(self, command: Command) -> None:
        deadline = time.monotonic() + self.wait_timeout
        delay = 0.05
        while True:
            async with self._gate:
                response = await self.clients[command.service].post(command.path, json=command.body)
            if response.is_success:
                return
            code = _code(response)
            if response.status_code == 409 and code in command.done:
                return
            not_yet = code in command.retry or (response.status_code == 409 and code in NOT_YET_ANYWHERE)
            if response.status_code in (404, 409) and not_yet and time.monotonic() < deadline:
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)
                continue
            raise DemoError(f"{command.service} POST {command.path}: {response.status_code} {response.text}")

    async def _get(self, service: str, path: str, **params: str) -> Any:
        response = await self.clients[service].get(path, params=params)
        if not response.is_success:
            raise DemoError(f"{service} GET {path}: {response.status_code} {response.text}")
        return response.json()

    async def figures(self, year: int) -> dict[str, int | None]:
        table = await self._get("evaluation", "/figures", **{"from": f"{year}-01-01", "to": f"{year + 1}-01-01"})
        return {
            name: value["total"] if isinstance(value, dict) and "total" in value else value
            for name, value in table.items()
        }

    async def quiet(self) -> None:
        """Wait (bounded) until every relay has published everything and evaluation has consumed it all.

        Reads each service's own `/metrics`: the relay backlog and the consumers' JetStream lag. Two
        quiet readings in a row, since a reactor may still record events after the first.
        """
        deadline = time.monotonic() + self.wait_timeout
        quiet_in_a_row = 0
        while quiet_in_a_row < 2 and time.monotonic() < deadline:
            busy = 0.0
            for service in self.clients:
                response = await self.clients[service].get("/metrics")
                if response.is_success:
                    busy += _backlog(response.text)
            quiet_in_a_row = quiet_in_a_row + 1 if busy == 0 else 0
            await asyncio.sleep(0.5)

    async def settled_figures(self, plan: Plan) -> dict[str, int | None]:
        """Poll until the expected figures show (evaluation consumes four streams at its own pace)."""
        deadline = time.monotonic() + self.wait_timeout
        while True:
            found = await self.figures(plan.year)
            if all(found.get(n) == v for n, v in plan.expected.items()) or time.monotonic() > deadline:
                return {
                    n: found.get(n) for n in sorted({*plan.expected, *_COUNTED}) if isinstance(found.get(n), int | None)
                }
            await asyncio.sleep(0.5)

    async def settled_ranking(self, plan: Plan) -> dict[str, Any]:
        """Poll the appeal holders' scorecards until, in one pass, all show the rated appeals the plan
        gave them (a reopened appeal loses its rating until its next callback), then read the ranking."""
        deadline = time.monotonic() + self.wait_timeout
        waiting = dict(plan.rated_appeals)
        while waiting and time.monotonic() < deadline:
            short = {}
            for officer_id, rated in plan.rated_appeals.items():
                card = await self._get("evaluation", f"/officers/{officer_id}/scorecard", period=str(plan.year))
                if card["rated_appeals"] < rated:
                    short[officer_id] = rated
            waiting = short
            if waiting:
                await asyncio.sleep(0.5)
        if waiting:
            self.say(f"scorecards still short of their rated appeals: {sorted(waiting)}")
        ranking: dict[str, Any] = await self._get("evaluation", f"/rankings/{plan.year}")
        return ranking


# The figure table's counts worth reporting besides the expected ones.
_COUNTED = ("small_micro_enterprises", "chiefs_per_enterprise_min")


_BUSY_METRICS = ("jingzhang_relay_backlog", "jingzhang_consumer_lag")


def _backlog(metrics: str) -> float:
    """Sum of relay backlogs and consumer lags in a Prometheus text exposition."""
    total = 0.0
    for line in metrics.splitlines():
        if line.startswith(_BUSY_METRICS):
            total += float(line.rsplit(" ", 1)[1])
    return total


def _code(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("code", "")) if isinstance(body, dict) else ""
