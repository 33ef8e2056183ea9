"""Drives the services through a plan in business time: step by step, clock first, then the commands.

Each step of the plan:
1. moves every service's clock to the step's instant (`PUT /clock`), which runs their periodic passes
   at that time: deadlines (warnings, breaches, escalations), duties due and overdue, absences that
   begin or end, appeals the duty desk can now route;
2. if a command of the step depends on another service's projections (an appeal is routed to whoever
   acts; a spot check is drawn from the enterprises known; the ranking counts everything) or on what
   the clock's passes record (an escalation the day after a missed answer), waits until the services
   it needs have settled (its service and every service whose events it applies, transitively:
   `GET /clock` names them, `follows`), each reporting nothing on its way
   (`unsettled == 0`) twice in a row: before their clocks move (so their passes see everything sent
   before) and after (so the command sees what the passes recorded). The other services' clocks move
   meanwhile, and their consumers (evaluation's and notifications', for an appeal) catch up as they go;
3. sends the step's chains, concurrently (bounded), each chain's commands in order: a chain with no
   command that needs settling as soon as the clocks of its services have moved, the others once
   settled.
Steps that need no settling do not wait for the services' consumers: those catch up while the next
days are sent, and a command that comes too early is refused with a "not yet" code and retried.

A command refused with a "not yet" code (a projection of another service behind) is retried with
backoff; one refused with the code the plan expects (a rule the plan tests on purpose) is counted; any
other refusal stops the run. At the end: evaluation's figure table for the year and the ranking.
"""

import asyncio
import json
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import httpx

from jingzhang.app.demo.commands import Chain, Command
from jingzhang.app.demo.plan import Plan
from jingzhang.app.demo.timeline import Step

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
    """How many chiefs passed the ranking's minimum-sample guard (the last laggard's rank)."""
    models: int
    laggards: int
    steps: int = 0
    refused: Mapping[str, int] = field(default_factory=dict)
    """The refusals the plan asked for, by code, as the services answered them."""
    published: bool = False
    elapsed_seconds: float = field(default=0.0, compare=False)

    @property
    def matched(self) -> bool:
        return all(self.figures.get(name) == value for name, value in self.expected.items())

    def mismatches(self) -> dict[str, tuple[int, int | None]]:
        return {n: (v, self.figures.get(n)) for n, v in self.expected.items() if self.figures.get(n) != v}


@dataclass(slots=True)
class StepTiming:
    """Where one step's wall time went, in seconds. The parts overlap: the clocks of services nothing
    waits for move while the others settle, and chains that need nothing settled are sent meanwhile."""

    at: str
    commands: int
    settle_before: float = 0.0
    clock: float = 0.0
    """The slowest service's answer to `PUT /clock`."""
    clock_by_service: dict[str, float] = field(default_factory=dict)
    settle_after: float = 0.0
    wall: float = 0.0
    """The whole step, from settling (or moving the clocks) to the last command answered."""


@dataclass
class Timings:
    """Where a run's wall time went: totals over its steps, and each step's (`steps`)."""

    steps: list[StepTiming] = field(default_factory=list)
    settle_reads: int = 0
    """`GET /clock` rounds (one request per service each) while settling."""
    final_settle: float = 0.0

    def totals(self) -> dict[str, float]:
        out = {
            "settle_before": sum(s.settle_before for s in self.steps),
            "clock": sum(s.clock for s in self.steps),
            "settle_after": sum(s.settle_after for s in self.steps),
            "wall": sum(s.wall for s in self.steps),
            "final_settle": self.final_settle,
        }
        for step in self.steps:
            for service, seconds in step.clock_by_service.items():
                out[f"clock_{service}"] = out.get(f"clock_{service}", 0.0) + seconds
        return {k: round(v, 1) for k, v in out.items()}

    def summary(self) -> str:
        settled = sum(1 for s in self.steps if s.settle_before or s.settle_after)
        parts = ", ".join(f"{k} {v} s" for k, v in self.totals().items())
        return f"{len(self.steps)} steps ({settled} settled, {self.settle_reads} settle readings): {parts}"

    def dump(self, path: str) -> None:
        """Each step's timing as a JSON line (`JZ_DEMO_TIMINGS=path`)."""
        with open(path, "w", encoding="utf-8") as out:
            for step in self.steps:
                out.write(json.dumps(asdict(step)) + "\n")


