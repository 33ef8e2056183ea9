"""Who answers for which enterprise, as the cadence engine needs it (from the assignment service's events).

Keeps active enterprises with their class and registration day, every term of an A/B chief and
every declared absence, and reads them back as an `AssignmentSnapshot` as of an instant. The acting
chief is not copied: the engine derives it from A/B and absences at the instant it asks about.

A term is `[effective_from, effective_until)` as the events date it, not when they were recorded:
assignment records a chief relieved from next Monday, or assigned from next month, ahead of time, and
until then the post stays with whoever holds it; a backdated change holds at once. Assignment changes
a slot in time order, so a slot's terms do not overlap. The table was `chief` (one holder per slot,
changed when recorded); the new table changes the projection's fingerprint, so a deployment rebuilds
it by replay at start, before it serves (`shared.migrations`), with the terms the events date.
"""

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime

import asyncpg

from jingzhang.patrols.domain.common import local_date
from jingzhang.patrols.domain.snapshot import Absence, AssignmentSnapshot, EnterpriseSnapshot, TierChiefs
from jingzhang.patrols.domain.vocabulary import ChiefTier, EnterpriseClass, Slot
from jingzhang.patrols.upstream.assignment import (
    PRODUCER,
    READS,
    AbsenceDeclared,
    AbsenceEnded,
    ChiefAssigned,
    ChiefRelieved,
    EnterpriseClosed,
    EnterpriseReclassified,
    EnterpriseRegistered,
    EnterpriseReinstated,
    EnterpriseSuspended,
)
from jingzhang.shared.envelope import Envelope
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.projection import Projection, Source, Tx, use_schema

SQL = """
CREATE TABLE IF NOT EXISTS enterprise (
    enterprise_id    text PRIMARY KEY,
    enterprise_class text NOT NULL,
    registered_on    date NOT NULL,
    status           text NOT NULL
);
CREATE TABLE IF NOT EXISTS chief_term (
    enterprise_id   text NOT NULL,
    opened_version  integer NOT NULL,   -- the enterprise stream's version of the `ChiefAssigned`
    tier            text NOT NULL,
    slot            text NOT NULL,
    officer_id      text NOT NULL,
    effective_from  timestamptz NOT NULL,
    effective_until timestamptz,        -- NULL: not relieved
    PRIMARY KEY (enterprise_id, opened_version)
);
CREATE TABLE IF NOT EXISTS absence (
    officer_id text NOT NULL,
    absence_id text NOT NULL,
    starts_at  timestamptz NOT NULL,
    ends_at    timestamptz NOT NULL,
    PRIMARY KEY (officer_id, absence_id)
);
"""


async def _status(tx: Tx, enterprise_id: str, status: str) -> None:
    await tx.conn.execute("UPDATE enterprise SET status = $2 WHERE enterprise_id = $1", enterprise_id, status)


