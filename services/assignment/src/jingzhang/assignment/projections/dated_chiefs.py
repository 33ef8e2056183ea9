"""Chiefs' terms and acting changes with the dates they take effect, as tables a projection includes.

A change decided ahead (a chief relieved from next Monday) or entered late takes effect at its
`effective_from`, not when it is recorded: a projection that keeps these tables answers "who holds,
who acts" as of the instant a read gives (`HELD_AT`, `ACTING_AT`). A tier's acting changes may be
recorded out of effective order (`calendar.sync_acting`); two at one instant: the later recorded stands.
"""

import asyncpg

from jingzhang.assignment.domain.events import ActingChiefChanged, ChiefAssigned, ChiefRelieved

SQL = """
CREATE TABLE IF NOT EXISTS chief_terms (
    enterprise_id   text NOT NULL,
    tier            text NOT NULL,
    slot            text NOT NULL,
    officer_id      text NOT NULL,
    effective_from  timestamptz NOT NULL,
    effective_until timestamptz,
    PRIMARY KEY (enterprise_id, tier, slot, effective_from)
);
CREATE TABLE IF NOT EXISTS acting_changes (
    enterprise_id  text NOT NULL,
    tier           text NOT NULL,
    effective_from timestamptz NOT NULL,
    officer_id     text,
    PRIMARY KEY (enterprise_id, tier, effective_from)
);
"""

HELD_AT = "c.effective_from <= {at} AND (c.effective_until IS NULL OR c.effective_until > {at})"
"""A term `c` of `chief_terms` covers the instant `{at}` (a placeholder such as `$2`)."""

ACTING_AT = (
    "SELECT DISTINCT ON (enterprise_id, tier) enterprise_id, tier, officer_id FROM acting_changes"
    " WHERE effective_from <= {at} ORDER BY enterprise_id, tier, effective_from DESC"
)
"""Per enterprise and tier, who acts at `{at}` (officer None: nobody), by the change in force then."""


async def apply(conn: asyncpg.Connection, event: ChiefAssigned | ChiefRelieved | ActingChiefChanged) -> None:
    match event:
        case ChiefAssigned(enterprise_id=eid, tier=tier, slot=slot, officer_id=oid, effective_from=since):
            await conn.execute(
                "INSERT INTO chief_terms VALUES ($1, $2, $3, $4, $5, NULL)"
                " ON CONFLICT (enterprise_id, tier, slot, effective_from)"
                " DO UPDATE SET officer_id = EXCLUDED.officer_id, effective_until = NULL",
                eid, tier, slot, oid, since,
            )  # fmt: skip
        case ChiefRelieved(enterprise_id=eid, tier=tier, slot=slot, officer_id=oid, effective_from=until):
            await conn.execute(
                "UPDATE chief_terms SET effective_until = $5 WHERE enterprise_id = $1 AND tier = $2 AND slot = $3"
                " AND officer_id = $4 AND effective_until IS NULL",
                eid, tier, slot, oid, until,
            )  # fmt: skip
        case ActingChiefChanged(enterprise_id=eid, tier=tier, officer_id=oid, effective_from=since):
            await conn.execute(
                "INSERT INTO acting_changes VALUES ($1, $2, $3, $4)"
                " ON CONFLICT (enterprise_id, tier, effective_from) DO UPDATE SET officer_id = EXCLUDED.officer_id",
                eid, tier, since, oid,
            )  # fmt: skip
