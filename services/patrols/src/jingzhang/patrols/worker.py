"""The cadence worker: on every pass it plans, raises what is overdue and follows reassignments.

It keeps no memory of its own between passes: each pass reads the assignments and duties
projections and the hazards read model, so a restart simply runs the next pass. Every write goes
through a handler whose decision is idempotent (deterministic duty ids, "already overdue" is a
no-op), so a pass that reads a projection a little behind its own writes does no harm.
"""

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import structlog

from jingzhang.patrols import handlers
from jingzhang.patrols.domain.cadence import DEFAULT_RULES, CadenceRules, assignee, responsible
from jingzhang.patrols.domain.common import local_date
from jingzhang.patrols.domain.duty import DutyStatus, reassignments
from jingzhang.patrols.domain.planning import plan_ahead
from jingzhang.patrols.domain.snapshot import AssignmentSnapshot
from jingzhang.patrols.projections import assignments, duties, hazards
from jingzhang.shared.aggregate import Decided
from jingzhang.shared.clock import Clock
from jingzhang.shared.envelope import Metadata
from jingzhang.shared.errors import ConcurrencyError, DomainRejected
from jingzhang.shared.runtime import Runtime
from jingzhang.shared.service import Worker
from jingzhang.shared.store.protocol import EventStore

log = structlog.get_logger(__name__)

ACTOR = "patrols-cadence"


@dataclass
class PassReport:
    scheduled: int = 0
    overdue: int = 0
    reassigned: int = 0
    hazards_overdue: int = 0
    conflicts: list[str] = field(default_factory=list)


@dataclass
class CadencePass:
    pool: asyncpg.Pool
    store: EventStore
    clock: Clock
    rules: CadenceRules = DEFAULT_RULES

    async def run(self) -> PassReport:
        report = PassReport()
        meta = Metadata(actor=ACTOR, correlation_id=uuid.uuid4())  # one correlation per pass
        snapshot = await assignments.snapshot(self.pool)
        await self._plan(snapshot, meta, report)
        await self._duties(snapshot, meta, report)
        await self._hazards(meta, report)
        return report

    async def _plan(self, snapshot: AssignmentSnapshot, meta: Metadata, report: PassReport) -> None:
        now = self.clock.now()
        planned = plan_ahead(snapshot, local_date(now), self.rules)
        known = await duties.known_ids(self.pool, [d.duty_id for d in planned])
        for duty in planned:
            if duty.duty_id not in known:
                write = handlers.schedule_duty(self.store, self.clock, duty, assignee(duty, snapshot, now), meta)
                report.scheduled += await _count(write, duty.duty_id, report)

    async def _duties(self, snapshot: AssignmentSnapshot, meta: Metadata, report: PassReport) -> None:
        now = self.clock.now()
        # A suspended or closed enterprise owes no visits: its open duties are left alone, not missed.
        active = {e.enterprise_id for e in snapshot.enterprises}
        states = [s for s in await duties.open_states(self.pool) if s.duty and s.duty.enterprise_id in active]
        for state in states:
            duty = state.duty
            if duty is not None and state.status is DutyStatus.OPEN and duty.due_at <= now:
                write = handlers.mark_duty_overdue(
                    self.store, self.clock, duty.duty_id, responsible(duty, snapshot, now), meta
                )
                report.overdue += await _count(write, duty.duty_id, report)
        for command in reassignments(states, snapshot, now):
            write = handlers.reassign_duty(self.store, self.clock, command, meta)
            report.reassigned += await _count(write, command.duty_id, report)

    async def _hazards(self, meta: Metadata, report: PassReport) -> None:
        today = local_date(self.clock.now())
        for hazard in await hazards.open_hazards(self.pool, due_before=today):
            if hazard.status == "open":
                write = handlers.mark_rectification_overdue(self.store, self.clock, hazard.hazard_id, meta)
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


def cadence_worker(clock: Clock, poll_interval: float, rules: CadenceRules = DEFAULT_RULES) -> Worker:
    async def run(runtime: Runtime, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                report = await CadencePass(runtime.pool, runtime.store, clock, rules).run()
                if report.scheduled or report.overdue or report.reassigned or report.hazards_overdue:
                    log.info("cadence.pass", **{k: v for k, v in vars(report).items() if k != "conflicts"})
            except Exception as exc:  # a failed pass is retried by the next one
                log.warning("cadence.pass_failed", error=repr(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), poll_interval)

    return run
