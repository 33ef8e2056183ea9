"""One async function per command: load the appeal once, decide with the domain, append at the version read.

Each reads the clock once (`deps.clock`) and hands that instant to the decision. A command on an appeal
loads its stream once, through `execute`: its hook first answers 404 for an appeal nobody raised, then
runs the caller's `authorize` on the loaded appeal, then checks the officer the command names (known
to this service, not retired), then reads what the decision needs besides the appeal (the enterprise's
chiefs, the appeal merged into), so the decision itself stays pure.

Only facts about someone count: an enterprise or officer this service does not know is refused with
`shared.subjects.require_known` (422 once it has applied everything assignment published, 409
`not_yet_known` while events are still arriving), except that a new appeal is never refused for
lateness: its enterprise not known yet, it is accepted and held by the duty desk.
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import Protocol, TypeVar

from jingzhang.appeals.domain import commands as c
from jingzhang.appeals.domain.calendar import bureau_day
from jingzhang.appeals.domain.deadlines import check_deadlines
from jingzhang.appeals.domain.departments import DEFAULT_DIRECTORY, DepartmentDirectory
from jingzhang.appeals.domain.duty_desk import decide_route_held
from jingzhang.appeals.domain.extensions import (
    decide_approve_extension,
    decide_refuse_extension,
    decide_request_extension,
)
from jingzhang.appeals.domain.feedback import decide_merge, decide_record_callback
from jingzhang.appeals.domain.handling import (
    decide_acknowledge,
    decide_close_unresolved,
    decide_follow_up,
    decide_refer,
    decide_report_back,
    decide_resolve,
)
from jingzhang.appeals.domain.intake import decide_raise
from jingzhang.appeals.domain.matters import (
    MATTER,
    AssignMatter,
    Matter,
    ReportMatter,
    check_matter,
    decide_assign,
    decide_complete,
    decide_progress,
    decide_report,
)
from jingzhang.appeals.domain.officers import KnownOfficer, require_serving
from jingzhang.appeals.domain.policy import DEFAULT_TIME_LIMITS, TimeLimits
from jingzhang.appeals.domain.recurring import (
    RECURRING,
    Cluster,
    RecurringProblem,
    decide_record,
    decide_verdict,
)
from jingzhang.appeals.domain.routing import ChiefsSnapshot
from jingzhang.appeals.domain.state import APPEAL, Appeal, AppealState
from jingzhang.appeals.domain.time_limit_policy import (
    POLICY_ID,
    TIME_LIMITS,
    ChangeTimeLimit,
    TimeLimitSchedule,
    decide_change,
)
from jingzhang.appeals.events import REGISTRY
from jingzhang.appeals.upstream.assignment import PRODUCER as ASSIGNMENT
from jingzhang.shared.aggregate import Authorize, Decided, execute, load
from jingzhang.shared.clock import Clock, IdFactory
from jingzhang.shared.envelope import Metadata, check_token
from jingzhang.shared.errors import ConcurrencyError, InvalidCommand, NotFound, NotYetKnown
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.store.protocol import EventStore
from jingzhang.shared.subjects import CaughtUp, require_found

Result = Decided[AppealState]
Decide = Callable[[Appeal, datetime], Sequence[DomainEvent]]
C = TypeVar("C")
T = TypeVar("T")


class ChiefsView(Protocol):
    """Who the enterprise's chiefs are as of `at` (the handler's clock reading, so a change recorded for a
    later date does not count yet); None for an enterprise this service has not seen registered."""

    async def snapshot(self, enterprise_id: str, at: datetime) -> ChiefsSnapshot | None: ...


class OfficersView(Protocol):
    """An officer as this service knows them; None for one it has not seen enrolled."""

    async def officer(self, officer_id: str) -> KnownOfficer | None: ...


@dataclass(frozen=True, slots=True)
class Deps:
    """What the handlers work with, built once by the composition root. `caught_up`: has this service
    applied everything the named producer published (`Runtime.caught_up`)?"""

    store: EventStore
    chiefs: ChiefsView
    officers: OfficersView
    caught_up: CaughtUp
    clock: Clock
    ids: IdFactory
    policy: TimeLimits = DEFAULT_TIME_LIMITS
    directory: DepartmentDirectory = DEFAULT_DIRECTORY


Named = tuple[str, str]
"""An officer a command names, and the field naming them."""


async def raise_appeal(
    deps: Deps, cmd: c.RaiseAppeal, meta: Metadata, *, authorize: Authorize[AppealState] | None = None
) -> Result:
    """Raised under the caller's id, or a new one; routed, or held at the duty desk. An enterprise nobody
    registered is refused (422 `unknown_enterprise`); one merely not known here yet is held.

    A retry under the same id answers what the first recorded (`Decided` of the raise's own events and
    version), or 409 `duplicate` when it says something else. `expected_version` other than 0 must be
    the stream's version; 0 (a new appeal) or none lets a retry find the appeal it raised."""
    now = deps.clock.now()
    cmd = cmd if cmd.appeal_id else replace(cmd, appeal_id=str(deps.ids()))
    appeal_id = _valid_id(cmd.appeal_id, "appeal_id")
    chiefs = await _enterprise(deps, cmd.enterprise_id, now)
    schedule = await time_limit_schedule(deps)
    expected = cmd.expected_version or None

    def decide(state: AppealState) -> Sequence[DomainEvent]:
        return decide_raise(state, cmd, now, chiefs, deps.policy, schedule)

    async def attempt() -> Result:
        return await execute(
            deps.store,
            REGISTRY,
            APPEAL,
            appeal_id,
            decide,
            meta=meta,
            now=now,
            expected_version=expected,
            authorize=authorize,
            assume_new=True,  # read the stream only when the append says it is not new (a retry, a race)
        )

    try:
        done = await attempt()
    except ConcurrencyError:
        if expected is not None:
            raise
        done = await attempt()  # raised by a concurrent request meanwhile: answer as a retry of it would
    return done if done.events else _first_answer(done.state)


