"""When an officer retires or transfers, every enterprise where they hold a post relieves them.

The reactor follows both aggregates: from `ChiefAssigned` it learns where each officer was ever
posted, from `OfficerRetired`/`OfficerTransferred` that they left. The two streams arrive in no fixed
order, so whichever comes second triggers the relief: a departure relieves every enterprise the
officer was posted to, and an assignment that was recorded before a departure (by store position) but
is only seen after it is relieved on arrival. An assignment recorded *after* a transfer is a new
post and stays.

The relief is decided by `chiefs.relieve_departed_officer` on the enterprise's stream as stored and
appended in the reactor's transaction with ids derived from the triggering event, so a redelivery
records nothing twice.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from jingzhang.assignment.domain.chiefs import relieve_departed_officer
from jingzhang.assignment.domain.enterprise import serving_from
from jingzhang.assignment.domain.events import ChiefAssigned, OfficerRetired, OfficerTransferred
from jingzhang.assignment.domain.officer import away_intervals
from jingzhang.assignment.events import ENTERPRISE, OFFICER, REGISTRY, SERVICE
from jingzhang.shared.aggregate import fold, payloads
from jingzhang.shared.envelope import Envelope, Metadata, NewEvent
from jingzhang.shared.errors import ConcurrencyError
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.projection import Projection, Source, Tx
from jingzhang.shared.store.postgres import PostgresEventStore

ACTOR = "assignment.departures"
EVENT_IDS = uuid.UUID("6d1f1c52-5b0e-4a59-9a43-0f2f6c1f7a10")
ATTEMPTS = 3

SQL = """
CREATE TABLE IF NOT EXISTS postings (
    officer_id    text NOT NULL,
    enterprise_id text NOT NULL,
    PRIMARY KEY (officer_id, enterprise_id)
);
CREATE TABLE IF NOT EXISTS departures (
    officer_id     text PRIMARY KEY,
    position       bigint NOT NULL,
    reason         text NOT NULL,
    effective_from timestamptz NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class Departure:
    officer_id: str
    position: int
    reason: str
    effective_from: datetime


async def apply(tx: Tx, env: Envelope, payload: DomainEvent) -> None:
    match payload:
        case ChiefAssigned(officer_id=oid, enterprise_id=eid):
            departure = await _departure(tx.conn, oid)
            if departure is not None:
                await _relieve(tx, env, departure, eid)
            await tx.conn.execute("INSERT INTO postings VALUES ($1, $2) ON CONFLICT DO NOTHING", oid, eid)
        case OfficerRetired(officer_id=oid, effective_from=at):
            await _departed(tx, env, Departure(oid, env.position, "officer_retired", at))
        case OfficerTransferred(officer_id=oid, effective_from=at):
            await _departed(tx, env, Departure(oid, env.position, "officer_transferred", at))
        case _:
            return


async def _departed(tx: Tx, env: Envelope, departure: Departure) -> None:
    rows = await tx.conn.fetch(
        "SELECT enterprise_id FROM postings WHERE officer_id = $1 ORDER BY enterprise_id", departure.officer_id
    )
    for row in rows:
        await _relieve(tx, env, departure, row["enterprise_id"])
    await tx.conn.execute(
        "INSERT INTO departures VALUES ($1, $2, $3, $4) ON CONFLICT (officer_id) DO UPDATE"
        " SET position = EXCLUDED.position, reason = EXCLUDED.reason, effective_from = EXCLUDED.effective_from",
        departure.officer_id, departure.position, departure.reason, departure.effective_from,
    )  # fmt: skip


async def _departure(conn: asyncpg.Connection, officer_id: str) -> Departure | None:
    row = await conn.fetchrow("SELECT * FROM departures WHERE officer_id = $1", officer_id)
    return Departure(**dict(row)) if row else None


async def _relieve(tx: Tx, trigger: Envelope, departure: Departure, enterprise_id: str) -> None:
    """Retry on a concurrent write to the enterprise; a savepoint keeps the batch's transaction usable."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            async with tx.conn.transaction():
                await _relieve_once(tx, trigger, departure, enterprise_id)
            return
        except ConcurrencyError:
            if attempt == ATTEMPTS:
                raise


async def _relieve_once(tx: Tx, trigger: Envelope, departure: Departure, enterprise_id: str) -> None:
    store = _store(tx)
    history = await store.read_stream(ENTERPRISE.stream(enterprise_id))
    if not _posted_before(history, departure):
        return
    state = fold(ENTERPRISE.evolve, ENTERPRISE.initial, payloads(history, REGISTRY))
    absences = {}
    for officer_id in serving_from(state, departure.effective_from):
        officer = fold(
            OFFICER.evolve, OFFICER.initial, payloads(await store.read_stream(OFFICER.stream(officer_id)), REGISTRY)
        )
        absences[officer_id] = away_intervals(officer)
    decided = relieve_departed_officer(
        state, departure.officer_id, departure.effective_from, departure.reason, absences, now=trigger.occurred_at
    )
    events = [
        NewEvent(e, trigger.occurred_at, uuid.uuid5(EVENT_IDS, f"{trigger.event_id}/{enterprise_id}/{i}"))
        for i, e in enumerate(decided)
    ]
    meta = Metadata(actor=ACTOR, correlation_id=trigger.correlation_id, causation_id=trigger.event_id)
    await tx.append(ENTERPRISE.stream(enterprise_id), len(history), events, meta)


def _posted_before(history: list[Envelope], departure: Departure) -> bool:
    """Whether the officer's latest assignment here was recorded before they left."""
    assigned = [
        env.position
        for env in history
        if env.event_type == ChiefAssigned.event_type and env.data.get("officer_id") == departure.officer_id
    ]
    return bool(assigned) and max(assigned) < departure.position


def _store(tx: Tx) -> PostgresEventStore:
    if tx.store is None:  # a reactor is never replayed; the kernel hands it the live store
        raise RuntimeError("the departures reactor needs the live event store")
    return tx.store


REACTOR = Projection(
    name="departures",
    schema_sql=SQL,
    sources=(Source(SERVICE, "officer"), Source(SERVICE, "enterprise")),
    registry=REGISTRY,
    apply=apply,
    reactor=True,
    description="relieves a retired or transferred officer's posts and reopens coverage",
)
