"""Application handlers: one per command, `async def verb(deps, cmd, meta) -> Decided[State]`. Each reads
the clock once, resolves what the caller left out (a time is now, an absence id new), loads what its
decision reads, then decides and appends through `shared.aggregate.execute`, at the command's
`expected_version` when it gives one; the decide functions stay pure in `domain/`.

Enterprise decisions that may change who acts read the away intervals of the tier's holders from
their officer streams (same service, so reading them is no coupling). Declaring an absence and
assigning a chief read several officers' absences to keep A and B from being away together, so they
are serialised with other officers' decisions: see `locks.py`.

Streams are read through `dated.DatedStore`: an event recorded before business dates existed reads
as if dated the day it was recorded. Registering an enterprise and enrolling an officer may be
retried under the same id: the same content answers what the first request answered.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import takewhile
from typing import Protocol, TypeVar

import structlog

from jingzhang.assignment.dated import DatedStore
from jingzhang.assignment.domain import chiefs, lifecycle, offices
from jingzhang.assignment.domain import officer as officers
from jingzhang.assignment.domain.calendar import ALWAYS, AbsenceBook, Interval, partner_terms, partners_of
from jingzhang.assignment.domain.commands import (
    AddTaskForceMember,
    AssignChief,
    CloseEnterprise,
    ClosePoliceOffice,
    DeclareAbsence,
    EndAbsence,
    EnrolOfficer,
    FormTaskForce,
    OpenPoliceOffice,
    ReclassifyEnterprise,
    RegisterEnterprise,
    ReinstateEnterprise,
    RelieveChief,
    RemoveTaskForceMember,
    RetireOfficer,
    SuspendEnterprise,
    TransferOfficer,
)
from jingzhang.assignment.domain.enterprise import EnterpriseState, serving_from
from jingzhang.assignment.domain.officer import OfficerState, away_intervals
from jingzhang.assignment.events import ENTERPRISE, OFFICER, REGISTRY
from jingzhang.assignment.locks import OfficerLocks
from jingzhang.shared.aggregate import Aggregate, Decided, execute, fold, load, payloads
from jingzhang.shared.clock import Clock, IdFactory
from jingzhang.shared.envelope import Metadata
from jingzhang.shared.errors import ConcurrencyError, DomainRejected
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.store.protocol import EventStore

log = structlog.get_logger(__name__)

RECHECK_ATTEMPTS = 3
S = TypeVar("S")


class PostsIndex(Protocol):
    """A read model answering "which enterprises is this officer chief of" (eventually consistent)."""

    async def enterprises_of(self, officer_id: str, at: datetime) -> list[str]:
        """Where `officer_id` holds a post at `at` or from later: every term not ended by `at` (a chief
        relieved from next Monday is still a partner, and their absences still count, until Monday)."""
        ...


@dataclass(frozen=True, slots=True)
class Deps:
    """What the handlers work with, built once by the composition root (tests build theirs)."""

    store: EventStore
    clock: Clock
    ids: IdFactory
    posts: PostsIndex
    locks: OfficerLocks


EnterpriseDecide = Callable[[EnterpriseState], Sequence[DomainEvent]]
OfficerDecide = Callable[[OfficerState], Sequence[DomainEvent]]


async def _enterprise(
    deps: Deps,
    enterprise_id: str,
    decide: EnterpriseDecide,
    meta: Metadata,
    now: datetime,
    expected_version: int | None = None,
) -> Decided[EnterpriseState]:
    store = DatedStore(deps.store)
    return await execute(
        store, REGISTRY, ENTERPRISE, enterprise_id, decide, meta=meta, now=now, expected_version=expected_version
    )


async def _officer(
    deps: Deps,
    officer_id: str,
    decide: OfficerDecide,
    meta: Metadata,
    now: datetime,
    expected_version: int | None = None,
) -> Decided[OfficerState]:
    store = DatedStore(deps.store)
    return await execute(
        store, REGISTRY, OFFICER, officer_id, decide, meta=meta, now=now, expected_version=expected_version
    )


async def _created(
    deps: Deps,
    aggregate: Aggregate[S],
    aggregate_id: str,
    decide: Callable[[S], Sequence[DomainEvent]],
    meta: Metadata,
    now: datetime,
) -> Decided[S]:
    """A command that creates its aggregate: a retry (its decision records nothing) answers what the first
    request did. Of two first requests at once, the one that loses the race is decided again as a retry.
    The stream is taken to be new (`execute`'s `assume_new`): it is read only when the append says it is not."""
    store = DatedStore(deps.store)
    try:
        decided = await execute(store, REGISTRY, aggregate, aggregate_id, decide, meta=meta, now=now, assume_new=True)
    except ConcurrencyError:
        decided = await execute(store, REGISTRY, aggregate, aggregate_id, decide, meta=meta, now=now, assume_new=True)
    if decided.events:
        return decided
    return await _first_answer(store, aggregate, aggregate_id)


async def _first_answer(store: EventStore, aggregate: Aggregate[S], aggregate_id: str) -> Decided[S]:
    """What the stream's first command recorded: the events appended with its first event (one append
    shares its instant and its correlation id), and the version they brought the stream to."""
    history = await store.read_stream(aggregate.stream(aggregate_id))
    first = history[0]
    batch = list(
        takewhile(lambda e: (e.occurred_at, e.correlation_id) == (first.occurred_at, first.correlation_id), history)
    )
    events = payloads(batch, REGISTRY)
    return Decided(version=len(batch), events=events, state=fold(aggregate.evolve, aggregate.initial, events))


async def officer_state(store: EventStore, officer_id: str) -> OfficerState:
    state, _ = await load(DatedStore(store), REGISTRY, OFFICER, officer_id)
    return state


async def absence_book(store: EventStore, officer_ids: Iterable[str]) -> AbsenceBook:
    """The away intervals of `officer_ids`, read from their own streams."""
    return {oid: away_intervals(await officer_state(store, oid)) for oid in sorted(set(officer_ids))}


# --- enterprise lifecycle ----------------------------------------------------------------------


async def register_enterprise(deps: Deps, cmd: RegisterEnterprise, meta: Metadata) -> Decided[EnterpriseState]:
    now = deps.clock.now()
    decide: EnterpriseDecide = lambda s: lifecycle.register_enterprise(s, cmd, now=now)  # noqa: E731
    return await _created(deps, ENTERPRISE, cmd.enterprise_id, decide, meta, now)


async def reclassify_enterprise(deps: Deps, cmd: ReclassifyEnterprise, meta: Metadata) -> Decided[EnterpriseState]:
    now = deps.clock.now()
    decide: EnterpriseDecide = lambda s: lifecycle.reclassify_enterprise(s, cmd, now=now)  # noqa: E731
    return await _enterprise(deps, cmd.enterprise_id, decide, meta, now, cmd.expected_version)


async def suspend_enterprise(deps: Deps, cmd: SuspendEnterprise, meta: Metadata) -> Decided[EnterpriseState]:
    now = deps.clock.now()
    decide: EnterpriseDecide = lambda s: lifecycle.suspend_enterprise(s, cmd, now=now)  # noqa: E731
    return await _enterprise(deps, cmd.enterprise_id, decide, meta, now, cmd.expected_version)


async def reinstate_enterprise(deps: Deps, cmd: ReinstateEnterprise, meta: Metadata) -> Decided[EnterpriseState]:
    now = deps.clock.now()
    decide: EnterpriseDecide = lambda s: lifecycle.reinstate_enterprise(s, cmd, now=now)  # noqa: E731
    return await _enterprise(deps, cmd.enterprise_id, decide, meta, now, cmd.expected_version)


async def close_enterprise(deps: Deps, cmd: CloseEnterprise, meta: Metadata) -> Decided[EnterpriseState]:
    now = deps.clock.now()
    at = cmd.effective_from or now
    decide: EnterpriseDecide = lambda s: lifecycle.close_enterprise(s, cmd, at=at)  # noqa: E731
    return await _enterprise(deps, cmd.enterprise_id, decide, meta, now, cmd.expected_version)


# --- chiefs ------------------------------------------------------------------------------------


async def assign_chief(deps: Deps, cmd: AssignChief, meta: Metadata) -> Decided[EnterpriseState]:
    """The newcomer's and the partner's absences are read holding both officers' locks, so neither can
    declare an absence meanwhile, and the assignment is appended before they are released. The
    enterprise is decided at the version whose holders were read (a change meanwhile: read again)."""
    now = deps.clock.now()
    at = cmd.effective_from or now
    for attempt in range(1, RECHECK_ATTEMPTS + 1):
        current, version = await load(DatedStore(deps.store), REGISTRY, ENTERPRISE, cmd.enterprise_id)
        partners = {t.officer_id for t in partner_terms(current, cmd.tier, cmd.slot, Interval(at, ALWAYS.ends_at))}
        try:
            async with deps.locks.hold([cmd.officer_id, *sorted(partners)]) as locked:
                store = DatedStore(locked)
                officer = await officer_state(store, cmd.officer_id)
                absences = await absence_book(store, [*serving_from(current, at, [cmd.tier]), cmd.officer_id])
                decide: EnterpriseDecide = lambda s: chiefs.assign_chief(s, cmd, officer, absences, at=at, now=now)  # noqa: E731, B023
                pinned = version if cmd.expected_version is None else cmd.expected_version
                return await execute(
                    store, REGISTRY, ENTERPRISE, cmd.enterprise_id, decide, meta=meta, now=now, expected_version=pinned
                )
        except ConcurrencyError:
            if cmd.expected_version is not None or attempt == RECHECK_ATTEMPTS:
                raise
            log.info("assignment.assign_conflict", enterprise_id=cmd.enterprise_id, attempt=attempt)
    raise AssertionError("unreachable: the last attempt returns or raises")


async def relieve_chief(deps: Deps, cmd: RelieveChief, meta: Metadata) -> Decided[EnterpriseState]:
    now = deps.clock.now()
    at = cmd.effective_from or now
    current, _ = await load(DatedStore(deps.store), REGISTRY, ENTERPRISE, cmd.enterprise_id)
    absences = await absence_book(deps.store, serving_from(current, at, [cmd.tier]))
    decide: EnterpriseDecide = lambda s: chiefs.relieve_chief(s, cmd, absences, at=at, now=now)  # noqa: E731
    return await _enterprise(deps, cmd.enterprise_id, decide, meta, now, cmd.expected_version)


Reason = str | Callable[[datetime, AbsenceBook], str]
"""Why acting was re-checked; a function is told the instant and the absences the check used."""


async def recheck_acting(
    deps: Deps, enterprise_id: str, meta: Metadata, reason: Reason, now: datetime
) -> Decided[EnterpriseState] | None:
    """Record who acts for each tier at `now`; retried on a concurrent write, None if it kept conflicting.

    Giving up is safe: the absence boundaries the acting worker follows bring it back later.
    """
    for attempt in range(1, RECHECK_ATTEMPTS + 1):
        current, _ = await load(DatedStore(deps.store), REGISTRY, ENTERPRISE, enterprise_id)
        absences = await absence_book(deps.store, serving_from(current, now))
        why = reason if isinstance(reason, str) else reason(now, absences)
        decide: EnterpriseDecide = lambda s: chiefs.recheck_acting(s, absences, now, why)  # noqa: E731, B023
        try:
            return await _enterprise(deps, enterprise_id, decide, meta, now)
        except ConcurrencyError:
            log.info("assignment.recheck_conflict", enterprise_id=enterprise_id, attempt=attempt)
    return None


async def recheck_acting_of(deps: Deps, officer_id: str, meta: Metadata, reason: Reason, now: datetime) -> None:
    """Re-check who acts, at `now`, in every enterprise `officer_id` is chief of."""
    for enterprise_id in await deps.posts.enterprises_of(officer_id, now):
        await recheck_acting(deps, enterprise_id, meta, reason, now)


# --- task force and police office --------------------------------------------------------------


async def form_task_force(deps: Deps, cmd: FormTaskForce, meta: Metadata) -> Decided[EnterpriseState]:
    now = deps.clock.now()
    leader = await officer_state(deps.store, cmd.leader_officer_id)
    decide: EnterpriseDecide = lambda s: offices.form_task_force(s, cmd, leader)  # noqa: E731
    return await _enterprise(deps, cmd.enterprise_id, decide, meta, now, cmd.expected_version)


async def add_task_force_member(deps: Deps, cmd: AddTaskForceMember, meta: Metadata) -> Decided[EnterpriseState]:
    now = deps.clock.now()
    member = await officer_state(deps.store, cmd.officer_id)
    decide: EnterpriseDecide = lambda s: offices.add_task_force_member(s, cmd, member)  # noqa: E731
    return await _enterprise(deps, cmd.enterprise_id, decide, meta, now, cmd.expected_version)


async def remove_task_force_member(deps: Deps, cmd: RemoveTaskForceMember, meta: Metadata) -> Decided[EnterpriseState]:
    decide: EnterpriseDecide = lambda s: offices.remove_task_force_member(s, cmd)  # noqa: E731
    return await _enterprise(deps, cmd.enterprise_id, decide, meta, deps.clock.now(), cmd.expected_version)


async def open_police_office(deps: Deps, cmd: OpenPoliceOffice, meta: Metadata) -> Decided[EnterpriseState]:
    now = deps.clock.now()
    decide: EnterpriseDecide = lambda s: offices.open_police_office(s, cmd, now=now)  # noqa: E731
    return await _enterprise(deps, cmd.enterprise_id, decide, meta, now, cmd.expected_version)


async def close_police_office(deps: Deps, cmd: ClosePoliceOffice, meta: Metadata) -> Decided[EnterpriseState]:
    decide: EnterpriseDecide = lambda s: offices.close_police_office(s, cmd)  # noqa: E731
    return await _enterprise(deps, cmd.enterprise_id, decide, meta, deps.clock.now(), cmd.expected_version)


# --- officers ----------------------------------------------------------------------------------


async def enrol_officer(deps: Deps, cmd: EnrolOfficer, meta: Metadata) -> Decided[OfficerState]:
    now = deps.clock.now()
    decide: OfficerDecide = lambda s: officers.enrol_officer(s, cmd, now=now)  # noqa: E731
    return await _created(deps, OFFICER, cmd.officer_id, decide, meta, now)


async def transfer_officer(deps: Deps, cmd: TransferOfficer, meta: Metadata) -> Decided[OfficerState]:
    """The enterprises react (reactor `departures`): their posts end and gaps open."""
    now = deps.clock.now()
    at = cmd.effective_from or now
    decide: OfficerDecide = lambda s: officers.transfer_officer(s, cmd, at=at)  # noqa: E731
    return await _officer(deps, cmd.officer_id, decide, meta, now, cmd.expected_version)


async def retire_officer(deps: Deps, cmd: RetireOfficer, meta: Metadata) -> Decided[OfficerState]:
    now = deps.clock.now()
    at = cmd.effective_from or now
    decide: OfficerDecide = lambda s: officers.retire_officer(s, cmd, at=at)  # noqa: E731
    return await _officer(deps, cmd.officer_id, decide, meta, now, cmd.expected_version)


async def declare_absence(deps: Deps, cmd: DeclareAbsence, meta: Metadata) -> Decided[OfficerState]:
    """Refuses when an A/B partner is away at the same time, even if both declare at once.

    The partners come from the enterprises' own streams, read again once the locks of the officer and
    every partner are held (a partner assigned meanwhile, whose lock we lack: take it too and read
    again); their absences are read under the locks, and the absence is appended before the locks are
    released. Without an `absence_id` the absence gets a new one (the recorded `AbsenceDeclared` carries it).
    """
    now = deps.clock.now()
    absence_id = cmd.absence_id or deps.ids().hex
    enterprise_ids = await deps.posts.enterprises_of(cmd.officer_id, now)
    partner_ids = _partner_ids(await _enterprises(deps.store, enterprise_ids), cmd.officer_id, now)
    for _ in range(RECHECK_ATTEMPTS):
        async with deps.locks.hold([cmd.officer_id, *partner_ids]) as locked:
            store = DatedStore(locked)
            enterprises = await _enterprises(store, enterprise_ids)
            if not _partner_ids(enterprises, cmd.officer_id, now) <= partner_ids:
                partner_ids |= _partner_ids(enterprises, cmd.officer_id, now)
                continue
            absences = await absence_book(store, partner_ids)
            partners = [p for e in enterprises for p in partners_of(e, cmd.officer_id, absences, now)]
            decide: OfficerDecide = lambda s: officers.declare_absence(s, cmd, partners, absence_id=absence_id)  # noqa: E731, B023
            decided = await execute(
                store,
                REGISTRY,
                OFFICER,
                cmd.officer_id,
                decide,
                meta=meta,
                now=now,
                expected_version=cmd.expected_version,
            )
        if decided.events:
            await recheck_acting_of(deps, cmd.officer_id, meta, f"absence {absence_id} declared", now)
        return decided
    raise DomainRejected(
        f"officer {cmd.officer_id}'s A/B partners kept changing meanwhile: retry", code="stale_version"
    )


async def _enterprises(store: EventStore, enterprise_ids: Iterable[str]) -> list[EnterpriseState]:
    return [(await load(DatedStore(store), REGISTRY, ENTERPRISE, eid))[0] for eid in enterprise_ids]


def _partner_ids(enterprises: Iterable[EnterpriseState], officer_id: str, since: datetime) -> set[str]:
    return {p.partner_officer_id for e in enterprises for p in partners_of(e, officer_id, {}, since)}


async def end_absence(deps: Deps, cmd: EndAbsence, meta: Metadata) -> Decided[OfficerState]:
    now = deps.clock.now()
    at = cmd.ended_at or now
    decide: OfficerDecide = lambda s: officers.end_absence(s, cmd, at=at)  # noqa: E731
    decided = await _officer(deps, cmd.officer_id, decide, meta, now, cmd.expected_version)
    if decided.events:
        await recheck_acting_of(deps, cmd.officer_id, meta, f"absence {cmd.absence_id} ended", now)
    return decided
