"""One async function per command: register a group's webhook, an SMS template, a read receipt.

Each reads the clock once and loads its aggregate once (`shared.aggregate.execute`)."""

from dataclasses import dataclass

from jingzhang.notifications.domain import channels, notification
from jingzhang.notifications.domain.channels import ChannelState, RegisterGroupWebhook, RegisterSmsTemplate
from jingzhang.notifications.domain.notification import MarkRead, NotificationState
from jingzhang.notifications.events import GROUP_WEBHOOK, NOTIFICATION, REGISTRY, SMS_TEMPLATE
from jingzhang.notifications.projections.directory import PostgresDirectory
from jingzhang.shared.aggregate import Decided, execute
from jingzhang.shared.clock import Clock
from jingzhang.shared.envelope import Metadata
from jingzhang.shared.errors import NotYetKnown, UnknownSubject
from jingzhang.shared.store.protocol import EventStore


@dataclass(frozen=True)
class Deps:
    store: EventStore
    clock: Clock
    directory: PostgresDirectory


async def register_webhook(deps: Deps, cmd: RegisterGroupWebhook, meta: Metadata) -> Decided[ChannelState]:
    channels.check_webhook_url(cmd.webhook_url)
    await _known_enterprise(deps.directory, cmd.enterprise_id)
    now = deps.clock.now()
    return await execute(
        deps.store,
        REGISTRY,
        GROUP_WEBHOOK,
        cmd.enterprise_id,
        lambda _: channels.register_webhook(cmd, now),
        meta=meta,
        now=now,
        expected_version=cmd.expected_version,
    )


async def register_template(deps: Deps, cmd: RegisterSmsTemplate, meta: Metadata) -> Decided[ChannelState]:
    now = deps.clock.now()
    return await execute(
        deps.store,
        REGISTRY,
        SMS_TEMPLATE,
        cmd.kind.value,
        lambda _: channels.register_template(cmd, now),
        meta=meta,
        now=now,
        expected_version=cmd.expected_version,
    )


async def mark_read(deps: Deps, cmd: MarkRead, meta: Metadata) -> Decided[NotificationState]:
    now = deps.clock.now()
    return await execute(
        deps.store,
        REGISTRY,
        NOTIFICATION,
        cmd.notification_id,
        lambda state: notification.mark_read(cmd, state, now),
        meta=meta,
        now=now,
    )


async def _known_enterprise(directory: PostgresDirectory, enterprise_id: str) -> None:
    if await directory.enterprise_known(enterprise_id):
        return
    if await directory.caught_up("assignment"):
        raise UnknownSubject("enterprise", enterprise_id, field="enterprise_id")
    raise NotYetKnown("enterprise", enterprise_id, field="enterprise_id")
