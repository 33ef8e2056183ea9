"""Application layer: one async function per command, each a load/decide/append through `execute`.

Handlers take what they need as arguments (store, clock, metadata); the HTTP routes and the cadence
worker are their only callers. Unknown ids become `NotFound` here, not in the domain, because only
the application knows the difference between "no such stream" and "a stream in the wrong state".
"""

from collections.abc import Callable, Sequence

from jingzhang.patrols.domain import activity, duty, hazard, visit
from jingzhang.patrols.domain.activity import ActivityEvent, ActivityState, RecordActivity
from jingzhang.patrols.domain.cadence import Duty, Responsible
from jingzhang.patrols.domain.common import local_date
from jingzhang.patrols.domain.duty import DutyState, FulfilDuty, MarkDutyOverdue, ReassignDuty, ScheduleDuty
from jingzhang.patrols.domain.hazard import (
    HazardState,
    MarkRectificationOverdue,
    RecordHazard,
    RectifyHazard,
    VerifyHazard,
)
from jingzhang.patrols.domain.visit import RecordVisit, VisitState
from jingzhang.patrols.events import ACTIVITY, DUTY, HAZARD, REGISTRY, VISIT
from jingzhang.shared.aggregate import Aggregate, Decided, S, execute, load
from jingzhang.shared.clock import Clock
from jingzhang.shared.envelope import Metadata
from jingzhang.shared.errors import NotFound
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.store.protocol import EventStore

Decide = Callable[[S], Sequence[DomainEvent]]


async def _run(
    store: EventStore,
    clock: Clock,
    aggregate: Aggregate[S],
    aggregate_id: str,
    decide: Decide[S],
    meta: Metadata,
    expected_version: int | None,
) -> Decided[S]:
    return await execute(
        store, REGISTRY, aggregate, aggregate_id, decide, meta=meta, now=clock.now(), expected_version=expected_version
    )


# --- visits and activities -----------------------------------------------------------------------


async def record_visit(
    store: EventStore, clock: Clock, command: RecordVisit, meta: Metadata, expected_version: int | None = None
) -> Decided[VisitState]:
    return await _run(
        store, clock, VISIT, command.visit_id, lambda s: visit.decide_record_visit(s, command), meta, expected_version
    )


async def record_activity(
    store: EventStore, clock: Clock, recorded: ActivityEvent, meta: Metadata, expected_version: int | None = None
) -> Decided[ActivityState]:
    command = RecordActivity(recorded, local_date(clock.now()))
    return await _run(
        store,
        clock,
        ACTIVITY,
        recorded.activity_id,
        lambda s: activity.decide_record_activity(s, command),
        meta,
        expected_version,
    )


# --- hazards -------------------------------------------------------------------------------------


def _known_hazard(hazard_id: str, decide: Decide[HazardState]) -> Decide[HazardState]:
    def checked(state: HazardState) -> Sequence[DomainEvent]:
        if state.found is None:
            raise NotFound("hazard", hazard_id)
        return decide(state)

    return checked


async def hazard_enterprise(store: EventStore, hazard_id: str) -> str:
    """The enterprise a hazard was found at, read from its stream (authorization needs it before a command)."""
    state, _ = await load(store, REGISTRY, HAZARD, hazard_id)
    if state.found is None:
        raise NotFound("hazard", hazard_id)
    return state.found.enterprise_id


async def record_hazard(
    store: EventStore, clock: Clock, command: RecordHazard, meta: Metadata, expected_version: int | None = None
) -> Decided[HazardState]:
    return await _run(
        store, clock, HAZARD, command.hazard_id, lambda s: hazard.decide_record(s, command), meta, expected_version
    )


async def rectify_hazard(
    store: EventStore,
    clock: Clock,
    hazard_id: str,
    command: RectifyHazard,
    meta: Metadata,
    expected_version: int | None = None,
) -> Decided[HazardState]:
    decide = _known_hazard(hazard_id, lambda s: hazard.decide_rectify(s, command))
    return await _run(store, clock, HAZARD, hazard_id, decide, meta, expected_version)


async def verify_hazard(
    store: EventStore,
    clock: Clock,
    hazard_id: str,
    command: VerifyHazard,
    meta: Metadata,
    expected_version: int | None = None,
) -> Decided[HazardState]:
    decide = _known_hazard(hazard_id, lambda s: hazard.decide_verify(s, command))
    return await _run(store, clock, HAZARD, hazard_id, decide, meta, expected_version)


async def mark_rectification_overdue(
    store: EventStore, clock: Clock, hazard_id: str, meta: Metadata
) -> Decided[HazardState]:
    command = MarkRectificationOverdue(local_date(clock.now()))
    decide = _known_hazard(hazard_id, lambda s: hazard.decide_mark_overdue(s, command))
    return await _run(store, clock, HAZARD, hazard_id, decide, meta, None)


# --- duties --------------------------------------------------------------------------------------


def _known_duty(duty_id: str, decide: Decide[DutyState]) -> Decide[DutyState]:
    def checked(state: DutyState) -> Sequence[DomainEvent]:
        if state.duty is None:
            raise NotFound("duty", duty_id)
        return decide(state)

    return checked


async def schedule_duty(
    store: EventStore, clock: Clock, planned: Duty, assignee_officer_id: str | None, meta: Metadata
) -> Decided[DutyState]:
    command = ScheduleDuty(planned, assignee_officer_id)
    return await _run(store, clock, DUTY, planned.duty_id, lambda s: duty.decide_schedule(s, command), meta, None)


async def fulfil_duty(
    store: EventStore, clock: Clock, duty_id: str, command: FulfilDuty, meta: Metadata
) -> Decided[DutyState]:
    decide = _known_duty(duty_id, lambda s: duty.decide_fulfil(s, command))
    return await _run(store, clock, DUTY, duty_id, decide, meta, None)


async def mark_duty_overdue(
    store: EventStore, clock: Clock, duty_id: str, now_responsible: Responsible | None, meta: Metadata
) -> Decided[DutyState]:
    command = MarkDutyOverdue(clock.now(), now_responsible)
    decide = _known_duty(duty_id, lambda s: duty.decide_mark_overdue(s, command))
    return await _run(store, clock, DUTY, duty_id, decide, meta, None)


async def reassign_duty(store: EventStore, clock: Clock, command: ReassignDuty, meta: Metadata) -> Decided[DutyState]:
    decide = _known_duty(command.duty_id, lambda s: duty.decide_reassign(s, command))
    return await _run(store, clock, DUTY, command.duty_id, decide, meta, None)
