"""Time-driven work, run by the service's clock: periodic passes, and a clock the demo can drive.

A periodic worker is one pass (`tick`) that finds what is due by the service's clock (a warning, a
breach, an overdue duty, an absence that begins) and records it; the kernel runs it every `interval`
seconds. Under a controlled clock (the local demo year, `CLOCK_CONTROL=true`) the bureau's driver
moves the clock forward with `PUT /clock`, and every worker runs one pass at the new time before the
answer: what time causes then happens in order and the same way every run, as over a real year.
"""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import structlog

from jingzhang.shared.runtime import Runtime

log = structlog.get_logger(__name__)

Tick = Callable[[Runtime], Awaitable[int]]
"""One pass; returns how many things it recorded."""


@dataclass(frozen=True, slots=True)
class Periodic:
    name: str
    interval: float
    tick: Tick


@dataclass
class Ticker:
    """Runs each periodic worker in its own loop; `run_all` runs each once more, now, in turn with its loop."""

    runtime: Runtime
    workers: Sequence[Periodic]
    _locks: dict[str, asyncio.Lock] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self._locks = {w.name: asyncio.Lock() for w in self.workers}

    async def loop(self, worker: Periodic, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.run_once(worker)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), worker.interval)

    async def run_once(self, worker: Periodic) -> int:
        async with self._locks[worker.name]:
            try:
                return await worker.tick(self.runtime)
            except Exception as exc:  # the database may be away for a while: the next pass tries again
                log.warning("worker.pass_failed", worker=worker.name, error=repr(exc))
                return 0

    async def run_all(self) -> dict[str, int]:
        return {w.name: await self.run_once(w) for w in self.workers}


class ClockMovedBack(ValueError):
    """The service's time never goes backwards."""

    def __init__(self, asked: datetime, now: datetime) -> None:
        super().__init__(f"the clock never goes back: asked for {asked.isoformat()}, it reads {now.isoformat()}")
