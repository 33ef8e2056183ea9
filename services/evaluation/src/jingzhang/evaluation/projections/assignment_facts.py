"""Facts from the assignment service: officers, enterprises (class spans), chief terms, police offices.

Every table is written from one assignment stream only (an enterprise's or an officer's), so its rows
depend on that stream's own order and never on when another service's events arrive. Spans are in
business time: an enterprise exists from its `registered_on`, an officer is in the scheme from their
`enrolled_on`, an office is open from its `opened_on` (each the start of that day, bureau time), a
chief's term runs from its `effective_from`; an event without such a time (one recorded before they
were published, a suspension, a closing) takes effect at its `occurred_at`.

Its events are read through `upstream.assignment`, evaluation's tolerant reader of them.
"""

from collections.abc import Iterator
from datetime import date, datetime

from jingzhang.evaluation.domain.period import BUREAU_TZ
from jingzhang.evaluation.upstream.assignment import (
    ChiefAssigned,
    ChiefRelieved,
    EnterpriseClosed,
    EnterpriseReclassified,
    EnterpriseRegistered,
    EnterpriseReinstated,
    EnterpriseSuspended,
    OfficerEnrolled,
    OfficerRetired,
    PoliceOfficeClosed,
    PoliceOfficeOpened,
)
from jingzhang.shared.envelope import Envelope
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.statements import Statement, sql

SQL = """
CREATE TABLE IF NOT EXISTS officers (
    officer_id    text PRIMARY KEY,
    event_id      uuid NOT NULL,
    name          text NOT NULL,
    active_from   timestamptz NOT NULL,
    active_until  timestamptz,
    ended_by      uuid,
    recorded_at   timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS enterprises (
    enterprise_id     text PRIMARY KEY,
    event_id          uuid NOT NULL,
    name              text NOT NULL,
    enterprise_class  text NOT NULL,
    status            text NOT NULL,
    recorded_at       timestamptz NOT NULL
);
-- One row per stretch of time an enterprise was active in one class.
CREATE TABLE IF NOT EXISTS enterprise_spans (
    event_id          uuid PRIMARY KEY,
    enterprise_id     text NOT NULL,
    enterprise_class  text NOT NULL,
    active_from       timestamptz NOT NULL,
    active_until      timestamptz,
    ended_by          uuid,
    recorded_at       timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS chief_terms (
    event_id       uuid PRIMARY KEY,
    enterprise_id  text NOT NULL,
    officer_id     text NOT NULL,
    tier           text NOT NULL,
    slot           text NOT NULL,
    active_from    timestamptz NOT NULL,
    active_until   timestamptz,
    ended_by       uuid,
    recorded_at    timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS chief_terms_enterprise ON chief_terms (enterprise_id, officer_id);
CREATE TABLE IF NOT EXISTS police_offices (
    office_id      text PRIMARY KEY,
    event_id       uuid NOT NULL,
    enterprise_id  text NOT NULL,
    active_from    timestamptz NOT NULL,
    active_until   timestamptz,
    ended_by       uuid,
    recorded_at    timestamptz NOT NULL
);
"""