def _first_answer(state: AppealState) -> Result:
    """What the raise that recorded `state` answered: its own events, and the version they brought it to."""
    assert isinstance(state, Appeal)  # a raise that recorded nothing found its appeal already raised
    return Decided(version=len(state.intake), events=state.intake, state=state)


async def _enterprise(deps: Deps, enterprise_id: str, now: datetime) -> ChiefsSnapshot | None:
    """The enterprise's chiefs as of `now`; None while it may merely be late here (the appeal waits at the
    duty desk)."""
    try:
        return await require_found(
            lambda: deps.chiefs.snapshot(enterprise_id, now),
            "enterprise",
            enterprise_id,
            field="enterprise_id",
            producer=ASSIGNMENT,
            caught_up=deps.caught_up,
        )
    except NotYetKnown:
        return None


async def acknowledge(
    deps: Deps, cmd: c.AcknowledgeAppeal, meta: Metadata, *, authorize: Authorize[AppealState] | None = None
) -> Result:
    decide = _with(decide_acknowledge, cmd)
    return await _on_appeal(
        deps, cmd.appeal_id, cmd.expected_version, meta, authorize, decide, (cmd.officer_id, "officer_id")
    )


async def resolve(
    deps: Deps, cmd: c.ResolveAppeal, meta: Metadata, *, authorize: Authorize[AppealState] | None = None
) -> Result:
    decide = _with(decide_resolve, cmd)
    return await _on_appeal(
        deps, cmd.appeal_id, cmd.expected_version, meta, authorize, decide, (cmd.resolved_by, "resolved_by")
    )


async def refer(
    deps: Deps, cmd: c.ReferAppeal, meta: Metadata, *, authorize: Authorize[AppealState] | None = None
) -> Result:
    def decide(appeal: Appeal, now: datetime) -> Sequence[DomainEvent]:
        return decide_refer(appeal, cmd, now, deps.directory)

    return await _on_appeal(
        deps, cmd.appeal_id, cmd.expected_version, meta, authorize, decide, (cmd.referred_by, "referred_by")
    )


async def follow_up(
    deps: Deps, cmd: c.FollowUpReferral, meta: Metadata, *, authorize: Authorize[AppealState] | None = None
) -> Result:
    decide = _with(decide_follow_up, cmd)
    named = (cmd.followed_up_by, "followed_up_by")
    return await _on_appeal(deps, cmd.appeal_id, cmd.expected_version, meta, authorize, decide, named)


async def report_back(
    deps: Deps, cmd: c.RecordDepartmentReport, meta: Metadata, *, authorize: Authorize[AppealState] | None = None
) -> Result:
    decide = _with(decide_report_back, cmd)
    return await _on_appeal(
        deps, cmd.appeal_id, cmd.expected_version, meta, authorize, decide, (cmd.recorded_by, "recorded_by")
    )


