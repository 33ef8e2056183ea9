"""Officers' inboxes and the console's alerts: every in-app notification the rules decide, and its read
receipt. It follows the same events as the dispatch reactor and decides with the same rules and ids,
so a replay rebuilds it exactly and sends nothing (pushing is the reactor's, which is never replayed).

The words are rendered when read: the stored variables plus the console's address (`CONSOLE_URL`)."""

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

import asyncpg
from pydantic import BaseModel

from jingzhang.notifications.domain.notification import NotificationRead
from jingzhang.notifications.domain.quiet import BUREAU_TZ
from jingzhang.notifications.domain.rules import decide, notification_id
from jingzhang.notifications.domain.templates import render
from jingzhang.notifications.domain.vocabulary import Channel, MessageKind
from jingzhang.notifications.events import NOTIFICATION, REGISTRY, SERVICE
from jingzhang.notifications.projections.facts import FACTS_SQL, facts_for, learn
from jingzhang.notifications.upstream import appeals, assignment, patrols
from jingzhang.shared.envelope import Envelope
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.projection import Projection, Source, Tx

SCHEMA_SQL = (
    FACTS_SQL
    + """
CREATE TABLE IF NOT EXISTS inbox (
    notification_id uuid PRIMARY KEY,
    recipient       text NOT NULL,
    kind            text NOT NULL,
    variables       jsonb NOT NULL,
    urgent          boolean NOT NULL,
    enterprise_id   text,
    ref             text NOT NULL,
    decided_at      timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS inbox_recipient ON inbox (recipient, decided_at DESC);
CREATE TABLE IF NOT EXISTS reads (
    notification_id uuid PRIMARY KEY, read_by text NOT NULL, read_at timestamptz NOT NULL
);
"""
)


async def apply(tx: Tx, env: Envelope, event: DomainEvent) -> None:
    conn = tx.conn
    if isinstance(event, NotificationRead):
        await conn.execute(
            "INSERT INTO reads VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            env.stream.aggregate_id,
            event.read_by,
            event.read_at,
        )
        return
    await learn(conn, env, event)
    decisions = [
        d
        for d in decide(event, env.stream.aggregate_id, await facts_for(conn, env, event))
        if Channel.INAPP in d.channels
    ]
    for d in decisions:
        await conn.execute(
            "INSERT INTO inbox VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
            notification_id(env.event_id, d.recipient),
            d.recipient,
            d.kind.value,
            json.dumps(without_names(d.variables), ensure_ascii=False),
            d.urgent,
            d.enterprise_id,
            d.ref,
            env.occurred_at,
        )


def without_names(variables: Mapping[str, str]) -> dict[str, str]:
    """The variables to store: the enterprise's name is read when the message is rendered, since it may
    arrive (from assignment) after the appeal or duty that names the enterprise, in a replay above all."""
    return {k: v for k, v in variables.items() if k != "enterprise"}


PROJECTION = Projection(
    name="inbox",
    schema_sql=SCHEMA_SQL,
    sources=(
        Source("assignment", "enterprise"),
        Source("appeals", "appeal"),
        Source("patrols", "duty"),
        Source(SERVICE, NOTIFICATION.aggregate_type),
    ),
    registry=REGISTRY.merge(assignment.READS, appeals.READS, patrols.READS),
    apply=apply,
    description="Officers' inboxes and the console's alerts, with read receipts.",
)


class InboxItem(BaseModel):
    notification_id: str
    kind: MessageKind
    title: str
    text: str
    link: str
    urgent: bool
    enterprise_id: str | None
    ref: str
    decided_at: datetime
    """When the causing event happened, in bureau time."""
    read_at: datetime | None


@dataclass
class PostgresInbox:
    pool: Callable[[], asyncpg.Pool]
    console_url: str

    async def items(self, recipient: str, *, unread_only: bool = False, limit: int = 100) -> list[InboxItem]:
        rows = await self.pool().fetch(
            f"SELECT i.*, r.read_at, e.name FROM {PROJECTION.schema}.inbox i"
            f" LEFT JOIN {PROJECTION.schema}.reads r USING (notification_id)"
            f" LEFT JOIN {PROJECTION.schema}.enterprises e USING (enterprise_id)"
            " WHERE i.recipient = $1 AND (NOT $2 OR r.read_at IS NULL)"
            " ORDER BY i.decided_at DESC, i.notification_id LIMIT $3",
            recipient,
            unread_only,
            limit,
        )
        return [self._item(r) for r in rows]

    async def recipient_of(self, notification_id: str) -> str | None:
        value: str | None = await self.pool().fetchval(
            f"SELECT recipient FROM {PROJECTION.schema}.inbox WHERE notification_id = $1::uuid", notification_id
        )
        return value

    def _item(self, row: asyncpg.Record) -> InboxItem:
        kind = MessageKind(row["kind"])
        variables = json.loads(row["variables"])
        variables["link"] = self.console_url.rstrip("/") + variables.get("link", "")
        variables["enterprise"] = row["name"] or row["enterprise_id"] or ""
        title, text = render(kind, variables)
        return InboxItem(
            notification_id=str(row["notification_id"]),
            kind=kind,
            title=title,
            text=text,
            link=variables["link"],
            urgent=row["urgent"],
            enterprise_id=row["enterprise_id"],
            ref=row["ref"],
            decided_at=row["decided_at"].astimezone(BUREAU_TZ),
            read_at=row["read_at"],
        )
