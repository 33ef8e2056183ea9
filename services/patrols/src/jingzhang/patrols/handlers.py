"""Application layer: one async function per command, each a load/decide/append through `execute`.

A handler reads the clock once and passes the time to the decision; it draws the id of a new visit,
hazard or activity when the caller gave none. The HTTP routes and the cadence worker are its only
callers; a route that must check the caller against the loaded state passes `authorize`, so the
stream is loaded once. Unknown ids become `NotFound` here, not in the domain, because only the
application knows the difference between "no such stream" and "a stream in the wrong state".

A report of new work (a visit, a hazard found, an activity) is recorded once under its id: a retry
with the same facts records nothing and answers what the first did (version 1 and its event, even if
the stream has moved on since); other facts under the id are 409 `duplicate` (see the domain).

Only facts about someone count: every report of work is admitted through `execute`'s hook, after the
404 and the caller's check and before the decision. Each enterprise and officer it names must be one
the subjects projection knows (else `require_known`: 422 `unknown_<kind>` naming the field once
patrols has applied everything assignment published, 409 `not_yet_known` while it has not), and must
have existed, and not yet have closed or retired, when the work happened (`domain.subjects.check`).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import partial
from typing import Protocol, TypeVar

from jingzhang.patrols.domain import activity, duty, hazard, visit
from jingzhang.patrols.domain.activity import (
    ActivityState,
    DistributeLeaflets,
    HandleCase,
    HoldForum,
    HoldTraining,
    MediateDispute,
    RecordActivity,
    ServeOnBehalf,
)
from jingzhang.patrols.domain.cadence_policy import (
    POLICY_ID,
    VISIT_CADENCE,
    CadenceSchedule,
    ChangeVisitCadence,
    decide_change,
)
from jingzhang.patrols.domain.common import latest_day, local_date
from jingzhang.patrols.domain.duty import DutyState, FulfilDuty, MarkDutyOverdue, ReassignDuty, ScheduleDuty
from jingzhang.patrols.domain.hazard import (
    HazardState,
    MarkRectificationOverdue,
    RecordHazard,
    RectifyHazard,
    VerifyHazard,
)
from jingzhang.patrols.domain.subjects import Claim, Known
from jingzhang.patrols.domain.subjects import check as check_subjects
from jingzhang.patrols.domain.visit import RecordVisit, VisitState
from jingzhang.patrols.events import ACTIVITY, DUTY, HAZARD, REGISTRY, VISIT
from jingzhang.patrols.upstream.assignment import PRODUCER
from jingzhang.shared.aggregate import Aggregate, Authorize, Decided, S, execute, load
from jingzhang.shared.clock import Clock, IdFactory
from jingzhang.shared.envelope import Metadata
from jingzhang.shared.errors import ConcurrencyError, NotFound
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.store.protocol import EventStore
from jingzhang.shared.subjects import Named, require_all_known

Decide = Callable[[S], Sequence[DomainEvent]]
A = TypeVar("A", bound=RecordActivity)


class SubjectsView(Protocol):
    """The enterprises and officers this service knows of (`projections.subjects`)."""

    async def known(self, claim: Claim) -> Known:
        """What is known of each subject the claim names; an unknown one is absent."""
        ...

    async def caught_up(self, producer: str) -> bool:
        """Has this service applied everything `producer` published so far?"""
        ...


@dataclass(frozen=True, slots=True)
class Deps:
    """What every handler needs: the event store, the clock, the id factory and who exists."""

    store: EventStore
    clock: Clock
    ids: IdFactory
    subjects: SubjectsView

    def new_id(self, given: str | None) -> str:
        return given or str(self.ids())


async def _run(
    deps: Deps,
    aggregate: Aggregate[S],
    aggregate_id: str,
    decide: Decide[S],
    meta: Metadata,
    now: datetime,
    expected_version: int | None = None,
    authorize: Authorize[S] | None = None,
    assume_new: bool = False,
) -> Decided[S]:
    return await execute(
        deps.store,
        REGISTRY,
        aggregate,
        aggregate_id,
        decide,
        meta=meta,
        now=now,
        expected_version=expected_version,
        authorize=authorize,
        assume_new=assume_new,
    )


async def _record_once(
    deps: Deps,
    aggregate: Aggregate[S],
    aggregate_id: str,
    decide: Decide[S],
    meta: Metadata,
    now: datetime,
    expected_version: int | None,
    check: Authorize[S],
    first: Callable[[S], DomainEvent | None],
) -> Decided[S]:
    """A new stream's one report; `first` reads the recorded report off the state.

    With `expected_version` 0 (a new stream) or none, a retry, or a request that lost a race with the
    same report (`ConcurrencyError`, tried once more), finds what was recorded and answers as the first did.
    The stream is taken to be new (`execute`'s `assume_new`): it is read only when the append says otherwise."""
    expected = expected_version or None

    async def attempt() -> Decided[S]:
        return await _run(deps, aggregate, aggregate_id, decide, meta, now, expected, check, expected is None)

    try:
        decided = await attempt()
    except ConcurrencyError:
        if expected is not None:
            raise
        decided = await attempt()
    recorded = first(decided.state)
    if decided.events or recorded is None:
        return decided
    return Decided(version=1, events=[recorded], state=decided.state)


def _admitting(deps: Deps, claim: Claim, authorize: Authorize[S] | None) -> Authorize[S]:
    """The hook of a report of work: the caller's check first, then whom the report names."""

    async def check(state: S) -> None:
        if authorize is not None:
            await authorize(state)
        await admit(deps.subjects, claim)

    return check


async def admit(subjects: SubjectsView, claim: Claim) -> None:
    """Refuse a report naming someone unknown (or not known yet), or someone not there at its time."""

    def missing(known: Known) -> list[Named]:
        return [Named(m.kind.value, m.ident, m.field) for m in claim.mentions if not known.has(m)]

    known = await require_all_known(
        lambda: subjects.known(claim), missing, producer=PRODUCER, caught_up=subjects.caught_up
    )
    check_subjects(claim, known)


# --- visits --------------------------------------------------------------------------------------


async def record_visit(
    deps: Deps, cmd: RecordVisit, meta: Metadata, *, authorize: Authorize[VisitState] | None = None
) -> Decided[VisitState]:
    now = deps.clock.now()
    visit_id = deps.new_id(cmd.visit_id)
    cmd = replace(cmd, visit_id=visit_id)
    decide: Decide[VisitState] = partial(visit.decide_record_visit, command=cmd, now=now)
    check = _admitting(deps, cmd.claim(), authorize)
    return await _record_once(
        deps, VISIT, visit_id, decide, meta, now, cmd.expected_version, check, lambda s: s.recorded
    )


# --- activities ----------------------------------------------------------------------------------


async def _record_activity(
    deps: Deps,
    cmd: A,
    decide: Callable[[ActivityState, A, date], Sequence[DomainEvent]],
    meta: Metadata,
    authorize: Authorize[ActivityState] | None,
) -> Decided[ActivityState]:
    now = deps.clock.now()
    activity_id = deps.new_id(cmd.activity_id)
    cmd = cmd.model_copy(update={"activity_id": activity_id})
    latest = latest_day(now)
    check = _admitting(deps, cmd.claim(), authorize)

    def decision(state: ActivityState) -> Sequence[DomainEvent]:
        return decide(state, cmd, latest)

    return await _record_once(
        deps, ACTIVITY, activity_id, decision, meta, now, cmd.expected_version, check, lambda s: s.recorded
    )


async def mediate_dispute(
    deps: Deps, cmd: MediateDispute, meta: Metadata, *, authorize: Authorize[ActivityState] | None = None
) -> Decided[ActivityState]:
    return await _record_activity(deps, cmd, activity.decide_mediate_dispute, meta, authorize)


async def handle_case(
    deps: Deps, cmd: HandleCase, meta: Metadata, *, authorize: Authorize[ActivityState] | None = None
) -> Decided[ActivityState]:
    return await _record_activity(deps, cmd, activity.decide_handle_case, meta, authorize)


async def serve_on_behalf(
    deps: Deps, cmd: ServeOnBehalf, meta: Metadata, *, authorize: Authorize[ActivityState] | None = None
) -> Decided[ActivityState]:
    return await _record_activity(deps, cmd, activity.decide_serve_on_behalf, meta, authorize)


async def hold_training(
    deps: Deps, cmd: HoldTraining, meta: Metadata, *, authorize: Authorize[ActivityState] | None = None
) -> Decided[ActivityState]:
    return await _record_activity(deps, cmd, activity.decide_hold_training, meta, authorize)


async def distribute_leaflets(
    deps: Deps, cmd: DistributeLeaflets, meta: Metadata, *, authorize: Authorize[ActivityState] | None = None
) -> Decided[ActivityState]:
    return await _record_activity(deps, cmd, activity.decide_distribute_leaflets, meta, authorize)


async def hold_forum(
    deps: Deps, cmd: HoldForum, meta: Metadata, *, authorize: Authorize[ActivityState] | None = None
) -> Decided[ActivityState]:
    return await _record_activity(deps, cmd, activity.decide_hold_forum, meta, authorize)


# --- hazards -------------------------------------------------------------------------------------


def _existing_hazard(hazard_id: str, authorize: Authorize[HazardState] | None) -> Authorize[HazardState]:
    """An unknown hazard is not found, whoever asks; a known one is the caller's to check."""

    async def check(state: HazardState) -> None:
        if state.found is None:
            raise NotFound("hazard", hazard_id)
        if authorize is not None:
            await authorize(state)

    return check


async def record_hazard(
    deps: Deps, cmd: RecordHazard, meta: Metadata, *, authorize: Authorize[HazardState] | None = None
) -> Decided[HazardState]:
    now = deps.clock.now()
    hazard_id = deps.new_id(cmd.hazard_id)
    cmd = replace(cmd, hazard_id=hazard_id)
    decide: Decide[HazardState] = partial(hazard.decide_record, command=cmd, latest=latest_day(now))
    check = _admitting(deps, cmd.claim(), authorize)
    return await _record_once(
        deps, HAZARD, hazard_id, decide, meta, now, cmd.expected_version, check, lambda s: s.found
    )


async def rectify_hazard(
    deps: Deps, cmd: RectifyHazard, meta: Metadata, *, authorize: Authorize[HazardState] | None = None
) -> Decided[HazardState]:
    now = deps.clock.now()
    decide: Decide[HazardState] = partial(hazard.decide_rectify, command=cmd, latest=latest_day(now))
    check = _existing_hazard(cmd.hazard_id, _admitting(deps, cmd.claim(), authorize))
    return await _run(deps, HAZARD, cmd.hazard_id, decide, meta, now, cmd.expected_version, check)


async def verify_hazard(
    deps: Deps, cmd: VerifyHazard, meta: Metadata, *, authorize: Authorize[HazardState] | None = None
) -> Decided[HazardState]:
    now = deps.clock.now()
    decide: Decide[HazardState] = partial(hazard.decide_verify, command=cmd, latest=latest_day(now))
    check = _existing_hazard(cmd.hazard_id, _admitting(deps, cmd.claim(), authorize))
    return await _run(deps, HAZARD, cmd.hazard_id, decide, meta, now, cmd.expected_version, check)


async def mark_rectification_overdue(
    deps: Deps, cmd: MarkRectificationOverdue, meta: Metadata, *, authorize: Authorize[HazardState] | None = None
) -> Decided[HazardState]:
    now = deps.clock.now()
    decide: Decide[HazardState] = partial(hazard.decide_mark_overdue, command=cmd, today=local_date(now))
    check = _existing_hazard(cmd.hazard_id, authorize)
    return await _run(deps, HAZARD, cmd.hazard_id, decide, meta, now, None, check)


# --- duties --------------------------------------------------------------------------------------


def _existing_duty(duty_id: str, authorize: Authorize[DutyState] | None) -> Authorize[DutyState]:
    async def check(state: DutyState) -> None:
        if state.duty is None:
            raise NotFound("duty", duty_id)
        if authorize is not None:
            await authorize(state)

    return check


async def schedule_duty(
    deps: Deps, cmd: ScheduleDuty, meta: Metadata, *, authorize: Authorize[DutyState] | None = None
) -> Decided[DutyState]:
    decide: Decide[DutyState] = partial(duty.decide_schedule, command=cmd)
    return await _run(deps, DUTY, cmd.duty.duty_id, decide, meta, deps.clock.now(), None, authorize)


async def fulfil_duty(
    deps: Deps, cmd: FulfilDuty, meta: Metadata, *, authorize: Authorize[DutyState] | None = None
) -> Decided[DutyState]:
    decide: Decide[DutyState] = partial(duty.decide_fulfil, command=cmd)
    check = _existing_duty(cmd.duty_id, authorize)
    return await _run(deps, DUTY, cmd.duty_id, decide, meta, deps.clock.now(), None, check)


async def mark_duty_overdue(
    deps: Deps, cmd: MarkDutyOverdue, meta: Metadata, *, authorize: Authorize[DutyState] | None = None
) -> Decided[DutyState]:
    now = deps.clock.now()
    decide: Decide[DutyState] = partial(duty.decide_mark_overdue, command=cmd, now=now)
    check = _existing_duty(cmd.duty_id, authorize)
    return await _run(deps, DUTY, cmd.duty_id, decide, meta, now, None, check)


async def reassign_duty(
    deps: Deps, cmd: ReassignDuty, meta: Metadata, *, authorize: Authorize[DutyState] | None = None
) -> Decided[DutyState]:
    decide: Decide[DutyState] = partial(duty.decide_reassign, command=cmd)
    check = _existing_duty(cmd.duty_id, authorize)
    return await _run(deps, DUTY, cmd.duty_id, decide, meta, deps.clock.now(), None, check)


# --- the bureau's visit cadence (issue 14 item 7) --------------------------------------------------


async def cadence_schedule(deps: Deps) -> CadenceSchedule:
    """Every change the bureau made to the visit cadence, as recorded."""
    schedule, _ = await load(deps.store, REGISTRY, VISIT_CADENCE, POLICY_ID)
    return schedule


async def change_visit_cadence(deps: Deps, cmd: ChangeVisitCadence, meta: Metadata) -> Decided[CadenceSchedule]:
    """One class's rules from a business day on; the cadence worker plans the periods from then by them."""
    now = deps.clock.now()
    today = local_date(now)
    return await execute(
        deps.store, REGISTRY, VISIT_CADENCE, POLICY_ID, lambda s: decide_change(s, cmd, today), meta=meta, now=now
    )
