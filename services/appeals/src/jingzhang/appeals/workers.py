"""The deadline worker: polls the deadline projection and records what is due.

It holds nothing in memory between polls: what to check comes from `appeal_deadlines`, which is
rebuilt from events, so a restart (or a second replica) picks up every pending deadline. Checking an
appeal twice is harmless: `check_deadlines` records each warning and breach once.
"""

import asyncio
import contextlib
import uuid
from collections.abc import Callable

import structlog

from jingzhang.appeals import handlers
from jingzhang.appeals.domain.commands import CheckDeadlines
from jingzhang.appeals.projections import deadlines
from jingzhang.shared.envelope import Metadata
from jingzhang.shared.errors import ConcurrencyError
from jingzhang.shared.runtime import Runtime
from jingzhang.shared.service import Worker

log = structlog.get_logger(__name__)

ACTOR = "appeals:deadline-worker"

DepsFactory = Callable[[Runtime], handlers.Deps]


async def check_due(runtime: Runtime, deps: handlers.Deps) -> int:
    """One pass: every appeal whose next check is due now; returns how many recorded something."""
    recorded = 0
    for appeal_id in await deadlines.due(runtime.pool, deps.clock.now()):
        # not from `deps.ids`, the sequence new appeals are named from: a pass must not move it
        meta = Metadata(actor=ACTOR, correlation_id=uuid.uuid4())
        try:
            done = await handlers.check_appeal_deadlines(deps, CheckDeadlines(appeal_id), meta)
        except ConcurrencyError:
            continue  # someone acted on it meanwhile; the next pass decides again
        except Exception as exc:  # one broken appeal must not stop the others' deadlines
            log.error("deadlines.check_failed", appeal_id=appeal_id, error=repr(exc))
            continue
        if done.events:
            recorded += 1
            log.info("deadlines.recorded", appeal_id=appeal_id, events=[e.event_type for e in done.events])
    return recorded


def deadline_worker(deps_for: DepsFactory, interval: float) -> Worker:
    """Checks every `interval` seconds, with the handlers' dependencies (and clock) the root gives it."""

    async def run(runtime: Runtime, stop: asyncio.Event) -> None:
        deps = deps_for(runtime)
        while not stop.is_set():
            try:
                await check_due(runtime, deps)
            except Exception as exc:  # the database may be away for a while; keep polling
                log.warning("deadlines.pass_failed", error=repr(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)

    return run