async def close_unresolved(
    deps: Deps, cmd: c.CloseUnresolved, meta: Metadata, *, authorize: Authorize[AppealState] | None = None
) -> Result:
    decide = _with(decide_close_unresolved, cmd)
    return await _on_appeal(
        deps, cmd.appeal_id, cmd.expected_version, meta, authorize, decide, (cmd.closed_by, "closed_by")
    )


async def request_extension(
    deps: Deps, cmd: c.RequestExtension, meta: Metadata, *, authorize: Authorize[AppealState] | None = None
) -> Result:
    def decide(appeal: Appeal, now: datetime) -> Sequence[DomainEvent]:
        return decide_request_extension(appeal, cmd, now, deps.policy)

    named = (cmd.requested_by, "requested_by")
    return await _on_appeal(deps, cmd.appeal_id, cmd.expected_version, meta, authorize, decide, named)


async def approve_extension(
    deps: Deps, cmd: c.ApproveExtension, meta: Metadata, *, authorize: Authorize[AppealState] | None = None
) -> Result:
    def decide(appeal: Appeal, now: datetime, chiefs: ChiefsSnapshot) -> Sequence[DomainEvent]:
        return decide_approve_extension(appeal, cmd, now, chiefs, deps.policy)

    chiefs, named = _chiefs_of(deps), (cmd.approved_by, "approved_by")
    return await _on_appeal_with(deps, cmd.appeal_id, cmd.expected_version, meta, authorize, chiefs, decide, named)


async def refuse_extension(
    deps: Deps, cmd: c.RefuseExtension, meta: Metadata, *, authorize: Authorize[AppealState] | None = None
) -> Result:
    def decide(appeal: Appeal, now: datetime, chiefs: ChiefsSnapshot) -> Sequence[DomainEvent]:
        return decide_refuse_extension(appeal, cmd, now, chiefs)

    chiefs, named = _chiefs_of(deps), (cmd.refused_by, "refused_by")
    return await _on_appeal_with(deps, cmd.appeal_id, cmd.expected_version, meta, authorize, chiefs, decide, named)


async def record_callback(
    deps: Deps, cmd: c.RecordCallback, meta: Metadata, *, authorize: Authorize[AppealState] | None = None
) -> Result:
    """`recorded_by` is whoever answered at the enterprise (a name), not an officer."""
    decide = _with(decide_record_callback, cmd)
    return await _on_appeal(deps, cmd.appeal_id, cmd.expected_version, meta, authorize, decide, None)


async def merge(
    deps: Deps, cmd: c.MergeAppeal, meta: Metadata, *, authorize: Authorize[AppealState] | None = None
) -> Result:
    """The appeal merged into is another stream, read (never written) once this one is found and authorized."""

    async def target(_: Appeal, __: datetime) -> AppealState:
        into = _valid_id(cmd.into_appeal_id, "into_appeal_id")
        state, _version = await load(deps.store, REGISTRY, APPEAL, into)
        return state

    def decide(appeal: Appeal, now: datetime, into: AppealState) -> Sequence[DomainEvent]:
        return decide_merge(appeal, cmd, now, into)

    named = (cmd.merged_by, "merged_by")
    return await _on_appeal_with(deps, cmd.appeal_id, cmd.expected_version, meta, authorize, target, decide, named)


async def check_appeal_deadlines(deps: Deps, cmd: c.CheckDeadlines, meta: Metadata) -> Result:
    """What the deadline worker runs for each due appeal: warnings, breaches and escalations as of now."""

    def decide(appeal: Appeal, now: datetime, chiefs: ChiefsSnapshot) -> Sequence[DomainEvent]:
        return check_deadlines(appeal, now, chiefs, deps.policy)

    return await _on_appeal_with(deps, cmd.appeal_id, None, meta, None, _chiefs_of(deps), decide, None)


async def route_held(deps: Deps, cmd: c.RouteHeldAppeal, meta: Metadata) -> Result:
    """What the duty desk runs for a held appeal whose enterprise has someone acting: the routing, as of now."""

    def decide(appeal: Appeal, now: datetime, chiefs: ChiefsSnapshot) -> Sequence[DomainEvent]:
        return decide_route_held(appeal, now, chiefs)

    return await _on_appeal_with(deps, cmd.appeal_id, None, meta, None, _chiefs_of(deps), decide, None)