async def apply(tx: Tx, env: Envelope, payload: DomainEvent) -> None:
    match payload:
        case EnterpriseRegistered():
            # The day assignment recorded it, not its business `registered_on`: duties are planned from
            # when the chiefs could know of the enterprise, so a registration entered late does not owe
            # visits for weeks nobody knew of (`projections.subjects` keeps the business day).
            await tx.conn.execute(
                "INSERT INTO enterprise VALUES ($1, $2, $3, 'active') ON CONFLICT (enterprise_id) DO NOTHING",
                payload.enterprise_id,
                payload.enterprise_class.value,
                local_date(env.occurred_at),
            )
        case EnterpriseReclassified():
            await tx.conn.execute(
                "UPDATE enterprise SET enterprise_class = $2 WHERE enterprise_id = $1",
                payload.enterprise_id,
                payload.enterprise_class.value,
            )
        case EnterpriseSuspended():
            await _status(tx, payload.enterprise_id, "suspended")
        case EnterpriseReinstated():
            await _status(tx, payload.enterprise_id, "active")
        case EnterpriseClosed():
            await _status(tx, payload.enterprise_id, "closed")
        case ChiefAssigned():
            await tx.conn.execute(
                "INSERT INTO chief_term VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                payload.enterprise_id,
                env.version,
                payload.tier.value,
                payload.slot.value,
                payload.officer_id,
                payload.effective_from,
            )
        case ChiefRelieved():
            # never before the term began: an officer leaving before a post they were given for later
            # started leaves an empty term, not one that ends before it starts
            await tx.conn.execute(
                "UPDATE chief_term SET effective_until = GREATEST(effective_from, $5) WHERE enterprise_id = $1"
                " AND tier = $2 AND slot = $3 AND officer_id = $4 AND effective_until IS NULL",
                payload.enterprise_id,
                payload.tier.value,
                payload.slot.value,
                payload.officer_id,
                payload.effective_from,
            )
        case AbsenceDeclared():
            await tx.conn.execute(
                "INSERT INTO absence VALUES ($1, $2, $3, $4) ON CONFLICT (officer_id, absence_id)"
                " DO UPDATE SET starts_at = excluded.starts_at, ends_at = excluded.ends_at",
                payload.officer_id,
                payload.absence_id,
                payload.starts_at,
                payload.ends_at,
            )
        case AbsenceEnded():
            await tx.conn.execute(
                "UPDATE absence SET ends_at = LEAST(ends_at, GREATEST(starts_at, $3))"
                " WHERE officer_id = $1 AND absence_id = $2",
                payload.officer_id,
                payload.absence_id,
                payload.ended_at,
            )
        case _:
            return


PROJECTION = Projection(
    name="patrols_assignments",
    schema_sql=SQL,
    sources=(Source(PRODUCER, "enterprise"), Source(PRODUCER, "officer")),
    registry=READS,
    apply=apply,
    description="Active enterprises, their A/B chiefs' terms per tier and officers' absences",
)


CHIEFS_AT = """
SELECT DISTINCT ON (enterprise_id, tier, slot) enterprise_id, tier, slot, officer_id FROM chief_term
WHERE effective_from <= $1 AND ($1 < effective_until OR effective_until IS NULL)
ORDER BY enterprise_id, tier, slot, opened_version DESC
"""
"""Each slot's holder at $1: the term that covers it (the latest recorded, should two ever)."""


class PostgresAssignments:
    """The cadence engine's `AssignmentSnapshot`, read from this projection."""

    def __init__(self, pool: Callable[[], asyncpg.Pool]) -> None:
        self._pool = pool

    async def snapshot(self, at: datetime) -> AssignmentSnapshot:
        """Active enterprises with the chiefs who hold their posts at `at` (the caller's business clock),
        and every known absence, as the cadence engine reads them."""
        async with self._pool().acquire() as conn, conn.transaction():
            await use_schema(conn, PROJECTION)
            enterprises = await conn.fetch("SELECT * FROM enterprise WHERE status = 'active' ORDER BY enterprise_id")
            chiefs = await conn.fetch(CHIEFS_AT, at)
            absences = await conn.fetch("SELECT * FROM absence ORDER BY starts_at")
        tiers = _tiers(chiefs)
        return AssignmentSnapshot(
            enterprises=tuple(
                EnterpriseSnapshot(
                    r["enterprise_id"],
                    EnterpriseClass(r["enterprise_class"]),
                    r["registered_on"],
                    tiers[r["enterprise_id"]],
                )
                for r in enterprises
            ),
            absences=tuple(Absence(r["officer_id"], r["starts_at"], r["ends_at"]) for r in absences),
        )


def _tiers(rows: list[asyncpg.Record]) -> dict[str, dict[ChiefTier, TierChiefs]]:
    slots: dict[str, dict[ChiefTier, dict[Slot, str]]] = defaultdict(lambda: defaultdict(dict))
    for r in rows:
        slots[r["enterprise_id"]][ChiefTier(r["tier"])][Slot(r["slot"])] = r["officer_id"]
    out: dict[str, dict[ChiefTier, TierChiefs]] = defaultdict(dict)
    for enterprise_id, by_tier in slots.items():
        out[enterprise_id] = {tier: TierChiefs(s.get(Slot.A), s.get(Slot.B)) for tier, s in by_tier.items()}
    return out
