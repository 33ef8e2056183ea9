"""A seeded schedule of faults, carried out one after another, and how long the system took to recover.

Kinds: `kill` (SIGKILL a service, start it again), `nats` (SIGKILL nats-server, start it again on the
same port and store), `postgres` (SIGQUIT the postmaster, start it again on the same data directory),
`pause` (SIGSTOP a service, SIGCONT it later). One seed gives one schedule: the order, the targets, how
long each stays down and the quiet gaps between them.

The chaos system runs its consumers with an ack wait of `system.ACK_WAIT` (12 s; CONSUMER_ACK_WAIT), so
the short schedule pauses a service for less than that; the long one (`--chaos-long`) pauses for longer,
so JetStream redelivers what the paused consumers had fetched and not acked.

Recovery is measured from the end of each fault (the process started again, the server back, SIGCONT):
`answered` is when every affected service first answered a read with a 2xx; `caught_up` is when every
projection of every service had applied every event recorded anywhere before the fault ended.
"""

import asyncio
import random
from dataclasses import dataclass, field

import asyncpg

from jingzhang.app.services import SERVICES
from tests.chaos.api import Api
from tests.chaos.system import ACK_WAIT, System
from tests.chaos.truth import Follower, Truth, eventually_reachable

PROBES = {
    "assignment": "/coverage-gaps",
    "appeals": "/appeals/unrouted",
    "patrols": "/hazards/open",
    "evaluation": "/audit?limit=1",
    "notifications": "/deliveries/summary",
}
"""A read of each service's own data; a service not named here (added since) is probed on its liveness
(its readiness answers 503 without `Retry-After`, which the checker rightly counts against a read)."""
SHORT_GAPS = (2.0, 4.0)
LONG_GAPS = (5.0, 10.0)
"""Quiet seconds before each fault: the short schedule keeps within its budget (see README), the long one
leaves more room between faults."""


def probe(service: str) -> str:
    return PROBES.get(service, "/health/live")


@dataclass(frozen=True)
class Fault:
    kind: str
    target: str
    down: float
    """Seconds the target stays down (killed, stopped) or paused."""
    gap: float
    """Quiet seconds before this fault begins."""

    def describe(self) -> str:
        return f"{self.kind} {self.target} for {self.down:.1f}s"

    @property
    def affected(self) -> tuple[str, ...]:
        return (self.target,) if self.target in SERVICES else SERVICES


SHORT_KILLS = 2
"""Services the short schedule kills (drawn by the seed); the long one kills every service."""


def plan(seed: int, *, long: bool) -> list[Fault]:
    """Every kind of fault once, shuffled by the seed: the short schedule kills `SHORT_KILLS` services
    drawn by the seed, the long one every service, in each of its two rounds."""
    rng = random.Random(seed)
    rounds = 2 if long else 1
    gaps = LONG_GAPS if long else SHORT_GAPS
    faults: list[Fault] = []
    for round_ in range(rounds):
        killed = SERVICES if long else tuple(rng.sample(SERVICES, SHORT_KILLS))
        kinds = [("kill", s) for s in killed] + [("nats", "nats"), ("postgres", "postgres")]
        kinds.append(("pause", rng.choice(SERVICES)))
        rng.shuffle(kinds)
        for kind, target in kinds:
            faults.append(Fault(kind, target, _down(rng, kind, long and round_ == 0), rng.uniform(*gaps)))
    return faults


def _down(rng: random.Random, kind: str, beyond_ack_wait: bool) -> float:
    if kind == "pause":
        return rng.uniform(ACK_WAIT + 3, ACK_WAIT + 8) if beyond_ack_wait else rng.uniform(6.0, 10.0)
    if kind == "kill":
        return rng.uniform(0.0, 2.0)
    return rng.uniform(1.0, 4.0)


@dataclass
class Outcome:
    fault: Fault
    started: float
    ended: float = 0.0
    answered: dict[str, float | None] = field(default_factory=dict)
    """Per affected service: seconds from the fault's end to its first 2xx answer (None: not within bound)."""
    caught_up: float | None = None
    lagging: list[str] = field(default_factory=list)
    """What was still behind when the bound ran out."""
    error: str | None = None


@dataclass
class Chaos:
    system: System
    api: Api
    truth: Truth
    followers: list[Follower]
    recovery_bound: float = 180.0
    outcomes: list[Outcome] = field(default_factory=list)
    _measuring: list[asyncio.Task[None]] = field(default_factory=list)

    async def run(self, faults: list[Fault]) -> None:
        for fault in faults:
            await asyncio.sleep(fault.gap)
            outcome = Outcome(fault, self.api.journal.now())
            self.outcomes.append(outcome)
            try:
                await self._inflict(fault)
            except Exception as exc:  # recorded and reported: a fault we could not carry out is a finding too
                outcome.error = f"{type(exc).__name__}: {exc}"
            outcome.ended = self.api.journal.now()
            self._measuring.append(asyncio.create_task(self._recovery(outcome)))

    async def settle(self) -> None:
        """Wait for every recovery measurement (each is bounded)."""
        await asyncio.gather(*self._measuring)

    async def _inflict(self, fault: Fault) -> None:
        if fault.kind == "kill":
            service = self.system.services[fault.target]
            service.kill()
            await asyncio.sleep(fault.down)
            service.start()
        elif fault.kind == "pause":
            service = self.system.services[fault.target]
            service.pause()
            try:
                await asyncio.sleep(fault.down)
            finally:
                service.resume()
        elif fault.kind == "nats":
            self.system.nats.kill()
            await asyncio.sleep(fault.down)
            await asyncio.to_thread(self.system.nats.start)
        elif fault.kind == "postgres":
            await asyncio.to_thread(self.system.pg.stop_immediately)
            await asyncio.sleep(fault.down)
            await asyncio.to_thread(self.system.pg.restart)
        else:
            raise ValueError(f"unknown fault kind {fault.kind}")

    async def _recovery(self, outcome: Outcome) -> None:
        answered = [self._answered(outcome, s) for s in outcome.fault.affected]
        await asyncio.gather(self._caught_up(outcome), *answered)

    async def _answered(self, outcome: Outcome, service: str) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.recovery_bound
        while loop.time() < deadline:
            attempt, _ = await self.api.send(service, "GET", probe(service), route="probe", probe=True)
            if attempt.ok:
                outcome.answered[service] = attempt.ended - outcome.ended
                return
            await asyncio.sleep(0.2)
        outcome.answered[service] = None

    async def _caught_up(self, outcome: Outcome) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.recovery_bound
        try:
            for service in SERVICES:
                await eventually_reachable(self.truth, service, self.recovery_bound)
            snapshot = await self.truth.all_versions()
        except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
            outcome.lagging = [f"no snapshot of the event stores: {exc}"]
            return
        taken = self.api.journal.now()
        while True:
            try:
                lagging = [
                    f"{f.name}: {late[0]} (+{len(late) - 1} more)"
                    for f in self.followers
                    if (late := await self.truth.behind(f, snapshot[f.source]))
                ]
            except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
                lagging = [f"unreadable: {exc}"]
            if not lagging:
                outcome.caught_up = max(self.api.journal.now(), taken) - outcome.ended
                return
            if loop.time() > deadline:
                outcome.lagging = lagging
                return
            await asyncio.sleep(0.5)