async def _serving(deps: Deps, named: Named, now: datetime) -> None:
    """The officer a command names exists here and has not retired."""
    officer_id, field = named
    found = await require_found(
        lambda: deps.officers.officer(officer_id),
        "officer",
        officer_id,
        field=field,
        producer=ASSIGNMENT,
        caught_up=deps.caught_up,
    )
    require_serving(found, now, field)


def _chiefs_of(deps: Deps) -> Callable[[Appeal, datetime], Awaitable[ChiefsSnapshot]]:
    """The chiefs of the appeal's enterprise as of the decision's `now`; an empty snapshot if the projection
    knows none (nobody to climb to)."""

    async def read(appeal: Appeal, now: datetime) -> ChiefsSnapshot:
        return await deps.chiefs.snapshot(appeal.enterprise_id, now) or ChiefsSnapshot(appeal.enterprise_id)

    return read


def _with(decide: Callable[[AppealState, C, datetime], Sequence[DomainEvent]], cmd: C) -> Decide:
    return lambda appeal, now: decide(appeal, cmd, now)


async def _on_appeal(
    deps: Deps,
    appeal_id: str,
    expected_version: int | None,
    meta: Metadata,
    authorize: Authorize[AppealState] | None,
    decide: Decide,
    named: Named | None,
) -> Result:
    async def nothing(_: Appeal, __: datetime) -> None:
        return None

    def decide_alone(appeal: Appeal, now: datetime, _: None) -> Sequence[DomainEvent]:
        return decide(appeal, now)

    return await _on_appeal_with(deps, appeal_id, expected_version, meta, authorize, nothing, decide_alone, named)


async def _on_appeal_with(
    deps: Deps,
    appeal_id: str,
    expected_version: int | None,
    meta: Metadata,
    authorize: Authorize[AppealState] | None,
    context: Callable[[Appeal, datetime], Awaitable[T]],
    decide: Callable[[Appeal, datetime, T], Sequence[DomainEvent]],
    named: Named | None,
) -> Result:
    """Run `decide` on a raised appeal, loaded once; an id that names none is NotFound (404), not a refusal.

    The order of answers: 404 for no such appeal, then the caller's `authorize` (403), then the officer
    `named` (422 unknown, 409 not yet known or retired), then what `context` reads for the decision (as of
    the same `now` the decision is taken at), then a stale `expected_version` (409), then the decision."""
    _known_id(appeal_id)
    now = deps.clock.now()
    read: list[T] = []

    async def loaded(state: AppealState) -> None:
        appeal = _raised(state, appeal_id)
        if authorize is not None:
            await authorize(appeal)
        if named is not None:
            await _serving(deps, named, now)
        read.append(await context(appeal, now))

    def decided(state: AppealState) -> Sequence[DomainEvent]:
        return decide(_raised(state, appeal_id), now, read[0])

    return await execute(
        deps.store,
        REGISTRY,
        APPEAL,
        appeal_id,
        decided,
        meta=meta,
        now=now,
        expected_version=expected_version,
        authorize=loaded,
    )


def _raised(state: AppealState, appeal_id: str) -> Appeal:
    if not isinstance(state, Appeal):
        raise NotFound("appeal", appeal_id)
    return state


def _valid_id(value: str | None, field: str) -> str:
    try:
        return check_token(value or "", field)
    except ValueError as exc:
        raise InvalidCommand(str(exc), field=field) from None


def _known_id(appeal_id: str) -> None:
    try:
        check_token(appeal_id, "appeal id")
    except ValueError:
        raise NotFound("appeal", appeal_id) from None


# --- the bureau's time limits (issue 14 item 7) ----------------------------------------------------


async def time_limit_schedule(deps: Deps) -> TimeLimitSchedule:
    """Every change the bureau made to the time limits, as recorded."""
    schedule, _ = await load(deps.store, REGISTRY, TIME_LIMITS, POLICY_ID)
    return schedule


async def change_time_limit(deps: Deps, cmd: ChangeTimeLimit, meta: Metadata) -> Decided[TimeLimitSchedule]:
    """One category's limit from a business day on; appeals received from then take it."""
    now = deps.clock.now()
    today = bureau_day(now)
    return await execute(
        deps.store,
        REGISTRY,
        TIME_LIMITS,
        POLICY_ID,
        lambda state: decide_change(state, cmd, today),
        meta=meta,
        now=now,
    )


