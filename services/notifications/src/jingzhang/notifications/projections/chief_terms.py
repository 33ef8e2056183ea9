"""The facts' chiefs, dated: every term of a slot as `[effective_from, effective_until)` and every change
of who acts from its `effective_from`, read back as of an instant.

Assignment records a change ahead of its date (a station chief relieved from next Monday) or behind it
(a backdated absence): until the date the post stays with whoever holds it, from it the change holds.
Per slot, assignments and reliefs are recorded in time order; changes of who acts are not (an absence
today may be recorded after a relief from next Monday), so they are kept by their `effective_from` and
read as "the change with the greatest `effective_from` at or before the instant"; two at one instant:
the later recorded stands.

These tables replace `chiefs` and `acting` (one row per slot or tier, overwritten when recorded). The
inbox declares them in its DDL, so a deployment rebuilds it by replay at start. The dispatch reactor
cannot be rebuilt, and a reactor whose DDL changed refuses to start until an operator migrates it
(docs/architecture.md, "Migrations"): its copy is created here instead, beside the old tables and
from what they hold, the first time it needs them (`adopt`), with no step for anyone to take.
"""

from datetime import datetime

import asyncpg

from jingzhang.notifications.upstream import assignment

TERMS_SQL = """
CREATE TABLE IF NOT EXISTS chief_terms (
    enterprise_id   text NOT NULL,
    tier            text NOT NULL,
    slot            text NOT NULL,
    effective_from  timestamptz NOT NULL,
    officer_id      text NOT NULL,
    effective_until timestamptz,            -- NULL: not relieved
    PRIMARY KEY (enterprise_id, tier, slot, effective_from)
);
CREATE TABLE IF NOT EXISTS acting_changes (
    enterprise_id  text NOT NULL,
    tier           text NOT NULL,
    effective_from timestamptz NOT NULL,
    officer_id     text,                    -- NULL: nobody acts
    PRIMARY KEY (enterprise_id, tier, effective_from)
);
"""

_FROM_UNDATED = """
INSERT INTO chief_terms (enterprise_id, tier, slot, effective_from, officer_id)
    SELECT enterprise_id, tier, slot, '-infinity'::timestamptz, officer_id FROM chiefs;
INSERT INTO acting_changes SELECT enterprise_id, tier, '-infinity'::timestamptz, officer_id FROM acting;
"""
"""What the undated tables hold has held since ever as far as they know: the dates they dropped are lost
(a reactor is never replayed), and every change recorded from now on is dated."""


async def adopt(conn: asyncpg.Connection) -> None:
    """The dispatch reactor's dated tables, created beside its undated `chiefs` and `acting` and filled
    from them if missing. It runs in the reactor's transaction, under its lock: created and filled once,
    or not at all if that transaction rolls back."""
    if await conn.fetchval("SELECT to_regclass(format('%I.chief_terms', current_schema())) IS NOT NULL"):
        return
    await conn.execute(TERMS_SQL)
    await conn.execute(_FROM_UNDATED)


async def assigned(conn: asyncpg.Connection, e: assignment.ChiefAssigned) -> None:
    """A term from `effective_from`; twice at one instant in a slot, the later recorded holds it."""
    await conn.execute(
        "INSERT INTO chief_terms (enterprise_id, tier, slot, effective_from, officer_id) VALUES ($1, $2, $3, $4, $5)"
        " ON CONFLICT (enterprise_id, tier, slot, effective_from)"
        " DO UPDATE SET officer_id = $5, effective_until = NULL",
        e.enterprise_id,
        e.tier,
        e.slot,
        e.effective_from,
        e.officer_id,
    )


async def relieved(conn: asyncpg.Connection, e: assignment.ChiefRelieved) -> None:
    """The officer's open term in that slot ends at `effective_from`, never before it began (a post given
    for later and taken back before it started leaves an empty term)."""
    await conn.execute(
        "UPDATE chief_terms SET effective_until = GREATEST(effective_from, $5) WHERE enterprise_id = $1"
        " AND tier = $2 AND slot = $3 AND officer_id = $4 AND effective_until IS NULL",
        e.enterprise_id,
        e.tier,
        e.slot,
        e.officer_id,
        e.effective_from,
    )


async def acting_changed(conn: asyncpg.Connection, e: assignment.ActingChiefChanged) -> None:
    await conn.execute(
        "INSERT INTO acting_changes VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (enterprise_id, tier, effective_from) DO UPDATE SET officer_id = $4",
        e.enterprise_id,
        e.tier,
        e.effective_from,
        e.officer_id,
    )


_ACTING_AT = """
SELECT officer_id FROM acting_changes WHERE enterprise_id = $1 AND tier = $2 AND effective_from <= $3
ORDER BY effective_from DESC LIMIT 1
"""

_HOLDERS_AT = """
SELECT DISTINCT ON (slot) slot, officer_id FROM chief_terms
WHERE enterprise_id = $1 AND tier = $2 AND effective_from <= $3 AND (effective_until IS NULL OR $3 < effective_until)
ORDER BY slot, effective_from DESC
"""
"""Each slot's holder at $3: the latest term begun that has not ended (the latest, should two overlap)."""


async def acting_at(conn: asyncpg.Connection, enterprise_id: str, tier: str, at: datetime) -> tuple[str, ...]:
    """Who acts for `tier` at `at`: nobody when the change in force says nobody; before any change in
    force, whoever holds the tier then (A first)."""
    acting = await conn.fetchrow(_ACTING_AT, enterprise_id, tier, at)
    if acting is not None:
        return () if acting["officer_id"] is None else (acting["officer_id"],)
    rows = await conn.fetch(_HOLDERS_AT, enterprise_id, tier, at)
    return tuple(r["officer_id"] for r in rows[:1])
