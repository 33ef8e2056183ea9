"""Who and where the channels reach: enterprises known, officers' phones (tokens sealed under
`officer/<id>`, opened only by the SMS adapter), each group's robot webhook (a token sealed under
`webhook/<enterprise>`) and the SMS template per kind. Erasing a person destroys their key: the token
stays here, unreadable."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg

from jingzhang.notifications.domain.channels import GroupWebhookRegistered, SmsTemplateRegistered
from jingzhang.notifications.events import GROUP_WEBHOOK, REGISTRY, SERVICE, SMS_TEMPLATE
from jingzhang.notifications.upstream import assignment
from jingzhang.shared.envelope import Envelope
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.privacy.reads import SCHEMA as READS_SCHEMA
from jingzhang.shared.projection import Projection, Source, Tx

READS_TABLE = f"{READS_SCHEMA}.personal_reads"
READER = "service:notifications-delivery"

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS enterprises (enterprise_id text PRIMARY KEY, closed boolean NOT NULL DEFAULT false);
CREATE TABLE IF NOT EXISTS officers (officer_id text PRIMARY KEY, phone text);
CREATE TABLE IF NOT EXISTS webhooks (
    enterprise_id text PRIMARY KEY, url text NOT NULL, registered_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS templates (kind text PRIMARY KEY, template_code text NOT NULL, content text NOT NULL);
"""


async def apply(tx: Tx, env: Envelope, event: DomainEvent) -> None:
    conn = tx.conn
    match event:
        case assignment.EnterpriseRegistered():
            await conn.execute("INSERT INTO enterprises VALUES ($1) ON CONFLICT DO NOTHING", event.enterprise_id)
        case assignment.EnterpriseClosed():
            await conn.execute("UPDATE enterprises SET closed = true WHERE enterprise_id = $1", event.enterprise_id)
        case assignment.OfficerEnrolled():
            await conn.execute(
                "INSERT INTO officers VALUES ($1, $2) ON CONFLICT (officer_id) DO UPDATE SET phone = $2",
                event.officer_id,
                event.phone,
            )
        case assignment.OfficerRetired():
            await conn.execute("UPDATE officers SET phone = NULL WHERE officer_id = $1", event.officer_id)
        case GroupWebhookRegistered():
            await conn.execute(
                "INSERT INTO webhooks VALUES ($1, $2, $3)"
                " ON CONFLICT (enterprise_id) DO UPDATE SET url = $2, registered_at = $3",
                event.enterprise_id,
                event.webhook_url,
                event.registered_at,
            )
        case SmsTemplateRegistered():
            await conn.execute(
                "INSERT INTO templates VALUES ($1, $2, $3)"
                " ON CONFLICT (kind) DO UPDATE SET template_code = $2, content = $3",
                event.kind.value,
                event.template_code,
                event.content,
            )
        case _:
            pass


PROJECTION = Projection(
    name="directory",
    schema_sql=SCHEMA_SQL,
    sources=(
        Source("assignment", "enterprise"),
        Source("assignment", "officer"),
        Source(SERVICE, GROUP_WEBHOOK.aggregate_type),
        Source(SERVICE, SMS_TEMPLATE.aggregate_type),
    ),
    registry=REGISTRY.merge(assignment.READS),
    apply=apply,
    description="Enterprises known, officers' sealed phones, groups' sealed webhooks, SMS templates.",
)


@dataclass(frozen=True, slots=True)
class Template:
    code: str
    content: str


@dataclass
class PostgresDirectory:
    """Reads the directory; `caught_up` tells an unknown enterprise from one whose events are on their way."""

    pool: Callable[[], asyncpg.Pool]
    caught_up: Callable[[str], Awaitable[bool]]

    async def enterprise_known(self, enterprise_id: str) -> bool:
        found = await self.pool().fetchval(
            f"SELECT EXISTS (SELECT 1 FROM {PROJECTION.schema}.enterprises WHERE enterprise_id = $1)", enterprise_id
        )
        return bool(found)

    async def phone_token(self, officer_id: str) -> str | None:
        value: str | None = await self.pool().fetchval(
            f"SELECT phone FROM {PROJECTION.schema}.officers WHERE officer_id = $1", officer_id
        )
        return value

    async def webhook_token(self, enterprise_id: str) -> str | None:
        value: str | None = await self.pool().fetchval(
            f"SELECT url FROM {PROJECTION.schema}.webhooks WHERE enterprise_id = $1", enterprise_id
        )
        return value

    async def record_reveal(self, subject: str, kind: str, route: str, purpose: str) -> None:
        """Who opened whose personal data and why, in the service's read log (`privacy.personal_reads`,
        as the HTTP edge records reveals): the values never, the fact always, before it is used."""
        await self.pool().execute(
            f"INSERT INTO {READS_TABLE} (read_at, reader, role, subject, kinds, route, purpose)"
            " VALUES (clock_timestamp(), $1, NULL, $2, $3, $4, $5)",
            READER,
            subject,
            [kind],
            route,
            purpose,
        )

    async def template(self, kind: str) -> Template | None:
        row = await self.pool().fetchrow(
            f"SELECT template_code, content FROM {PROJECTION.schema}.templates WHERE kind = $1", kind
        )
        return None if row is None else Template(row["template_code"], row["content"])
