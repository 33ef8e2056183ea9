"""The acting-chief worker, a periodic pass by the service's clock: who acts changes as time passes.

When a future-dated absence starts or ends, who acts may change: the pass reads the due boundaries
from the `absence_boundaries` projection (so a restart loses nothing), re-checks the acting chief of
every enterprise the officer serves, then marks the boundary done. Declaring or ending an absence that
takes effect at once is re-checked by the handler already; the worker's re-check of it records nothing.
When a chief's term decided ahead begins or ends (`term_dates`), coverage changes: the pass settles
that enterprise as of its now.

It also settles what `duty_signals` finds due and unrecorded (a tier with nobody acting, a key
enterprise short of a B, in data recorded before those rules), so no such tier stays silent.
"""

import uuid
from collections.abc import Callable
from datetime import datetime

import structlog

from jingzhang.assignment import handlers
from jingzhang.assignment.domain.calendar import AbsenceBook, is_away
from jingzhang.assignment.projections.absence_boundaries import Boundaries, Boundary
from jingzhang.assignment.projections.duty_signals import DutySignals
from jingzhang.assignment.projections.term_dates import TermDates
from jingzhang.shared.envelope import Metadata
from jingzhang.shared.runtime import Runtime
from jingzhang.shared.ticks import Periodic

log = structlog.get_logger(__name__)

ACTOR = "assignment.acting-worker"
SETTLED = "acting re-checked: signals due"


async def sweep(deps: handlers.Deps, boundaries: Boundaries) -> int:
    """Handle every boundary due now (the handlers' clock); returns how many."""
    due = await boundaries.due(deps.clock.now())
    for boundary in due:
        await handlers.recheck_acting_of(deps, boundary.officer_id, _meta(), _reason(boundary), deps.clock.now())
        await boundaries.mark_done(boundary)
    return len(due)


async def sweep_terms(deps: handlers.Deps, dates: TermDates) -> int:
    """Settle every enterprise whose chiefs' terms decided ahead begin or end by now; returns how many."""
    due = await dates.due(deps.clock.now())
    for term_date in due:
        decided = await handlers.recheck_acting(
            deps, term_date.enterprise_id, _meta(), term_date.reason, deps.clock.now()
        )
        if decided is not None:  # kept conflicting: stays due for the next pass
            await dates.mark_done(term_date)
    return len(due)


async def settle_signals(deps: handlers.Deps, signals: DutySignals) -> int:
    """Record the nobody-acting and shortfall events due and missing; returns how many enterprises recorded."""
    recorded = 0
    for enterprise_id in await signals.unsettled(deps.clock.now()):
        decided = await handlers.recheck_acting(deps, enterprise_id, _meta(), SETTLED, deps.clock.now())
        if decided is not None and decided.events:
            recorded += 1
            log.info(
                "assignment.signals_settled", enterprise_id=enterprise_id, events=[e.event_type for e in decided.events]
            )
    return recorded


def _meta() -> Metadata:
    # not from `deps.ids`, the sequence new absences are named from: a pass must not move it
    return Metadata(actor=ACTOR, correlation_id=uuid.uuid4())


def _reason(boundary: Boundary) -> Callable[[datetime, AbsenceBook], str]:
    """Said as of the instant the check used: time may have passed the boundary's other edge too."""

    def why(now: datetime, absences: AbsenceBook) -> str:
        away = is_away(absences, boundary.officer_id, now)
        return f"absence {boundary.absence_id} {'started' if away else 'ended'}"

    return why


def acting_worker(
    deps: handlers.Deps, boundaries: Boundaries, dates: TermDates, signals: DutySignals, interval: float
) -> Periodic:
    """One pass every `interval` seconds (and at each move of a controlled clock) until the service stops."""

    async def tick(_: Runtime) -> int:
        return await sweep(deps, boundaries) + await sweep_terms(deps, dates) + await settle_signals(deps, signals)

    return Periodic("assignment.acting", interval, tick)
