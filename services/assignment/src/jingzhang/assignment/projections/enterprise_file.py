"""一企一档: one file per enterprise: its record, its chiefs now, and every term any chief ever served.

Terms are rows keyed by the version of the `ChiefAssigned` that opened them and closed by the
matching `ChiefRelieved`, so "who was chief of X at D" is a range query over them.
"""

import json
from collections.abc import Collection
from datetime import datetime
from typing import Any

import asyncpg

from jingzhang.assignment.domain.business_time import bureau_date
from jingzhang.assignment.domain.events import (
    ChiefAssigned,
    ChiefRelieved,
    EnterpriseClosed,
    EnterpriseReclassified,
    EnterpriseRegistered,
    EnterpriseReinstated,
    EnterpriseSuspended,
    PoliceOfficeClosed,
    PoliceOfficeOpened,
    TaskForceFormed,
    TaskForceMemberAdded,
    TaskForceMemberRemoved,
)
from jingzhang.assignment.events import REGISTRY, SERVICE
from jingzhang.assignment.projections import Queries
from jingzhang.shared.envelope import Envelope
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.projection import Projection, Source, Tx

SQL = """
CREATE TABLE IF NOT EXISTS enterprises (
    enterprise_id    text PRIMARY KEY,
    name             text NOT NULL,
    credit_code      text NOT NULL,
    address          text NOT NULL,
    industry         text NOT NULL,
    contact_name     text NOT NULL,
    contact_phone    text NOT NULL,
    enterprise_class text NOT NULL,
    status           text NOT NULL,
    registered_at    timestamptz NOT NULL,
    version          integer NOT NULL,
    office           jsonb,
    task_force       jsonb
);
-- the business date, since issue 13 (a file projected before it reads the day of `registered_at`)
ALTER TABLE enterprises ADD COLUMN IF NOT EXISTS registered_on date;
CREATE INDEX IF NOT EXISTS enterprises_by_class ON enterprises (enterprise_class, status);
CREATE TABLE IF NOT EXISTS terms (
    enterprise_id   text NOT NULL,
    opened_version  integer NOT NULL,
    tier            text NOT NULL,
    slot            text NOT NULL,
    officer_id      text NOT NULL,
    effective_from  timestamptz NOT NULL,
    effective_until timestamptz,
    relieved_reason text,
    PRIMARY KEY (enterprise_id, opened_version)
);
"""


async def apply(tx: Tx, env: Envelope, payload: DomainEvent) -> None:
    conn = tx.conn
    await conn.execute(
        "UPDATE enterprises SET version = $2 WHERE enterprise_id = $1", env.stream.aggregate_id, env.version
    )
    match payload:
        case EnterpriseRegistered():
            await _registered(conn, env, payload)
        case EnterpriseReclassified(enterprise_id=eid, enterprise_class=cls):
            await conn.execute("UPDATE enterprises SET enterprise_class = $2 WHERE enterprise_id = $1", eid, cls)
        case EnterpriseSuspended(enterprise_id=eid):
            await _status(conn, eid, "suspended")
        case EnterpriseReinstated(enterprise_id=eid):
            await _status(conn, eid, "active")
        case EnterpriseClosed(enterprise_id=eid):
            await _status(conn, eid, "closed")
        case ChiefAssigned():
            await conn.execute(
                "INSERT INTO terms (enterprise_id, opened_version, tier, slot, officer_id, effective_from)"
                " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                payload.enterprise_id, env.version, payload.tier, payload.slot, payload.officer_id,
                payload.effective_from,
            )  # fmt: skip
        case ChiefRelieved():
            await conn.execute(
                "UPDATE terms SET effective_until = $5, relieved_reason = $6 WHERE enterprise_id = $1"
                " AND tier = $2 AND slot = $3 AND officer_id = $4 AND effective_until IS NULL",
                payload.enterprise_id, payload.tier, payload.slot, payload.officer_id, payload.effective_from,
                payload.reason,
            )  # fmt: skip
        case PoliceOfficeOpened():
            office = payload.model_dump(mode="json", exclude={"enterprise_id"})
            office["opened_on"] = (payload.opened_on or bureau_date(env.occurred_at)).isoformat()
            await _set(conn, payload.enterprise_id, "office", office)
        case PoliceOfficeClosed(enterprise_id=eid):
            await _set(conn, eid, "office", None)
        case TaskForceFormed(enterprise_id=eid, name=name, leader_officer_id=leader):
            await _set(conn, eid, "task_force", {"name": name, "leader_officer_id": leader, "members": {}})
        case TaskForceMemberAdded(enterprise_id=eid, officer_id=oid, role=role):
            await _member(conn, eid, "jsonb_set(task_force, ARRAY['members', $2], to_jsonb($3::text))", oid, role)
        case TaskForceMemberRemoved(enterprise_id=eid, officer_id=oid):
            await _member(conn, eid, "task_force #- ARRAY['members', $2]", oid)
        case _:
            return


