"""Who is responsible for each enterprise, as the assignment service's events say: per tier A, B and who acts.

This is the only source of routing and escalation here; we never ask the assignment service directly,
and read its events through our own tolerant reader (`upstream.assignment`).
Its `ActingChiefChanged` already applies absences (B while A is away), so we only record it.
"""

from collections.abc import Callable

import asyncpg

from jingzhang.appeals.domain.calendar import bureau_day
from jingzhang.appeals.domain.routing import ChiefsSnapshot, TierChiefs
from jingzhang.appeals.domain.vocabulary import ChiefTier, Slot
from jingzhang.appeals.upstream.assignment import (
    PRODUCER,
    READS,
    ActingChiefChanged,
    ChiefAssigned,
    ChiefRelieved,
    EnterpriseClosed,
    EnterpriseRegistered,
    EnterpriseReinstated,
    EnterpriseSuspended,
)
from jingzhang.shared.envelope import Envelope
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.projection import Projection, Source, Tx

SQL = """
CREATE TABLE IF NOT EXISTS enterprises (
    enterprise_id text PRIMARY KEY,
    name          text NOT NULL,
    status        text NOT NULL,
    registered_on date NOT NULL
);
CREATE TABLE IF NOT EXISTS chiefs (
    enterprise_id      text NOT NULL,
    tier               text NOT NULL,
    a_officer_id       text,
    b_officer_id       text,
    acting_officer_id  text,
    PRIMARY KEY (enterprise_id, tier)
);
"""

_SLOT_COLUMN = {Slot.A: "a_officer_id", Slot.B: "b_officer_id"}


async def apply(tx: Tx, env: Envelope, payload: DomainEvent) -> None:
    match payload:
        case EnterpriseRegistered(enterprise_id=enterprise_id, name=name):
            await tx.conn.execute(
                "INSERT INTO enterprises VALUES ($1, $2, 'active', $3)"
                " ON CONFLICT (enterprise_id) DO UPDATE SET name = $2, registered_on = $3",
                enterprise_id,
                name,
                payload.registered_on or bureau_day(env.occurred_at),
            )
        case EnterpriseSuspended() | EnterpriseReinstated() | EnterpriseClosed():
            await _set_status(tx.conn, payload.enterprise_id, _STATUS[type(payload)])
        case ChiefAssigned(enterprise_id=enterprise_id, tier=tier, slot=slot, officer_id=officer_id):
            await _set(tx.conn, enterprise_id, tier, _SLOT_COLUMN[slot], officer_id)
        case ChiefRelieved(enterprise_id=enterprise_id, tier=tier, slot=slot, officer_id=officer_id):
            column = _SLOT_COLUMN[slot]
            await tx.conn.execute(
                f"UPDATE chiefs SET {column} = NULL WHERE enterprise_id = $1 AND tier = $2 AND {column} = $3",
                enterprise_id,
                tier.value,
                officer_id,
            )
        case ActingChiefChanged(enterprise_id=enterprise_id, tier=tier, officer_id=officer_id):
            await _set(tx.conn, enterprise_id, tier, "acting_officer_id", officer_id)
        case _:
            return


_STATUS: dict[type[DomainEvent], str] = {
    EnterpriseSuspended: "suspended",
    EnterpriseReinstated: "active",
    EnterpriseClosed: "closed",
}


async def _set_status(conn: asyncpg.Connection, enterprise_id: str, status: str) -> None:
    await conn.execute("UPDATE enterprises SET status = $2 WHERE enterprise_id = $1", enterprise_id, status)


async def _set(conn: asyncpg.Connection, enterprise_id: str, tier: ChiefTier, column: str, value: str | None) -> None:
    await conn.execute(
        f"INSERT INTO chiefs (enterprise_id, tier, {column}) VALUES ($1, $2, $3)"
        f" ON CONFLICT (enterprise_id, tier) DO UPDATE SET {column} = $3",
        enterprise_id,
        tier.value,
        value,
    )


PROJECTION = Projection(
    name="chiefs",
    schema_sql=SQL,
    sources=(Source(PRODUCER, "enterprise"),),
    registry=READS,
    apply=apply,
    description="Per enterprise and tier: A, B and the acting chief now",
)


async def snapshot_in(conn: asyncpg.Connection, enterprise_id: str) -> ChiefsSnapshot | None:
    """Read with qualified names, so a reactor can call it inside its own transaction; None if unknown."""
    schema = PROJECTION.schema
    known = await conn.fetchrow(
        f'SELECT registered_on FROM "{schema}".enterprises WHERE enterprise_id = $1', enterprise_id
    )
    if known is None:
        return None
    rows = await conn.fetch(f'SELECT * FROM "{schema}".chiefs WHERE enterprise_id = $1', enterprise_id)
    tiers = {
        ChiefTier(r["tier"]): TierChiefs(r["a_officer_id"], r["b_officer_id"], r["acting_officer_id"]) for r in rows
    }
    return ChiefsSnapshot(enterprise_id, tiers, known["registered_on"])


class PostgresChiefs:
    """The handlers' view of the chiefs projection (the pool exists once the runtime has started)."""

    def __init__(self, pool: Callable[[], asyncpg.Pool]) -> None:
        self._pool = pool

    async def snapshot(self, enterprise_id: str) -> ChiefsSnapshot | None:
        async with self._pool().acquire() as conn:
            return await snapshot_in(conn, enterprise_id)
