"""Which officers exist, as the assignment service's events say, and since when one has retired.

Read through our own tolerant reader (`upstream.assignment`); a command naming an officer nobody
enrolled is refused (`shared.subjects.require_known`), one naming a retired officer too.
"""

from collections.abc import Callable

import asyncpg

from jingzhang.appeals.domain.officers import KnownOfficer
from jingzhang.appeals.upstream.assignment import PRODUCER, READS, OfficerEnrolled, OfficerRetired
from jingzhang.shared.envelope import Envelope
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.projection import Projection, Source, Tx

SQL = """
CREATE TABLE IF NOT EXISTS officers (
    officer_id    text PRIMARY KEY,
    retired_from  timestamptz
);
"""


async def apply(tx: Tx, env: Envelope, payload: DomainEvent) -> None:
    match payload:
        case OfficerEnrolled(officer_id=officer_id):
            await tx.conn.execute("INSERT INTO officers VALUES ($1) ON CONFLICT DO NOTHING", officer_id)
        case OfficerRetired(officer_id=officer_id, effective_from=since):
            await tx.conn.execute(
                "INSERT INTO officers VALUES ($1, $2) ON CONFLICT (officer_id) DO UPDATE SET retired_from = $2",
                officer_id,
                since,
            )
        case _:
            return


PROJECTION = Projection(
    name="officers",
    schema_sql=SQL,
    sources=(Source(PRODUCER, "officer"),),
    registry=READS,
    apply=apply,
    description="Every officer the scheme enrolled, and since when one has retired",
)


class PostgresOfficers:
    """The handlers' view of the officers projection (the pool exists once the runtime has started)."""

    def __init__(self, pool: Callable[[], asyncpg.Pool]) -> None:
        self._pool = pool

    async def officer(self, officer_id: str) -> KnownOfficer | None:
        row = await self._pool().fetchrow(
            f'SELECT officer_id, retired_from FROM "{PROJECTION.schema}".officers WHERE officer_id = $1', officer_id
        )
        return None if row is None else KnownOfficer(row["officer_id"], row["retired_from"])
