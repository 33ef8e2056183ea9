"""一企一档: one file per enterprise, from every service's published events.

The file holds the enterprise's record as assignment registered it (class and status kept current),
its police office, every chief's term (A/B, from when, until when and why), and a timeline: one row
per event of any service that concerns the enterprise, with the event's data as published and the
business time it speaks of (when an appeal was received, a visit started, an activity happened...).

Which enterprise an event concerns: its `enterprise_id`, else its own stream's when that is an
enterprise, else the enterprise the stream's first event named (an appeal's `AppealRaised`, a duty's
`DutyScheduled`): later events of an appeal do not repeat it. A stream whose first event names none
(a spot check's draw) contributes only the events that do. Each table is keyed by one stream's ids, so
the file ends the same for any interleaving of the services' streams that keeps each stream's order.

Every event is read as published (`Unread`): the file keeps what the producer wrote, personal data as
the producer's tokens, which the HTTP edge shows as the caller may see them (auditors masked).
"""

import json
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time
from typing import Any

import asyncpg

from jingzhang.evaluation.domain.period import BUREAU_TZ as BUREAU_TIME
from jingzhang.shared.envelope import Envelope
from jingzhang.shared.projection import Applicable, Projection, Source, Tx, each
from jingzhang.shared.readers import ReaderRegistry, Unread
from jingzhang.shared.statements import Statement, run, sql

SOURCES = (
    Source("assignment", "enterprise"),
    Source("assignment", "officer"),
    Source("appeals", "appeal"),
    Source("appeals", "matter"),
    Source("patrols", "duty"),
    Source("patrols", "visit"),
    Source("patrols", "hazard"),
    Source("patrols", "activity"),
    Source("evaluation", "rating"),
    Source("evaluation", "spot_check"),
)

SQL = """
CREATE TABLE IF NOT EXISTS files (
    enterprise_id    text PRIMARY KEY,
    record           jsonb NOT NULL,
    enterprise_class text NOT NULL,
    status           text NOT NULL,
    registered_on    date NOT NULL,
    office           jsonb
);
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
CREATE TABLE IF NOT EXISTS officers (
    officer_id text PRIMARY KEY,
    name       text NOT NULL,
    unit_name  text NOT NULL
);
CREATE TABLE IF NOT EXISTS streams (
    service        text NOT NULL,
    aggregate_type text NOT NULL,
    aggregate_id   text NOT NULL,
    enterprise_id  text NOT NULL,
    PRIMARY KEY (service, aggregate_type, aggregate_id)
);
CREATE TABLE IF NOT EXISTS timeline (
    event_id       uuid PRIMARY KEY,
    enterprise_id  text NOT NULL,
    at             timestamptz NOT NULL,
    service        text NOT NULL,
    event_type     text NOT NULL,
    aggregate_type text NOT NULL,
    aggregate_id   text NOT NULL,
    version        integer NOT NULL,
    actor          text NOT NULL,
    occurred_at    timestamptz NOT NULL,
    recorded_at    timestamptz NOT NULL,
    data           jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS timeline_page ON timeline (enterprise_id, at DESC, event_id DESC);
"""

WHEN = (
    "received_at", "started_at", "occurred_on", "found_on", "rectified_on", "verified_on", "detected_on",
    "registered_on", "opened_on", "effective_from", "raised_at", "routed_at", "acknowledged_at", "resolved_at",
    "referred_at", "reported_at", "followed_up_at", "closed_at", "reopened_at", "merged_at", "escalated_at",
    "breached_at", "warned_at", "passed_at", "held_at", "diverted_at", "approved_at", "refused_at",
    "requested_at", "recorded_at", "rated_at", "answered_at", "drawn_at", "since", "assigned_at", "completed_at",
    "overdue_at",
)  # fmt: skip
"""The payload fields that say when the thing happened (business time), the first present one used."""


def business_time(data: dict[str, Any], occurred_at: datetime) -> datetime:
    """When the event says it happened: a date is its first moment in bureau time; none, when recorded."""
    for name in WHEN:
        value = data.get(name)
        if isinstance(value, str):
            try:
                return _instant(value)
            except ValueError:
                continue
    return occurred_at


def _instant(value: str) -> datetime:
    if len(value) == len("2025-01-01"):
        return datetime.combine(date.fromisoformat(value), time(), BUREAU_TIME)
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"{value} has no time zone")
    return parsed


async def apply_many(tx: Tx, events: Sequence[Applicable]) -> None:
    """A batch's statements in order, run set-based (see `jingzhang.shared.statements`). Which enterprise
    a stream concerns is read once for the batch's streams that need it, then kept as the batch names
    it, so each event sees what the ones before it recorded, as if applied one by one."""
    read = [(env, dict(p.model_extra or {})) for env, p in events if isinstance(p, Unread)]
    owners = await _owners(tx.conn, [_key(env) for env, data in read if _needs_owner(env, data)])
    statements: list[Statement] = []
    for env, data in read:
        if env.service == "assignment":
            statements.extend(_assignment(env, data))
        enterprise_id = _concerned(env, data, owners, statements)
        if enterprise_id is not None:
            statements.append(_line(env, enterprise_id, data))
    await run(tx.conn, statements)


apply = each(apply_many)

StreamKey = tuple[str, str, str]


