"""The deadline worker: polls the deadline projection and records what is due.

It holds nothing in memory between polls: what to check comes from `appeal_deadlines`, which is
rebuilt from events, so a restart (or a second replica) picks up every pending deadline. Checking an
appeal twice is harmless: `check_deadlines` records each warning and breach once.
"""

import asyncio
import contextlib
import uuid

import structlog

from jingzhang.appeals import handlers
from jingzhang.appeals.domain.policy import TimeLimits
from jingzhang.appeals.projections import deadlines
from jingzhang.appeals.projections.chiefs import PostgresChiefs
from jingzhang.shared.clock import Clock
from jingzhang.shared.envelope import Metadata
from jingzhang.shared.errors import ConcurrencyError
from jingzhang.shared.runtime import Runtime
from jingzhang.shared.service import Worker

log = structlog.get_logger(__name__)

ACTOR = "appeals:deadline-worker"


async def check_due(runtime: Runtime, clock: Clock, policy: TimeLimits) -> int:
    """One pass: every appeal whose next check is due now; returns how many recorded something."""
    now = clock.now()
    chiefs = PostgresChiefs(runtime.pool)
    recorded = 0
    for appeal_id in await deadlines.due(runtime.pool, now):
        meta = Metadata(actor=ACTOR, correlation_id=uuid.uuid4())
        try:
            done = await handlers.check_appeal_deadlines(runtime.store, chiefs, appeal_id, now, meta, policy)
        except ConcurrencyError:
            continue  # someone acted on it meanwhile; the next pass decides again
        except Exception as exc:  # one broken appeal must not stop the others' deadlines
            log.error("deadlines.check_failed", appeal_id=appeal_id, error=repr(exc))
            continue
        if done.events:
            recorded += 1
            log.info("deadlines.recorded", appeal_id=appeal_id, events=[e.event_type for e in done.events])
    return recorded


def deadline_worker(clock: Clock, policy: TimeLimits, interval: float) -> Worker:
    async def run(runtime: Runtime, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await check_due(runtime, clock, policy)
            except Exception as exc:  # the database may be away for a while; keep polling
                log.warning("deadlines.pass_failed", error=repr(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)

    return run
