"""Who may see which enterprise: the links assignment's published events establish, for every service.

Authorization everywhere rests on the same facts (which officers are linked to an enterprise as its
chiefs in every tier and slot or its task force, and where each officer serves), so each service keeps
its own copy (projection `access`, schema `proj_access`) and decides without calling another service.
The copy reads assignment's events as any subscriber would: through the tolerant models below, which
hold only the fields it uses; it imports nothing of the assignment service.
"""

from collections.abc import Callable, Iterator

import asyncpg

from jingzhang.shared.auth.policy import EnterpriseLinks
from jingzhang.shared.envelope import Envelope
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.projection import Projection, Source
from jingzhang.shared.readers import PublishedEvent, ReaderRegistry
from jingzhang.shared.statements import Statement, applying, sql

PRODUCER = "assignment"


class ChiefAssigned(PublishedEvent):
    enterprise_id: str
    tier: str
    slot: str
    officer_id: str


class ChiefRelieved(PublishedEvent):
    enterprise_id: str
    tier: str
    slot: str
    officer_id: str


class TaskForceFormed(PublishedEvent):
    enterprise_id: str
    leader_officer_id: str


class TaskForceMemberAdded(PublishedEvent):
    enterprise_id: str
    officer_id: str


class TaskForceMemberRemoved(PublishedEvent):
    enterprise_id: str
    officer_id: str


class OfficerEnrolled(PublishedEvent):
    officer_id: str
    unit_kind: str
    unit_name: str


class OfficerTransferred(PublishedEvent):
    officer_id: str
    unit_kind: str
    unit_name: str


READS = ReaderRegistry(
    [
        ChiefAssigned,
        ChiefRelieved,
        TaskForceFormed,
        TaskForceMemberAdded,
        TaskForceMemberRemoved,
        OfficerEnrolled,
        OfficerTransferred,
    ]
)

SQL = """
CREATE TABLE IF NOT EXISTS links (
    enterprise_id text NOT NULL,
    officer_id    text NOT NULL,
    via           text NOT NULL,
    PRIMARY KEY (enterprise_id, officer_id, via)
);
CREATE INDEX IF NOT EXISTS links_by_officer ON links (officer_id);
CREATE TABLE IF NOT EXISTS officers (
    officer_id text PRIMARY KEY,
    unit_kind  text NOT NULL,
    unit_name  text NOT NULL
);
"""


def _link(enterprise_id: str, officer_id: str, via: str) -> Statement:
    return sql("INSERT INTO links VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", enterprise_id, officer_id, via)


def _unlink(enterprise_id: str, officer_id: str, via: str) -> Statement:
    return sql(
        "DELETE FROM links WHERE enterprise_id = $1 AND officer_id = $2 AND via = $3", enterprise_id, officer_id, via
    )


def plan(env: Envelope, payload: DomainEvent) -> Iterator[Statement]:
    """The statements an event causes here (run set-based per batch: `jingzhang.shared.statements`)."""
    match payload:
        case ChiefAssigned(enterprise_id=enterprise_id, officer_id=officer_id, tier=tier, slot=slot):
            yield _link(enterprise_id, officer_id, f"chief:{tier}:{slot}")
        case ChiefRelieved(enterprise_id=enterprise_id, officer_id=officer_id, tier=tier, slot=slot):
            yield _unlink(enterprise_id, officer_id, f"chief:{tier}:{slot}")
        case TaskForceFormed(enterprise_id=enterprise_id, leader_officer_id=leader):
            yield _link(enterprise_id, leader, "task_force")
        case TaskForceMemberAdded(enterprise_id=enterprise_id, officer_id=officer_id):
            yield _link(enterprise_id, officer_id, "task_force")
        case TaskForceMemberRemoved(enterprise_id=enterprise_id, officer_id=officer_id):
            yield _unlink(enterprise_id, officer_id, "task_force")
        case OfficerEnrolled() | OfficerTransferred():
            yield sql(
                "INSERT INTO officers VALUES ($1, $2, $3) ON CONFLICT (officer_id) DO UPDATE SET unit_kind = $2,"
                " unit_name = $3",
                payload.officer_id,
                payload.unit_kind,
                payload.unit_name,
            )


apply, apply_many = applying(plan)


def access_projection() -> Projection:
    """A fresh copy of the projection for a service's composition root."""
    return Projection(
        name="access",
        schema_sql=SQL,
        sources=(Source(PRODUCER, "enterprise"), Source(PRODUCER, "officer")),
        registry=READS,
        apply=apply,
        apply_many=apply_many,
        description="Officers linked to each enterprise and where each officer serves, for authorization",
    )


class PostgresAccess:
    """`AccessFacts` read from this service's `proj_access` tables."""

    def __init__(self, pool: Callable[[], asyncpg.Pool]) -> None:
        self._pool = pool

    async def enterprise(self, enterprise_id: str) -> EnterpriseLinks:
        rows = await self._pool().fetch(
            """SELECT DISTINCT l.officer_id, o.unit_name FROM proj_access.links l
               LEFT JOIN proj_access.officers o USING (officer_id) WHERE l.enterprise_id = $1""",
            enterprise_id,
        )
        return EnterpriseLinks(
            enterprise_id,
            frozenset(r["officer_id"] for r in rows),
            frozenset(r["unit_name"] for r in rows if r["unit_name"] is not None),
        )

    async def officer_station(self, officer_id: str) -> str | None:
        value = await self._pool().fetchval(
            "SELECT unit_name FROM proj_access.officers WHERE officer_id = $1", officer_id
        )
        return None if value is None else str(value)

    async def chief(self, enterprise_id: str, tier: str, slot: str) -> str | None:
        """The officer holding `tier`/`slot` of the enterprise now, if any."""
        value = await self._pool().fetchval(
            "SELECT officer_id FROM proj_access.links WHERE enterprise_id = $1 AND via = $2",
            enterprise_id,
            f"chief:{tier}:{slot}",
        )
        return None if value is None else str(value)

    async def enterprises_of_station(self, station: str, officer_id: str | None = None) -> frozenset[str]:
        """The enterprises a station chief sees: linked to an officer of `station` (or to `officer_id`)."""
        rows = await self._pool().fetch(
            """SELECT DISTINCT l.enterprise_id FROM proj_access.links l
               LEFT JOIN proj_access.officers o USING (officer_id) WHERE o.unit_name = $1 OR l.officer_id = $2""",
            station,
            officer_id,
        )
        return frozenset(r["enterprise_id"] for r in rows)