def plan(env: Envelope, payload: DomainEvent) -> Iterator[Statement]:
    match payload:
        case EnterpriseRegistered():
            yield from _register(env, payload)
        case EnterpriseReclassified(enterprise_id=enterprise_id, enterprise_class=cls):
            yield from _end_span(env, enterprise_id)
            yield sql("UPDATE enterprises SET enterprise_class = $2 WHERE enterprise_id = $1", enterprise_id, cls.value)
            yield from _start_span_if_active(env, enterprise_id)
        case EnterpriseSuspended(enterprise_id=enterprise_id) | EnterpriseClosed(enterprise_id=enterprise_id):
            yield from _end_span(env, enterprise_id)
            status = "suspended" if isinstance(payload, EnterpriseSuspended) else "closed"
            yield sql("UPDATE enterprises SET status = $2 WHERE enterprise_id = $1", enterprise_id, status)
        case EnterpriseReinstated(enterprise_id=enterprise_id):
            yield sql("UPDATE enterprises SET status = 'active' WHERE enterprise_id = $1", enterprise_id)
            yield from _start_span_if_active(env, enterprise_id)
        case ChiefAssigned():
            yield from _assign(env, payload)
        case ChiefRelieved():
            yield from _relieve(env, payload)
        case PoliceOfficeOpened():
            yield sql(
                "INSERT INTO police_offices VALUES ($1, $2, $3, $4, NULL, NULL, $5) ON CONFLICT (office_id) DO UPDATE"
                " SET event_id = $2, enterprise_id = $3, active_from = $4, active_until = NULL, ended_by = NULL,"
                " recorded_at = $5",
                payload.office_id,
                env.event_id,
                payload.enterprise_id,
                _on(payload.opened_on, env),
                env.recorded_at,
            )
        case PoliceOfficeClosed():
            yield from _end("police_offices", "office_id = $3", env.occurred_at, env.event_id, payload.office_id)
        case OfficerEnrolled():
            yield sql(
                "INSERT INTO officers VALUES ($1, $2, $3, $4, NULL, NULL, $5) ON CONFLICT (officer_id) DO NOTHING",
                payload.officer_id,
                env.event_id,
                payload.name,
                _on(payload.enrolled_on, env),
                env.recorded_at,
            )
        case OfficerRetired():
            yield from _end("officers", "officer_id = $3", payload.effective_from, env.event_id, payload.officer_id)
        case _:
            return


def _register(env: Envelope, event: EnterpriseRegistered) -> Iterator[Statement]:
    yield sql(
        "INSERT INTO enterprises VALUES ($1, $2, $3, $4, 'active', $5) ON CONFLICT (enterprise_id) DO NOTHING",
        event.enterprise_id,
        env.event_id,
        event.name,
        event.enterprise_class.value,
        env.recorded_at,
    )
    yield from _start_span_if_active(env, event.enterprise_id, _on(event.registered_on, env))


def _on(day: date | None, env: Envelope) -> datetime:
    """The start of a business day in bureau time; without one, when the event was recorded."""
    return env.occurred_at if day is None else datetime(day.year, day.month, day.day, tzinfo=BUREAU_TZ)


def _start_span_if_active(env: Envelope, enterprise_id: str, since: datetime | None = None) -> Iterator[Statement]:
    """A new span in the enterprise's current class from `since` (default: the event's time), unless it
    is suspended or closed."""
    yield sql(
        "INSERT INTO enterprise_spans (event_id, enterprise_id, enterprise_class, active_from, recorded_at)"
        " SELECT $1, enterprise_id, enterprise_class, $3, $4 FROM enterprises"
        " WHERE enterprise_id = $2 AND status = 'active' ON CONFLICT (event_id) DO NOTHING",
        env.event_id,
        enterprise_id,
        since or env.occurred_at,
        env.recorded_at,
    )


def _end_span(env: Envelope, enterprise_id: str) -> Iterator[Statement]:
    yield from _end("enterprise_spans", "enterprise_id = $3", env.occurred_at, env.event_id, enterprise_id)


def _assign(env: Envelope, event: ChiefAssigned) -> Iterator[Statement]:
    yield sql(
        "INSERT INTO chief_terms (event_id, enterprise_id, officer_id, tier, slot, active_from, recorded_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (event_id) DO NOTHING",
        env.event_id,
        event.enterprise_id,
        event.officer_id,
        event.tier.value,
        event.slot.value,
        event.effective_from,
        env.recorded_at,
    )


def _relieve(env: Envelope, event: ChiefRelieved) -> Iterator[Statement]:
    yield from _end(
        "chief_terms",
        "enterprise_id = $3 AND officer_id = $4 AND tier = $5 AND slot = $6",
        event.effective_from,
        env.event_id,
        event.enterprise_id,
        event.officer_id,
        event.tier.value,
        event.slot.value,
    )


def _end(table: str, where: str, until: datetime, by: object, *keys: object) -> Iterator[Statement]:
    """Close the open rows matching `where` ($3...) at `until`, naming the event that ended them."""
    yield sql(
        f"UPDATE {table} SET active_until = $1, ended_by = $2 WHERE {where} AND active_until IS NULL",
        until,
        by,
        *keys,
    )
