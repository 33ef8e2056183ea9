"""One chaos run: start the system, run the workload under the seed's fault schedule, let it settle,
check everything, and say what happened in figures."""

import asyncio
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

from jingzhang.app.services import SERVICES
from jingzhang.shared.auth import Role
from jingzhang.shared.streams import stream_name
from tests.auth import bearer
from tests.chaos import checker
from tests.chaos.api import Api, Limits
from tests.chaos.checker import Findings
from tests.chaos.faults import Chaos, Outcome, plan
from tests.chaos.journal import Journal
from tests.chaos.system import System
from tests.chaos.truth import Follower, Truth
from tests.chaos.workload import Workload

TAIL = {False: 6.0, True: 10.0}
"""Seconds the workload keeps running after the last fault (short, long schedule)."""
DRAIN_BOUND = 240.0
"""Seconds the workload's last scenarios get to finish once the schedule is over."""
QUIESCENCE_BOUND = 240.0


@dataclass
class Run:
    seed: int
    long: bool
    root: Path
    findings: Findings = field(default_factory=Findings)
    outcomes: list[Outcome] = field(default_factory=list)
    journal: Journal = field(default_factory=Journal)
    scenarios: int = 0
    phases: dict[str, float] = field(default_factory=dict)
    quiesced_after: float | None = None
    exits: list[str] = field(default_factory=list)
    """Services that exited by themselves (a start while a server was away) and were started again."""

    @property
    def failed(self) -> bool:
        return self.findings.failed


async def run(seed: int, *, long: bool, root: Path) -> Run:
    result = Run(seed, long, root)
    system = System(root)
    began = time.monotonic()
    try:
        await system.start()
        result.phases["start"] = time.monotonic() - began
        await _exercise(system, result)
    finally:
        await asyncio.to_thread(system.stop)
        result.phases["total"] = time.monotonic() - began
    return result


async def _exercise(system: System, result: Run) -> None:
    journal = result.journal = Journal()
    urls = {name: proc.url for name, proc in system.services.items()}
    api = Api(urls, bearer(Role.BUREAU, "chaos-workload"), journal, Limits())
    truth = Truth({s: system.database_url(s) for s in SERVICES}, system.nats.url)
    supervising = asyncio.Event()
    supervisor = asyncio.create_task(system.supervise(supervising, journal.now))
    try:
        followers = await truth.followers()
        load = Workload(api, random.Random(result.seed), f"s{result.seed}")
        await load.prepare()
        chaos = Chaos(system, api, truth, followers)
        result.outcomes = chaos.outcomes
        stop = asyncio.Event()
        working = asyncio.create_task(load.run(stop))
        began = journal.now()
        await chaos.run(plan(result.seed, long=result.long))
        await asyncio.sleep(TAIL[result.long])
        stop.set()
        result.phases["faults"] = journal.now() - began
        await _drain(working, result)
        result.scenarios = load.finished
        await chaos.settle()
        followers = _union(followers, await truth.followers())
        result.quiesced_after = await _quiesce(system, truth, followers, journal)
        if result.quiesced_after is None:
            result.findings.add("no quiescence", f"not settled within {QUIESCENCE_BOUND}s of the workload's end")
        await _check(api, truth, followers, result)
    finally:
        supervising.set()
        await supervisor
        result.exits = system.exits
        await api.close()


async def _drain(working: "asyncio.Task[None]", result: Run) -> None:
    try:
        await asyncio.wait_for(working, DRAIN_BOUND)
    except TimeoutError:
        result.findings.add("workload did not finish", f"scenarios still running {DRAIN_BOUND}s after the schedule")


def _union(first: list[Follower], second: list[Follower]) -> list[Follower]:
    return sorted(set(first) | set(second), key=lambda f: f.name)


async def _quiesce(system: System, truth: Truth, followers: list[Follower], journal: Journal) -> float | None:
    """Seconds until every service is ready, every event published and every projection up to date."""
    began = journal.now()
    await system.wait_ready(SERVICES, QUIESCENCE_BOUND)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + QUIESCENCE_BOUND
    while loop.time() < deadline:
        if await _quiet(truth, followers):
            return journal.now() - began
        await asyncio.sleep(1.0)
    return None


async def _quiet(truth: Truth, followers: list[Follower]) -> bool:
    versions = await truth.all_versions()
    for follower in followers:
        if await truth.behind(follower, versions[follower.source]):
            return False
    for service in SERVICES:
        stored = sum(versions[service].values())
        published = await truth.stream_size(stream_name(service))
        if published < stored:
            return False
    return True


async def _check(api: Api, truth: Truth, followers: list[Follower], result: Run) -> None:
    findings = result.findings
    checker.check_answers(result.journal.attempts, result.outcomes, findings)
    checker.check_refusals(result.journal.commands, findings)
    await checker.check_commands(truth, result.journal.commands, findings)
    await checker.check_stores(truth, findings)
    await checker.check_streams(truth, findings)
    await checker.check_projections(truth, followers, findings)
    await checker.check_read_models(api, truth, result.journal.commands, findings)
    for outcome in result.outcomes:
        if outcome.error:
            findings.add("fault not carried out", f"{outcome.fault.describe()}: {outcome.error}")
