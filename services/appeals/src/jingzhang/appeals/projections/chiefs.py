"""Who is responsible for each enterprise, as the assignment service's events say: per tier A, B and who
acts, as of any instant.

This is the only source of routing and escalation here; we never ask the assignment service directly,
and read its events through our own tolerant reader (`upstream.assignment`).
Its `ActingChiefChanged` already applies absences (B while A is away), so we only record it.

Each change takes effect at its `effective_from`, which may lie ahead of its recording (a chief relieved
from next Monday) or behind it (a backdated assignment); so the tables keep dated history, never the
current state: every term of a slot as `[effective_from, effective_until)`, every acting change from its
`effective_from`. A read names its instant (the caller's clock, never the database's): routing today
sees today's chiefs, and a replay of the same events answers the same. The producer records the changes
of one slot in the order of their `effective_from`; the acting changes of one tier not always (an
absence before a relief recorded for a later date is recorded after it, effective earlier), so a read
orders them by `effective_from`, never by arrival.
"""

from collections.abc import Callable
from datetime import datetime

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
CREATE TABLE IF NOT EXISTS chief_terms (
    enterprise_id   text NOT NULL,
    tier            text NOT NULL,
    slot            text NOT NULL,
    effective_from  timestamptz NOT NULL,
    officer_id      text NOT NULL,
    effective_until timestamptz,
    PRIMARY KEY (enterprise_id, tier, slot, effective_from)
);
CREATE TABLE IF NOT EXISTS acting_chiefs (
    enterprise_id  text NOT NULL,
    tier           text NOT NULL,
    effective_from timestamptz NOT NULL,
    officer_id     text,
    PRIMARY KEY (enterprise_id, tier, effective_from)
);
"""
"""Dated rows replace the earlier `chiefs` table (one row per tier, overwritten): the DDL's fingerprint
changed, so a deployment rebuilds this projection by replay at its next start (`shared.migrations`)."""


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
        case ChiefAssigned():
            await _assigned(tx.conn, payload)
        case ChiefRelieved():
            await _relieved(tx.conn, payload)
        case ActingChiefChanged():
            await _acting(tx.conn, payload)
        case _:
            return


_STATUS: dict[type[DomainEvent], str] = {
    EnterpriseSuspended: "suspended",
    EnterpriseReinstated: "active",
    EnterpriseClosed: "closed",
}


async def _set_status(conn: asyncpg.Connection, enterprise_id: str, status: str) -> None:
    await conn.execute("UPDATE enterprises SET status = $2 WHERE enterprise_id = $1", enterprise_id, status)


async def _assigned(conn: asyncpg.Connection, e: ChiefAssigned) -> None:
    """A new term from `effective_from` (the producer relieves a slot's holder before assigning the next).
    Two assignments at the same instant: the later recorded holds it."""
    key = (e.enterprise_id, e.tier.value, e.slot.value, e.effective_from)
    await conn.execute(
        "INSERT INTO chief_terms (enterprise_id, tier, slot, effective_from, officer_id) VALUES ($1, $2, $3, $4, $5)"
        " ON CONFLICT (enterprise_id, tier, slot, effective_from)"
        " DO UPDATE SET officer_id = $5, effective_until = NULL",
        *key,
        e.officer_id,
    )


async def _relieved(conn: asyncpg.Connection, e: ChiefRelieved) -> None:
    """The officer's open term in that slot ends at `effective_from`."""
    await conn.execute(
        "UPDATE chief_terms SET effective_until = $5 WHERE enterprise_id = $1 AND tier = $2 AND slot = $3"
        " AND officer_id = $4 AND effective_until IS NULL",
        e.enterprise_id,
        e.tier.value,
        e.slot.value,
        e.officer_id,
        e.effective_from,
    )


async def _acting(conn: asyncpg.Connection, e: ActingChiefChanged) -> None:
    """Who acts from `effective_from` (None: nobody); twice at the same instant, the later recorded wins."""
    await conn.execute(
        "INSERT INTO acting_chiefs VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (enterprise_id, tier, effective_from) DO UPDATE SET officer_id = $4",
        e.enterprise_id,
        e.tier.value,
        e.effective_from,
        e.officer_id,
    )


PROJECTION = Projection(
    name="chiefs",
    schema_sql=SQL,
    sources=(Source(PRODUCER, "enterprise"),),
    registry=READS,
    apply=apply,
    description="Per enterprise and tier: the terms of A and B and who acts, each from its effective date",
)

_AS_OF = """
SELECT tier, slot, CASE WHEN effective_until IS NULL OR effective_until > $2 THEN officer_id END AS officer_id
FROM (
    SELECT DISTINCT ON (tier, slot) tier, slot, officer_id, effective_until FROM "{schema}".chief_terms
    WHERE enterprise_id = $1 AND effective_from <= $2 ORDER BY tier, slot, effective_from DESC
) AS terms
UNION ALL
SELECT tier, 'acting', officer_id FROM (
    SELECT DISTINCT ON (tier) tier, officer_id FROM "{schema}".acting_chiefs
    WHERE enterprise_id = $1 AND effective_from <= $2 ORDER BY tier, effective_from DESC
) AS acting
"""
"""Per tier as of $2: each slot's last term begun (its holder if not yet ended) and the last acting change.
A tier appears once anything about it has taken effect, as the one row per tier did before."""


async def snapshot_in(conn: asyncpg.Connection, enterprise_id: str, at: datetime) -> ChiefsSnapshot | None:
    """The chiefs as of `at`, read with qualified names, so a reactor can call it inside its own transaction;
    None if the enterprise is unknown."""
    schema = PROJECTION.schema
    known = await conn.fetchrow(
        f'SELECT registered_on FROM "{schema}".enterprises WHERE enterprise_id = $1', enterprise_id
    )
    if known is None:
        return None
    rows = await conn.fetch(_AS_OF.format(schema=schema), enterprise_id, at)
    found: dict[ChiefTier, dict[str, str | None]] = {}
    for r in rows:
        found.setdefault(ChiefTier(r["tier"]), {})[r["slot"]] = r["officer_id"]
    tiers = {tier: TierChiefs(t.get(Slot.A.value), t.get(Slot.B.value), t.get("acting")) for tier, t in found.items()}
    return ChiefsSnapshot(enterprise_id, tiers, known["registered_on"])


class PostgresChiefs:
    """The handlers' view of the chiefs projection (the pool exists once the runtime has started)."""

    def __init__(self, pool: Callable[[], asyncpg.Pool]) -> None:
        self._pool = pool

    async def snapshot(self, enterprise_id: str, at: datetime) -> ChiefsSnapshot | None:
        async with self._pool().acquire() as conn:
            return await snapshot_in(conn, enterprise_id, at)
