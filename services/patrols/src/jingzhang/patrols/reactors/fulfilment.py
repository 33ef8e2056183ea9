"""Reactor: a recorded visit fulfils the duty it settles, in the transaction that notes the visit.

It follows both the `visit` and the `duty` streams, because either may arrive first: a visit made
before the worker planned its duty (a newly registered enterprise) waits here as a pending visit
until the duty is scheduled. Its tables are its own memory of open duties and unmatched visits.
"""

import asyncpg

from jingzhang.patrols.domain.cadence import Duty, fulfils, pick_duty
from jingzhang.patrols.domain.common import VisitKind, local_date
from jingzhang.patrols.domain.duty import DutyFulfilled, DutyScheduled, DutyStatus, FulfilDuty, decide_fulfil
from jingzhang.patrols.domain.periods import Period
from jingzhang.patrols.domain.visit import PatrolCompleted
from jingzhang.patrols.domain.vocabulary import ChiefTier
from jingzhang.patrols.events import DUTY, REGISTRY
from jingzhang.shared.aggregate import load
from jingzhang.shared.envelope import Envelope, Metadata, NewEvent
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.projection import Projection, ReplayForbidsAppend, Source, Tx

SQL = """
CREATE TABLE IF NOT EXISTS open_duty (
    duty_id       text PRIMARY KEY,
    enterprise_id text NOT NULL,
    kind          text NOT NULL,
    tier          text NOT NULL,
    period_key    text NOT NULL,
    period_start  date NOT NULL,
    period_end    date NOT NULL,
    due_at        timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS open_duty_by_enterprise ON open_duty (enterprise_id, kind);
CREATE TABLE IF NOT EXISTS pending_visit (
    visit_id      text PRIMARY KEY,
    enterprise_id text NOT NULL,
    kind          text NOT NULL,
    started_at    timestamptz NOT NULL,
    body          jsonb NOT NULL
);
"""


async def apply(tx: Tx, env: Envelope, payload: DomainEvent) -> None:
    match payload:
        case PatrolCompleted():
            await _on_visit(tx, env, payload)
        case DutyScheduled():
            await _on_scheduled(tx, env, payload)
        case DutyFulfilled():
            await tx.conn.execute("DELETE FROM open_duty WHERE duty_id = $1", payload.duty_id)
        case _:
            return


async def _on_visit(tx: Tx, env: Envelope, visit: PatrolCompleted) -> None:
    rows = await tx.conn.fetch(
        "SELECT * FROM open_duty WHERE enterprise_id = $1 AND kind = $2", visit.enterprise_id, visit.kind.value
    )
    chosen = pick_duty([_duty(r) for r in rows], visit)
    if chosen is None:
        await tx.conn.execute(
            "INSERT INTO pending_visit VALUES ($1, $2, $3, $4, $5::jsonb) ON CONFLICT (visit_id) DO NOTHING",
            visit.visit_id,
            visit.enterprise_id,
            visit.kind.value,
            visit.started_at,
            visit.model_dump_json(),
        )
        return
    await _fulfil(tx, env, chosen, visit)


async def _on_scheduled(tx: Tx, env: Envelope, scheduled: DutyScheduled) -> None:
    duty = Duty(
        scheduled.duty_id, scheduled.enterprise_id, scheduled.kind, scheduled.tier, scheduled.period, scheduled.due_at
    )
    # one round trip: the duty noted, and the visits waiting for one of its enterprise and kind (the
    # insert does not touch what the query reads)
    rows = await tx.conn.fetch(
        "WITH noted AS (INSERT INTO open_duty VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (duty_id) DO NOTHING)"
        " SELECT body::text AS body FROM pending_visit WHERE enterprise_id = $2 AND kind = $3 ORDER BY started_at",
        duty.duty_id,
        duty.enterprise_id,
        duty.kind.value,
        duty.tier.value,
        duty.period.key,
        duty.period.start,
        duty.period.end,
        duty.due_at,
    )
    waiting = [v for v in (PatrolCompleted.model_validate_json(r["body"]) for r in rows) if fulfils(duty, v)]
    if waiting:
        # The same preference as `pick_duty`: a visit within the duty's own period first.
        own = [v for v in waiting if duty.period.contains(local_date(v.started_at))] or waiting
        await _fulfil(tx, env, duty, own[0])


async def _fulfil(tx: Tx, cause: Envelope, duty: Duty, visit: PatrolCompleted) -> None:
    if tx.store is None:
        raise ReplayForbidsAppend("the fulfilment reactor needs the live store")
    state, version = await load(tx.store, REGISTRY, DUTY, duty.duty_id)
    await tx.conn.execute("DELETE FROM open_duty WHERE duty_id = $1", duty.duty_id)
    if state.status is DutyStatus.FULFILLED and state.fulfilled_by != visit.visit_id:
        # Our memory was behind the stream: that duty is taken, so look again for this visit.
        await _on_visit(tx, cause, visit)
        return
    events = decide_fulfil(state, FulfilDuty(duty.duty_id, visit.visit_id, visit.started_at))
    meta = Metadata(actor="patrols-fulfilment", correlation_id=cause.correlation_id, causation_id=cause.event_id)
    await tx.append(DUTY.stream(duty.duty_id), version, [NewEvent(e, cause.occurred_at) for e in events], meta)
    await tx.conn.execute("DELETE FROM pending_visit WHERE visit_id = $1", visit.visit_id)


def _duty(row: asyncpg.Record) -> Duty:
    period = Period(key=row["period_key"], start=row["period_start"], end=row["period_end"])
    kind, tier = VisitKind(row["kind"]), ChiefTier(row["tier"])
    return Duty(row["duty_id"], row["enterprise_id"], kind, tier, period, row["due_at"])


REACTOR = Projection(
    name="patrols_fulfilment",
    schema_sql=SQL,
    sources=(Source("patrols", "duty"), Source("patrols", "visit")),
    registry=REGISTRY,
    apply=apply,
    reactor=True,
    description="Fulfils a duty with the visit that settles it (a reactor: appends DutyFulfilled)",
)