def _key(env: Envelope) -> StreamKey:
    return env.service, env.stream.aggregate_type, env.stream.aggregate_id


def _named(data: dict[str, Any]) -> str | None:
    named = data.get("enterprise_id")
    return named if isinstance(named, str) and named else None


def _needs_owner(env: Envelope, data: dict[str, Any]) -> bool:
    return _named(data) is None and not (env.service == "assignment" and env.stream.aggregate_type == "enterprise")


async def _owners(conn: asyncpg.Connection, keys: list[StreamKey]) -> dict[StreamKey, str]:
    if not keys:
        return {}
    rows = await conn.fetch(
        "SELECT s.service, s.aggregate_type, s.aggregate_id, s.enterprise_id FROM streams s"
        " JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(service, aggregate_type, aggregate_id)"
        " USING (service, aggregate_type, aggregate_id)",
        [k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys],
    )  # fmt: skip
    return {(r["service"], r["aggregate_type"], r["aggregate_id"]): str(r["enterprise_id"]) for r in rows}


def _concerned(
    env: Envelope, data: dict[str, Any], owners: dict[StreamKey, str], statements: list[Statement]
) -> str | None:
    stream = env.stream
    named = _named(data)
    if named is not None:
        if env.version == 1:
            statements.append(
                sql(
                    "INSERT INTO streams VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                    env.service, stream.aggregate_type, stream.aggregate_id, named,
                )
            )  # fmt: skip
            owners.setdefault(_key(env), named)
        return named
    if env.service == "assignment" and stream.aggregate_type == "enterprise":
        return stream.aggregate_id
    return owners.get(_key(env))


def _line(env: Envelope, enterprise_id: str, data: dict[str, Any]) -> Statement:
    return sql(
        "INSERT INTO timeline VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb)"
        " ON CONFLICT (event_id) DO NOTHING",
        env.event_id, enterprise_id, business_time(data, env.occurred_at), env.service, env.event_type,
        env.stream.aggregate_type, env.stream.aggregate_id, env.version, env.actor, env.occurred_at,
        env.recorded_at, _json(data),
    )  # fmt: skip


def _assignment(env: Envelope, data: dict[str, Any]) -> Iterator[Statement]:
    """The record, the office, the terms and the officers' names, from assignment's events."""
    eid = data.get("enterprise_id") or env.stream.aggregate_id
    match env.event_type:
        case "EnterpriseRegistered":
            registered_on = data.get("registered_on") or env.occurred_at.astimezone(BUREAU_TIME).date().isoformat()
            yield sql(
                "INSERT INTO files VALUES ($1, $2::jsonb, $3, 'active', $4, NULL) ON CONFLICT DO NOTHING",
                eid, _json(data), data.get("enterprise_class"), date.fromisoformat(registered_on),
            )  # fmt: skip
        case "EnterpriseReclassified":
            cls = data.get("enterprise_class")
            yield sql("UPDATE files SET enterprise_class = $2 WHERE enterprise_id = $1", eid, cls)
        case "EnterpriseSuspended" | "EnterpriseReinstated" | "EnterpriseClosed":
            status = {"EnterpriseSuspended": "suspended", "EnterpriseReinstated": "active"}.get(
                env.event_type, "closed"
            )
            yield sql("UPDATE files SET status = $2 WHERE enterprise_id = $1", eid, status)
        case "ChiefAssigned":
            yield sql(
                "INSERT INTO terms (enterprise_id, opened_version, tier, slot, officer_id, effective_from)"
                " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                eid, env.version, data["tier"], data["slot"], data["officer_id"], _instant(data["effective_from"]),
            )  # fmt: skip
        case "ChiefRelieved":
            yield sql(
                "UPDATE terms SET effective_until = $5, relieved_reason = $6 WHERE enterprise_id = $1 AND tier = $2"
                " AND slot = $3 AND officer_id = $4 AND effective_until IS NULL",
                eid, data["tier"], data["slot"], data["officer_id"], _instant(data["effective_from"]),
                data.get("reason"),
            )  # fmt: skip
        case "PoliceOfficeOpened":
            office = {k: v for k, v in data.items() if k != "enterprise_id"}
            office["opened_on"] = office.get("opened_on") or env.occurred_at.astimezone(BUREAU_TIME).date().isoformat()
            yield sql("UPDATE files SET office = $2::jsonb WHERE enterprise_id = $1", eid, _json(office))
        case "PoliceOfficeClosed":
            yield sql("UPDATE files SET office = NULL WHERE enterprise_id = $1", eid)
        case "OfficerEnrolled":
            yield sql(
                "INSERT INTO officers VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                data["officer_id"], data.get("name", ""), data.get("unit_name", ""),
            )  # fmt: skip
        case "OfficerTransferred":
            yield sql(
                "UPDATE officers SET unit_name = coalesce($2, unit_name) WHERE officer_id = $1",
                data["officer_id"],
                data.get("unit_name"),
            )


_STATUS = {"EnterpriseSuspended": "suspended", "EnterpriseReinstated": "active", "EnterpriseClosed": "closed"}


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


PROJECTION = Projection(
    name="enterprise_file",
    schema_sql=SQL,
    sources=SOURCES,
    registry=ReaderRegistry(),
    apply=apply,
    apply_many=apply_many,
    description="一企一档: each enterprise's record, office, chiefs' terms and the timeline of every service's events",
)