async def _registered(conn: asyncpg.Connection, env: Envelope, e: EnterpriseRegistered) -> None:
    await conn.execute(
        "INSERT INTO enterprises (enterprise_id, name, credit_code, address, industry, contact_name,"
        " contact_phone, enterprise_class, status, registered_at, registered_on, version)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active', $9, $10, $11) ON CONFLICT DO NOTHING",
        e.enterprise_id, e.name, e.credit_code, e.address, e.industry, e.contact_name, e.contact_phone,
        e.enterprise_class, env.occurred_at, e.registered_on or bureau_date(env.occurred_at), env.version,
    )  # fmt: skip


async def _status(conn: asyncpg.Connection, enterprise_id: str, status: str) -> None:
    await conn.execute("UPDATE enterprises SET status = $2 WHERE enterprise_id = $1", enterprise_id, status)


async def _set(conn: asyncpg.Connection, enterprise_id: str, column: str, value: object) -> None:
    encoded = None if value is None else json.dumps(value, ensure_ascii=False)
    await conn.execute(f"UPDATE enterprises SET {column} = $2::jsonb WHERE enterprise_id = $1", enterprise_id, encoded)


async def _member(conn: asyncpg.Connection, enterprise_id: str, expression: str, *args: object) -> None:
    await conn.execute(
        f"UPDATE enterprises SET task_force = {expression} WHERE enterprise_id = $1", enterprise_id, *args
    )


PROJECTION = Projection(
    name="enterprise_file",
    schema_sql=SQL,
    sources=(Source(SERVICE, "enterprise"),),
    registry=REGISTRY,
    apply=apply,
    description="一企一档: each enterprise with its chiefs and the history of every term",
)


# --- queries -----------------------------------------------------------------------------------

_TERM = "tier, slot, officer_id, effective_from, effective_until, relieved_reason"


class EnterpriseFiles(Queries):
    projection = PROJECTION

    async def file(self, enterprise_id: str) -> dict[str, Any] | None:
        async with self.reading() as conn:
            row = await conn.fetchrow("SELECT * FROM enterprises WHERE enterprise_id = $1", enterprise_id)
            if row is None:
                return None
            terms = await conn.fetch(
                f"SELECT {_TERM} FROM terms WHERE enterprise_id = $1 ORDER BY opened_version", enterprise_id
            )
        history = [dict(t) for t in terms]
        return {
            **_record(row),
            "chiefs": [t for t in history if t["effective_until"] is None],
            "history": history,
        }

    async def chiefs_at(self, enterprise_id: str, at: datetime) -> list[dict[str, Any]] | None:
        """The chiefs whose terms cover `at`; None when the enterprise is unknown."""
        async with self.reading() as conn:
            if not await conn.fetchval("SELECT 1 FROM enterprises WHERE enterprise_id = $1", enterprise_id):
                return None
            rows = await conn.fetch(
                f"SELECT {_TERM} FROM terms WHERE enterprise_id = $1 AND effective_from <= $2"
                " AND (effective_until IS NULL OR $2 < effective_until) ORDER BY tier, slot",
                enterprise_id,
                at,
            )
        return [dict(r) for r in rows]

    async def enterprises(
        self,
        enterprise_class: str | None = None,
        status: str | None = None,
        only: Collection[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Every enterprise, or those among `only`, of that class and status."""
        async with self.reading() as conn:
            rows = await conn.fetch(
                "SELECT * FROM enterprises WHERE ($1::text IS NULL OR enterprise_class = $1)"
                " AND ($2::text IS NULL OR status = $2) AND ($3::text[] IS NULL OR enterprise_id = ANY($3))"
                " ORDER BY enterprise_id",
                enterprise_class,
                status,
                None if only is None else list(only),
            )
        return [_record(r) for r in rows]


def _record(row: asyncpg.Record) -> dict[str, Any]:
    record = dict(row)
    if record["registered_on"] is None:  # projected before business dates: the day it was recorded
        record["registered_on"] = bureau_date(record["registered_at"])
    for column in ("office", "task_force"):
        record[column] = json.loads(record[column]) if record[column] is not None else None
    return record