# --- recurring problems (issue 14 item 4) ------------------------------------------------------------


async def record_recurring(deps: Deps, cluster: Cluster, meta: Metadata) -> Decided[RecurringProblem]:
    """A cluster the detector found: recorded once, and again only when it grew."""
    now = deps.clock.now()
    return await execute(
        deps.store,
        REGISTRY,
        RECURRING,
        cluster.problem_id,
        lambda s: decide_record(s, cluster, now),
        meta=meta,
        now=now,
    )


async def judge_recurring(
    deps: Deps, problem_id: str, confirm: bool, note: str, meta: Metadata
) -> Decided[RecurringProblem]:
    """The bureau's verdict on a problem: confirmed (to be acted on) or dismissed."""
    _valid_id(problem_id, "problem_id")
    now = deps.clock.now()
    decide = partial(decide_verdict, problem_id=problem_id, confirm=confirm, note=note, now=now)
    return await execute(deps.store, REGISTRY, RECURRING, problem_id, decide, meta=meta, now=now)


# --- report up, assign, carry out (issue 14 item 5) ---------------------------------------------------


async def report_matter(
    deps: Deps, cmd: ReportMatter, meta: Metadata, *, authorize: Authorize[Matter] | None = None
) -> Decided[Matter]:
    """A chief of the enterprise reports a matter up; a retry under its id records nothing."""
    now = deps.clock.now()
    matter_id = _valid_id(cmd.matter_id or str(deps.ids()), "matter_id")
    cmd = replace(cmd, matter_id=matter_id)
    chiefs = await deps.chiefs.snapshot(cmd.enterprise_id, now)
    if chiefs is None:
        raise NotFound("enterprise", cmd.enterprise_id)
    decide = partial(decide_report, cmd=cmd, chiefs=chiefs, now=now)
    return await execute(deps.store, REGISTRY, MATTER, matter_id, decide, meta=meta, now=now, authorize=authorize)


async def _on_matter(
    deps: Deps,
    matter_id: str,
    decide: Callable[[Matter, datetime], Sequence[DomainEvent]],
    meta: Metadata,
    authorize: Authorize[Matter] | None,
    now: datetime | None = None,
) -> Decided[Matter]:
    """`now`: the caller's reading of the clock, when it already read something as of it; else read here."""
    now = now or deps.clock.now()
    _valid_id(matter_id, "matter_id")
    return await execute(
        deps.store, REGISTRY, MATTER, matter_id, lambda s: decide(s, now), meta=meta, now=now, authorize=authorize
    )


async def assign_matter(
    deps: Deps, cmd: AssignMatter, meta: Metadata, *, authorize: Authorize[Matter] | None = None
) -> Decided[Matter]:
    """The enterprise's bureau leader (or whoever acts for the tier) assigns it to a unit with a deadline."""
    found, _ = await load(deps.store, REGISTRY, MATTER, _valid_id(cmd.matter_id, "matter_id"))
    if found.reported is None:
        raise NotFound("matter", cmd.matter_id)
    now = deps.clock.now()
    chiefs = await deps.chiefs.snapshot(found.reported.enterprise_id, now)
    if chiefs is None:
        raise NotFound("enterprise", found.reported.enterprise_id)
    return await _on_matter(deps, cmd.matter_id, lambda s, at: decide_assign(s, cmd, chiefs, at), meta, authorize, now)


async def record_matter_progress(
    deps: Deps,
    matter_id: str,
    note: str,
    recorded_by: str,
    meta: Metadata,
    *,
    authorize: Authorize[Matter] | None = None,
) -> Decided[Matter]:
    return await _on_matter(deps, matter_id, lambda s, now: decide_progress(s, note, recorded_by, now), meta, authorize)


async def complete_matter(
    deps: Deps,
    matter_id: str,
    note: str,
    recorded_by: str,
    meta: Metadata,
    *,
    authorize: Authorize[Matter] | None = None,
) -> Decided[Matter]:
    return await _on_matter(deps, matter_id, lambda s, now: decide_complete(s, note, recorded_by, now), meta, authorize)


async def check_matter_deadline(deps: Deps, matter_id: str, meta: Metadata) -> Decided[Matter]:
    return await _on_matter(deps, matter_id, lambda s, now: check_matter(s, now), meta, None)
