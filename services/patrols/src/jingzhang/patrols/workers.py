"""The cadence worker: on every pass it raises what is overdue, follows reassignments and plans.

It keeps no memory of its own between passes: each pass reads the assignments and duties
projections and the hazards read model, so a restart simply runs the next pass. Every write goes
through a handler whose decision is idempotent (deterministic duty ids, "already overdue" is a
no-op), so a pass that reads a projection a little behind its own writes does no harm.

A visit fulfils its duty only once the fulfilment reactor has applied it (store -> relay -> JetStream
-> reactor -> `DutyFulfilled` in the store). So before it marks a duty overdue or moves it to another
officer, a pass makes sure this service has applied every event of its own committed before the pass
began (`caught_up`): then every visit recorded before the pass has its `DutyFulfilled` in the store,
where the handler loads the duty from. When that cannot be shown within the wait, the pass records
no miss and no reassignment (`PassReport.deferred`) and the next pass does them. Planning writes new
streams only and goes on; hazards are not affected (a rectification is appended to the hazard's own
stream by its command, where `mark_rectification_overdue` loads it from, with no reactor between).

It is a `Periodic` of the kernel (`shared.ticks`): the kernel runs a pass every poll interval, and
under the demo's controlled clock once more at each new time (`PUT /clock`), by the clock the
worker was built with.
"""

import uuid
from collections.abc import Awaitable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import structlog

from jingzhang.patrols import handlers
from jingzhang.patrols.domain.cadence import DEFAULT_RULES, CadenceRules, assignee, responsible
from jingzhang.patrols.domain.common import local_date
from jingzhang.patrols.domain.duty import (
    DutyState,
    MarkDutyOverdue,
    ScheduleDuty,
    answering,
    decide_schedule,
    reassignments,
)
from jingzhang.patrols.domain.hazard import MarkRectificationOverdue
from jingzhang.patrols.domain.planning import plan_ahead
from jingzhang.patrols.domain.snapshot import AssignmentSnapshot
from jingzhang.patrols.events import DUTY, SERVICE
from jingzhang.patrols.handlers import Deps
from jingzhang.patrols.projections.assignments import PostgresAssignments
from jingzhang.patrols.projections.duties import PostgresDuties
from jingzhang.patrols.projections.hazards import PostgresHazards
from jingzhang.patrols.projections.subjects import PostgresSubjects
from jingzhang.shared.aggregate import Decided
from jingzhang.shared.clock import Clock, IdFactory
from jingzhang.shared.envelope import Metadata, NewEvent
from jingzhang.shared.errors import ConcurrencyError, DomainRejected
from jingzhang.shared.runtime import Runtime
from jingzhang.shared.store.postgres import PostgresEventStore
from jingzhang.shared.ticks import Periodic

log = structlog.get_logger(__name__)

ACTOR = "patrols-cadence"
PLAN_CHUNK = 256
"""New duties appended per transaction."""


@dataclass
class PassReport:
    scheduled: int = 0
    overdue: int = 0
    reassigned: int = 0
    hazards_overdue: int = 0
    deferred: int = 0
    """Misses and reassignments left for the next pass: own events still on their way to the reactor."""
    conflicts: list[str] = field(default_factory=list)

    @property
    def recorded(self) -> int:
        """How many duties and hazards this pass recorded something on."""
        return self.scheduled + self.overdue + self.reassigned + self.hazards_overdue


