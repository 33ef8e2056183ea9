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
from jingzhang.shared.store.protocol import EventStore
from jingzhang.shared.subjects import Named, require_all_known


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
    """Known, or refused as not known yet (409) or unknown (422) by the kernel's rule, which reads the
    directory again once this service has caught up: what it applied while waiting counts."""

    def missing(known: bool) -> list[Named]:
        return [] if known else [Named("enterprise", enterprise_id, "enterprise_id")]

    await require_all_known(
        lambda: directory.enterprise_known(enterprise_id),
        missing,
        producer="assignment",
        caught_up=directory.caught_up,
    )
