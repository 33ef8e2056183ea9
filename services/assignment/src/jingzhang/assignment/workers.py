"""The acting-chief worker: when a future-dated absence starts or ends, who acts may change.

It reads the due boundaries from the `absence_boundaries` projection (so a restart loses nothing),
re-checks the acting chief of every enterprise the officer serves, then marks the boundary done.
Declaring or ending an absence that takes effect at once is re-checked by the handler already; the
worker's re-check of it records nothing.
"""

import asyncio
import contextlib
import uuid
from collections.abc import Callable
from datetime import datetime

import structlog

from jingzhang.assignment import handlers
from jingzhang.assignment.domain.calendar import AbsenceBook, is_away
from jingzhang.assignment.projections.absence_boundaries import Boundaries, Boundary
from jingzhang.shared.envelope import Metadata
from jingzhang.shared.runtime import Runtime
from jingzhang.shared.service import Worker

log = structlog.get_logger(__name__)

ACTOR = "assignment.acting-worker"


async def sweep(deps: handlers.Deps, boundaries: Boundaries) -> int:
    """Handle every boundary due now (the handlers' clock); returns how many."""
    due = await boundaries.due(deps.clock.now())
    for boundary in due:
        # not from `deps.ids`, the sequence new absences are named from: a sweep must not move it
        meta = Metadata(actor=ACTOR, correlation_id=uuid.uuid4())
        await handlers.recheck_acting_of(deps, boundary.officer_id, meta, _reason(boundary), deps.clock.now())
        await boundaries.mark_done(boundary)
    return len(due)


def _reason(boundary: Boundary) -> Callable[[datetime, AbsenceBook], str]:
    """Said as of the instant the check used: time may have passed the boundary's other edge too."""

    def why(now: datetime, absences: AbsenceBook) -> str:
        away = is_away(absences, boundary.officer_id, now)
        return f"absence {boundary.absence_id} {'started' if away else 'ended'}"

    return why


def acting_worker(deps: handlers.Deps, boundaries: Boundaries, interval: float) -> Worker:
    """Sweeps every `interval` seconds until the service stops."""

    async def run(_: Runtime, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await sweep(deps, boundaries)
            except Exception as exc:  # the boundaries stay due: the next sweep retries them
                log.warning("assignment.acting_sweep_failed", error=repr(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)

    return run
