"""Decides the pushed notifications (WeCom group, SMS) of every event it follows and writes them to the
outbox in the consumer's own transaction, with its checkpoint: an event is decided exactly once, a
redelivered one finds its ids there already (`ON CONFLICT DO NOTHING`). The delivery worker sends
them. A reactor is never replayed, so a replay pushes nothing.

Quiet hours are applied here: a non-urgent message is released at the end of the recipient kind's
quiet hours (by the causing event's time); breaches and escalations are urgent and go at once.

Its DDL is its fingerprint, and a reactor whose fingerprint changed refuses to start until an operator
migrates its tables (docs/architecture.md, "Migrations"): the facts' tables it was released with are
kept here word for word (`RELEASED_FACTS_SQL`), and the tables added since (the dated chiefs) are
created beside them by the applier itself (`chief_terms.adopt`), so a deployment needs no step.
"""

import json
from collections.abc import Mapping

from jingzhang.notifications.domain.quiet import QuietHours, release_at
from jingzhang.notifications.domain.rules import decide, notification_id
from jingzhang.notifications.domain.vocabulary import recipient_kind
from jingzhang.notifications.events import GROUP_WEBHOOK, REGISTRY, SERVICE
from jingzhang.notifications.projections import chief_terms
from jingzhang.notifications.projections.facts import facts_for, learn
from jingzhang.notifications.projections.inbox import without_names
from jingzhang.notifications.settings import NotificationsSettings
from jingzhang.notifications.upstream import appeals, assignment, patrols
from jingzhang.shared.envelope import Envelope
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.projection import Apply, Projection, Source, Tx

NAME = "dispatch"

RELEASED_FACTS_SQL = """
CREATE TABLE IF NOT EXISTS enterprises (enterprise_id text PRIMARY KEY, name text NOT NULL);
CREATE TABLE IF NOT EXISTS chiefs (
    enterprise_id text NOT NULL, tier text NOT NULL, slot text NOT NULL, officer_id text NOT NULL,
    PRIMARY KEY (enterprise_id, tier, slot)
);
CREATE TABLE IF NOT EXISTS acting (
    enterprise_id text NOT NULL, tier text NOT NULL, officer_id text,
    PRIMARY KEY (enterprise_id, tier)
);
CREATE TABLE IF NOT EXISTS appeals (
    appeal_id text PRIMARY KEY, enterprise_id text NOT NULL, category text NOT NULL,
    due_at timestamptz NOT NULL, emergency boolean NOT NULL
);
CREATE TABLE IF NOT EXISTS duties (
    duty_id text PRIMARY KEY, enterprise_id text NOT NULL, kind text NOT NULL, due_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS groups (enterprise_id text PRIMARY KEY);
"""
"""Never edited (see the module's text). `chiefs` and `acting` (undated, overwritten when recorded) are
no longer written: `chief_terms.adopt` takes what they held when it first ran."""

SCHEMA_SQL = (
    RELEASED_FACTS_SQL
    + """
CREATE TABLE IF NOT EXISTS outbox (
    notification_id uuid NOT NULL,
    channel         text NOT NULL,
    kind            text NOT NULL,
    recipient       text NOT NULL,
    enterprise_id   text,
    ref             text NOT NULL,
    variables       jsonb NOT NULL,
    urgent          boolean NOT NULL,
    decided_at      timestamptz NOT NULL,
    release_at      timestamptz NOT NULL,
    retry_at        timestamptz NOT NULL DEFAULT '-infinity',
    state           text NOT NULL DEFAULT 'pending',  -- pending, sent, dead
    attempts        integer NOT NULL DEFAULT 0,
    held            integer NOT NULL DEFAULT 0,       -- times held back by a rate limit (not failures)
    claimed_until   timestamptz,                      -- set while a sender works on it
    interrupted     boolean NOT NULL DEFAULT false,   -- a claim ran out unanswered: it may have gone out
    last_error      text,
    finished_at     timestamptz,
    PRIMARY KEY (notification_id, channel)
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (release_at) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS outbox_decided ON outbox (decided_at);
CREATE TABLE IF NOT EXISTS robot_sends (enterprise_id text NOT NULL, sent_at timestamptz NOT NULL);
CREATE INDEX IF NOT EXISTS robot_sends_recent ON robot_sends (enterprise_id, sent_at);
"""
)

OUTBOX = f"proj_{NAME}.outbox"
NAMES = f"proj_{NAME}.enterprises"
ROBOT_SENDS = f"proj_{NAME}.robot_sends"


def applier(quiet: Mapping[str, QuietHours]) -> Apply:
    async def apply(tx: Tx, env: Envelope, event: DomainEvent) -> None:
        conn = tx.conn
        if env.service == assignment.PRODUCER:  # the only events that write or read the chiefs
            await chief_terms.adopt(conn)
        await learn(conn, env, event)
        for d in decide(event, env.stream.aggregate_id, await facts_for(conn, env, event)):
            window = quiet.get(recipient_kind(d.recipient).value)
            release = env.occurred_at if window is None else release_at(env.occurred_at, window, urgent=d.urgent)
            for channel in (c for c in d.channels if c.pushed):
                await conn.execute(
                    "INSERT INTO outbox (notification_id, channel, kind, recipient, enterprise_id, ref, variables,"
                    " urgent, decided_at, release_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
                    " ON CONFLICT DO NOTHING",
                    notification_id(env.event_id, d.recipient),
                    channel.value,
                    d.kind.value,
                    d.recipient,
                    d.enterprise_id,
                    d.ref,
                    json.dumps(without_names(d.variables), ensure_ascii=False),
                    d.urgent,
                    env.occurred_at,
                    release,
                )

    return apply


def reactor(settings: NotificationsSettings) -> Projection:
    return Projection(
        name=NAME,
        schema_sql=SCHEMA_SQL,
        sources=(
            Source("assignment", "enterprise"),
            Source("appeals", "appeal"),
            Source("patrols", "duty"),
            Source(SERVICE, GROUP_WEBHOOK.aggregate_type),
        ),
        registry=REGISTRY.merge(assignment.READS, appeals.READS, patrols.READS),
        apply=applier(settings.quiet),
        reactor=True,
        description="Decides pushed notifications into the outbox; never replayed.",
    )


REACTOR = reactor(NotificationsSettings())