PER_SERVICE = {"assignment": 2}
"""Fewer requests at once where a command holds locks across several reads (assignment's A/B rules)."""


@dataclass
class Runner:
    clients: Mapping[str, httpx.AsyncClient]
    concurrency: int = 8
    wait_timeout: float = 120.0
    progress: Progress | None = None
    _gates: dict[str, asyncio.Semaphore] = field(init=False)
    _refused: dict[str, int] = field(init=False, default_factory=dict)
    _follows: dict[str, tuple[str, ...]] = field(init=False, default_factory=dict)
    """Whose events each service applies (its `GET /clock`), read at the start."""
    timings: Timings = field(init=False, default_factory=Timings)

    def __post_init__(self) -> None:
        self._gates = {
            s: asyncio.Semaphore(min(self.concurrency, PER_SERVICE.get(s, self.concurrency))) for s in self.clients
        }

    def say(self, message: str) -> None:
        if self.progress is not None:
            self.progress(message)

    async def run(self, plan: Plan) -> DemoSummary:
        started = time.monotonic()
        await self.check_start(plan.steps[0].at)
        month = 0
        for step in plan.steps:
            if step.at.month != month and step.at.year == plan.year:
                month = step.at.month
                self.say(f"{step.at:%Y-%m}: {time.monotonic() - started:.0f} s")
            await self.step(step)
        self.say(f"the year is sent ({time.monotonic() - started:.0f} s); waiting for every service to apply it")
        settling = time.monotonic()
        await self.settle()
        self.timings.final_settle = time.monotonic() - settling
        self.say(self.timings.summary())
        if path := os.environ.get("JZ_DEMO_TIMINGS"):
            self.timings.dump(path)
        figures = await self.figures(plan.year)
        ranking = await self._get("evaluation", f"/rankings/{plan.year}")
        ranked = [*ranking["models"], *ranking["laggards"]]
        return DemoSummary(
            seed=plan.seed,
            year=plan.year,
            plan_digest=plan.digest(),
            commands=plan.counts(),
            expected=plan.expected,
            figures={n: figures.get(n) for n in sorted({*plan.expected, *_COUNTED})},
            ranked_officers=max((int(o["rank"]) for o in ranked), default=0),
            models=len(ranking["models"]),
            laggards=len(ranking["laggards"]),
            steps=len(plan.steps),
            refused=dict(self._refused),
            published=ranking.get("published") is not None,
            elapsed_seconds=round(time.monotonic() - started, 1),
        )

    async def check_start(self, first: datetime) -> None:
        """The services' clocks must not have passed the plan's first instant (a loaded state)."""
        for service in self.clients:
            reading = await self._get(service, "/clock")
            self._follows[service] = tuple(reading.get("follows", self.clients))
            now = datetime.fromisoformat(reading["now"])
            if now > first:
                raise DemoError(f"{service} reads {now.isoformat()}, after the demo's start: it holds data already")

    async def align_clocks(self) -> datetime:
        """Every service's clock to the latest of them (see `jingzhang.app.demo.align_clocks`)."""
        readings = await asyncio.gather(*(self._get(s, "/clock") for s in self.clients))
        latest = max(datetime.fromisoformat(r["now"]) for r in readings)
        await self.move_clocks(latest)
        return latest

    async def step(self, step: Step) -> None:
        timing = StepTiming(step.at.isoformat(), sum(len(chain) for chain in step.chains))
        self.timings.steps.append(timing)
        started = time.monotonic()
        needed = self.behind(step.needs_settled)
        moved = {service: asyncio.Event() for service in self.clients}
        held = [chain for chain in step.chains if any(command.settled for command in chain)]
        free = [chain for chain in step.chains if not any(command.settled for command in chain)]

        async def move(services: tuple[str, ...]) -> None:
            timing.clock_by_service.update(await self.move_clocks(step.at, services))
            for service in services:
                moved[service].set()

        async def settling() -> None:
            mark = time.monotonic()
            await self.settle(needed)  # their passes (deadlines, who acts) must see everything sent before
            timing.settle_before = time.monotonic() - mark
            await move(needed)
            mark = time.monotonic()
            await self.settle(needed)  # and what those recorded must be applied before the commands
            timing.settle_after = time.monotonic() - mark
            await asyncio.gather(*(self._chain(chain) for chain in held))

        async def when_moved(chain: Chain) -> None:
            # as on a step that needs nothing settled: once the clocks of its services have moved
            for service in dict.fromkeys(command.service for command in chain):
                await moved[service].wait()
            await self._chain(chain)

        others = tuple(service for service in self.clients if service not in needed)
        await asyncio.gather(move(others), *([settling()] if needed else []), *(when_moved(c) for c in free))
        timing.clock = max(timing.clock_by_service.values(), default=0.0)
        timing.wall = time.monotonic() - started

    async def move_clocks(self, to: datetime, services: tuple[str, ...] | None = None) -> dict[str, float]:
        """The clocks of `services` (default: all) to `to`, concurrently; how long each took to answer."""

        async def move(service: str) -> float:
            started = time.monotonic()
            response = await self.clients[service].put("/clock", json={"now": to.isoformat()})
            if not response.is_success:
                raise DemoError(f"{service} PUT /clock {to.isoformat()}: {response.status_code} {response.text}")
            return time.monotonic() - started

        moving = tuple(self.clients) if services is None else services
        took = await asyncio.gather(*(move(s) for s in moving))
        return dict(zip(moving, took, strict=True))

    def behind(self, commands: Iterable[Command]) -> tuple[str, ...]:
        """What must have settled for `commands`: their services and every service whose events those
        apply, transitively, so that their projections, and the passes that read them, are current
        (everything while the services' `follows` are not known). For an appeal: appeals, assignment
        (who acts) and patrols (forums), not evaluation and notifications. Patrols is needed beyond its
        forums: settled there every other day or so, a visit's fulfilment does not lag behind the
        cadence's pass (without it, a year had 502 duties overdue instead of 350, and a revisit missed
        as A left was not handed to B)."""
        found: set[str] = set()
        todo = [c.service for c in commands if c.service in self.clients]
        while todo:
            service = todo.pop()
            if service not in found:
                found.add(service)
                todo.extend(s for s in self._follows.get(service, self.clients) if s in self.clients)
        return tuple(s for s in self.clients if s in found)

    async def settle(self, services: tuple[str, ...] | None = None) -> None:
        """Until each of `services` (default: all) reports nothing unsettled, twice in a row (a reactor
        may record more after the first reading), or the wait runs out."""
        deadline = time.monotonic() + self.wait_timeout
        quiet = 0
        asked = tuple(self.clients) if services is None else services
        while quiet < 2:
            # quick: each answers at the first relay or consumer still busy (0 only when all are settled)
            readings = await asyncio.gather(*(self._get(s, "/clock", quick="true") for s in asked))
            self.timings.settle_reads += 1
            busy = sum(int(r["unsettled"]) for r in readings)
            quiet = quiet + 1 if busy == 0 else 0
            if time.monotonic() > deadline:
                raise DemoError(f"the services did not settle within {self.wait_timeout} s ({busy} unsettled)")
            if busy:  # a settled reading asks JetStream about every consumer: not too often
                await asyncio.sleep(min(0.05 + busy / 2000, 0.5))

    async def _chain(self, chain: Chain) -> None:
        for command in chain:
            await self.send(command)

    async def send(self, command: Command) -> None:
        deadline = time.monotonic() + self.wait_timeout
        delay = 0.02
        while True:
            async with self._gates[command.service]:
                response = await self.clients[command.service].post(command.path, json=command.body)
            code = _code(response)
            if command.refused:
                if response.status_code == 409 and code in command.refused:
                    self._refused[code] = self._refused.get(code, 0) + 1
                    return
                if response.is_success:
                    raise DemoError(f"{command.service} POST {command.path} was accepted; the plan expects a refusal")
            elif response.is_success:
                return
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
        """The year's table: each count (a tally's total, or a plain number), without rates or instants."""
        table = await self._get("evaluation", "/figures", **{"from": f"{year}-01-01", "to": f"{year + 1}-01-01"})
        found: dict[str, int | None] = {}
        for name, value in table.items():
            if isinstance(value, dict) and "total" in value:
                found[name] = int(value["total"])
            elif isinstance(value, int) or value is None:
                found[name] = value
        return found


# The figure table's counts worth reporting besides the expected ones.
_COUNTED = ("small_micro_enterprises", "chiefs_per_enterprise_min")


def _code(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("code", "")) if isinstance(body, dict) else ""