@dataclass
class CadencePass:
    """One pass: what it reads (assignments, duties, hazards) and the handlers' dependencies it writes with."""

    deps: Deps
    assignments: PostgresAssignments
    duties: PostgresDuties
    hazards: PostgresHazards
    rules: CadenceRules = DEFAULT_RULES
    writer: PostgresEventStore | None = None
    """Where new duties are appended in chunks (`_schedule`); None: one by one through the handler."""

    async def run(self) -> PassReport:
        report = PassReport()
        # one correlation per pass; not from `deps.ids`, which keeps new aggregates' ids a sequence of their own
        meta = Metadata(actor=ACTOR, correlation_id=uuid.uuid4())
        # the chiefs as of the business clock's now: a relief or assignment dated later has not happened yet
        snapshot = await self.assignments.snapshot(self.deps.clock.now())
        # the bureau's changes to the cadence, as recorded now (a change takes effect from its own day)
        rules = replace(self.rules, schedule=await handlers.cadence_schedule(self.deps))
        # misses first: `caught_up` then speaks of what was committed before the pass, not of its own plans
        await self._duties(snapshot, meta, report)
        await self._plan(snapshot, rules, meta, report)
        await self._hazards(meta, report)
        return report

    async def _plan(
        self, snapshot: AssignmentSnapshot, rules: CadenceRules, meta: Metadata, report: PassReport
    ) -> None:
        now = self.deps.clock.now()
        planned = plan_ahead(snapshot, local_date(now), rules)
        known = await self.duties.known_ids([d.duty_id for d in planned])
        new = [ScheduleDuty(d, assignee(d, snapshot, now)) for d in planned if d.duty_id not in known]
        for start in range(0, len(new), PLAN_CHUNK):
            await self._schedule(new[start : start + PLAN_CHUNK], now, meta, report)

    async def _schedule(self, chunk: list[ScheduleDuty], now: datetime, meta: Metadata, report: PassReport) -> None:
        """Duties the projection does not know, as new streams in one transaction, each decided by
        `decide_schedule` on an empty stream. If one of them is not new (the projection was behind this
        service's own plans, or another replica planned it), nothing of the chunk is kept and each goes
        through the handler, which loads its stream: a lost race on one loses none of the others."""
        if self.writer is not None:
            written = [(c, decide_schedule(DutyState(), c)) for c in chunk]
            try:
                async with self.writer.pool.acquire() as conn, conn.transaction():
                    for command, events in written:
                        stream = DUTY.stream(command.duty.duty_id)
                        await self.writer.append_in(conn, stream, 0, [NewEvent(e, now) for e in events], meta)
            except ConcurrencyError as exc:
                log.info("cadence.plan_chunk_conflict", duties=len(chunk), reason=str(exc))
            else:
                if self.writer.on_appended is not None:
                    self.writer.on_appended(True)  # committed: the relay may look now
                report.scheduled += len(chunk)
                return
        for command in chunk:
            write = handlers.schedule_duty(self.deps, command, meta)
            report.scheduled += await _count(write, command.duty.duty_id, report)

    async def _duties(self, snapshot: AssignmentSnapshot, meta: Metadata, report: PassReport) -> None:
        now = self.deps.clock.now()
        # A suspended or closed enterprise owes no visits: its open duties are left alone, not missed.
        # Only what can matter now is read: open duties due by now, and open ones not yet due whose
        # assignee is not who answers for them now (none, unless an assignment or absence changed).
        active = {e.enterprise_id for e in snapshot.enterprises}
        missed = [s.duty for s in await self.duties.due_states(now, active) if s.duty is not None]
        moves = reassignments(await self.duties.misassigned_states(now, answering(snapshot, now)), snapshot, now)
        if not (missed or moves):
            return
        if not await self.deps.subjects.caught_up(SERVICE):
            # a visit may be on its way to the reactor: neither blame its duty's officer nor move the duty
            report.deferred = len(missed) + len(moves)
            log.info("cadence.deferred", overdue=len(missed), reassignments=len(moves))
            return
        for duty in missed:
            overdue = MarkDutyOverdue(duty.duty_id, responsible(duty, snapshot, now))
            write = handlers.mark_duty_overdue(self.deps, overdue, meta)
            report.overdue += await _count(write, duty.duty_id, report)
        for command in moves:
            write = handlers.reassign_duty(self.deps, command, meta)
            report.reassigned += await _count(write, command.duty_id, report)

    async def _hazards(self, meta: Metadata, report: PassReport) -> None:
        today = local_date(self.deps.clock.now())
        for hazard in await self.hazards.open_hazards(due_before=today):
            if hazard.status == "open":
                write = handlers.mark_rectification_overdue(self.deps, MarkRectificationOverdue(hazard.hazard_id), meta)
                report.hazards_overdue += await _count(write, hazard.hazard_id, report)


async def _count(write: Awaitable[Decided[Any]], ident: str, report: PassReport) -> int:
    """1 if the write recorded something; a conflict is left for the next pass, not fatal to this one."""
    try:
        decided = await write
    except (ConcurrencyError, DomainRejected) as exc:
        report.conflicts.append(ident)
        log.info("cadence.skipped", ident=ident, reason=str(exc))
        return 0
    return 1 if decided.events else 0


def cadence_pass(runtime: Runtime, clock: Clock, ids: IdFactory, rules: CadenceRules = DEFAULT_RULES) -> CadencePass:
    """A pass over the started runtime's store and projections."""
    pool = runtime.pool_of
    deps = Deps(runtime.store, clock, ids, PostgresSubjects(pool, runtime.caught_up))
    duties = PostgresDuties(pool)
    return CadencePass(deps, PostgresAssignments(pool), duties, PostgresHazards(pool), rules, runtime.store)


def cadence_worker(clock: Clock, ids: IdFactory, poll_interval: float, rules: CadenceRules = DEFAULT_RULES) -> Periodic:
    """A pass every `poll_interval` seconds with the clock and ids it was built with; a failed pass is
    logged by the kernel and the next one tries again."""

    async def tick(runtime: Runtime) -> int:
        report = await cadence_pass(runtime, clock, ids, rules).run()
        if report.recorded or report.deferred:
            log.info("cadence.pass", **{k: v for k, v in vars(report).items() if k != "conflicts"})
        return report.recorded

    return Periodic("cadence", poll_interval, tick)
