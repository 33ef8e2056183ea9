"""Who exists: every enterprise assignment registered and every officer it enrolled, with the business
day each began and when each ended (closure, retirement), so a report naming them can be checked.

Its own projection, apart from `assignments` (who answers for what, for the cadence): a new durable
consumer reads assignment's streams from their first event, so a service upgraded to it learns every
enterprise and officer already published without a replay. An event recorded before assignment
published business days has none: the day assignment recorded it stands in (the cross-service rule).
An enterprise's closure has no business time of its own: the instant it was recorded closes it.
"""

from collections.abc import Callable

import asyncpg
import nats.errors
import structlog

from jingzhang.patrols.domain.common import local_date
from jingzhang.patrols.domain.subjects import Claim, Known, KnownEnterprise, KnownOfficer, SubjectKind
from jingzhang.patrols.upstream.assignment import (
    PRODUCER,
    READS,
    EnterpriseClosed,
    EnterpriseRegistered,
    OfficerEnrolled,
    OfficerRetired,
)
from jingzhang.shared.envelope import Envelope
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.projection import Projection, Source, Tx
from jingzhang.shared.subjects import CaughtUp

log = structlog.get_logger(__name__)

SQL = """
CREATE TABLE IF NOT EXISTS enterprise (
    enterprise_id text PRIMARY KEY,
    registered_on date NOT NULL,
    closed_at     timestamptz
);
CREATE TABLE IF NOT EXISTS officer (
    officer_id  text PRIMARY KEY,
    enrolled_on date NOT NULL,
    retired_at  timestamptz
);
"""


async def apply(tx: Tx, env: Envelope, payload: DomainEvent) -> None:
    match payload:
        case EnterpriseRegistered():
            await tx.conn.execute(
                "INSERT INTO enterprise VALUES ($1, $2, NULL) ON CONFLICT (enterprise_id) DO NOTHING",
                payload.enterprise_id,
                payload.registered_on or local_date(env.occurred_at),
            )
        case EnterpriseClosed():
            await tx.conn.execute(
                "UPDATE enterprise SET closed_at = coalesce(closed_at, $2) WHERE enterprise_id = $1",
                payload.enterprise_id,
                env.occurred_at,
            )
        case OfficerEnrolled():
            await tx.conn.execute(
                "INSERT INTO officer VALUES ($1, $2, NULL) ON CONFLICT (officer_id) DO NOTHING",
                payload.officer_id,
                payload.enrolled_on or local_date(env.occurred_at),
            )
        case OfficerRetired():
            await tx.conn.execute(
                "UPDATE officer SET retired_at = coalesce(retired_at, $2) WHERE officer_id = $1",
                payload.officer_id,
                payload.effective_from,
            )
        case _:
            return


PROJECTION = Projection(
    name="patrols_subjects",
    schema_sql=SQL,
    sources=(Source(PRODUCER, "enterprise"), Source(PRODUCER, "officer")),
    registry=READS,
    apply=apply,
    description="Every registered enterprise and enrolled officer, with the days they began and ended",
)


_KNOWN = f"""
SELECT true AS enterprise, enterprise_id AS id, registered_on AS began_on, closed_at AS ended_at
FROM "{PROJECTION.schema}".enterprise WHERE enterprise_id = any($1::text[])
UNION ALL
SELECT false, officer_id, enrolled_on, retired_at FROM "{PROJECTION.schema}".officer WHERE officer_id = any($2::text[])
"""


class PostgresSubjects:
    """What this projection knows of the subjects a report names, and whether it has seen all there is."""

    def __init__(self, pool: Callable[[], asyncpg.Pool], caught_up: CaughtUp) -> None:
        self._pool = pool
        self._caught_up = caught_up

    async def known(self, claim: Claim) -> Known:
        """One statement, one round trip (a request's check ran five: a transaction, its search path and
        a query per kind); the tables are named with their schema instead."""
        rows = await self._pool().fetch(_KNOWN, claim.idents(SubjectKind.ENTERPRISE), claim.idents(SubjectKind.OFFICER))
        return Known(
            {r["id"]: KnownEnterprise(r["id"], r["began_on"], r["ended_at"]) for r in rows if r["enterprise"]},
            {r["id"]: KnownOfficer(r["id"], r["began_on"], r["ended_at"]) for r in rows if not r["enterprise"]},
        )

    async def caught_up(self, producer: str) -> bool:
        """False also when JetStream cannot tell (a consumer not created yet, the server away): an id
        missing then may merely be late, and the caller is told to retry rather than that nobody has it."""
        try:
            return await self._caught_up(producer)
        except (nats.errors.Error, TimeoutError) as exc:
            log.info("subjects.caught_up_unknown", producer=producer, error=repr(exc))
            return False
