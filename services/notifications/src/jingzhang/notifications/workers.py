"""The delivery worker: every pass claims the due messages of the outbox and pushes them through their
channel's adapter, one recipient's messages in order, recipients side by side.

Outcomes (see `outbox`): sent, recorded with `NotificationSent`; refused by a rate limit (the robot's
errcode 45009, or our own count of its 20 a minute), held and tried again when the window allows,
never counted as a failure; failed, tried again after a doubling backoff, dead-lettered with
`NotificationFailed` and the reason after `DELIVERY_MAX_ATTEMPTS`; impossible (no webhook, recipient
erased), dead-lettered at once. It is a `Periodic` of the kernel, so `PUT /clock` runs a pass too:
a message held for quiet hours goes out when the clock reaches the morning.
"""

import asyncio
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import asyncpg
import structlog

from jingzhang.notifications import outbox
from jingzhang.notifications.channels.port import ChannelAdapter, GiveUp, Outgoing, Retry, Sent
from jingzhang.notifications.domain.notification import NotificationFailed, NotificationSent, delivery_id
from jingzhang.notifications.domain.templates import render
from jingzhang.notifications.domain.vocabulary import Channel
from jingzhang.notifications.events import DELIVERY
from jingzhang.notifications.outbox import Claimed
from jingzhang.notifications.settings import NotificationsSettings
from jingzhang.shared.clock import Clock
from jingzhang.shared.envelope import Metadata, NewEvent, StreamId
from jingzhang.shared.errors import ConcurrencyError
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.runtime import Runtime
from jingzhang.shared.ticks import Periodic

log = structlog.get_logger(__name__)

ACTOR = "notifications-delivery"
IDEMPOTENT = frozenset({Channel.SMS})
"""Channels that take our idempotency key (the SMS gateway's `OutId`): a resend after a crash is not
delivered twice. The WeCom robot takes none."""


@dataclass
class Delivery:
    clock: Clock
    settings: NotificationsSettings
    adapters: Mapping[Channel, ChannelAdapter]

    async def tick(self, runtime: Runtime) -> int:
        s = self.settings
        claimed = await outbox.claim(runtime.pool, self.clock.now(), s.delivery_batch, s.delivery_lease)
        queues: dict[tuple[Channel, str], list[Claimed]] = {}
        for item in claimed:
            queues.setdefault((item.channel, item.recipient), []).append(item)
        done = await asyncio.gather(
            *(self._in_order(runtime, items) for items in queues.values()), return_exceptions=True
        )
        for failure in (d for d in done if isinstance(d, BaseException)):
            # its claims run out and are tried again, marked interrupted: nothing is lost
            log.warning("notification.pass_failed", error=repr(failure))
        return sum(d for d in done if isinstance(d, int))

    async def _in_order(self, runtime: Runtime, items: list[Claimed]) -> int:
        sent = 0
        for item in items:
            sent += await self._one(runtime, item)
        return sent

    async def _one(self, runtime: Runtime, item: Claimed) -> int:
        s = self.settings
        if item.channel is Channel.WECOM and item.enterprise_id is not None:
            recent, wait = await outbox.robot_sends_within(runtime.pool, item.enterprise_id, s.robot_rate_window)
            if recent >= s.robot_rate_limit:
                await outbox.retry_later(runtime.pool, item, max(wait, 0.05), "held: the robot's limit", held=True)
                return 0
        result = await self.adapters[item.channel].send(self._message(item))
        match result:
            case Sent():
                await self._sent(runtime, item)
                return 1
            case Retry(rate_limited=True):
                after = result.after if result.after is not None else s.robot_rate_window
                await outbox.retry_later(runtime.pool, item, after, result.reason, held=True)
            case Retry():
                await self._failed(runtime, item, result)
            case GiveUp():
                await self._dead(runtime, item, result.reason)
        return 0

    def _message(self, item: Claimed) -> Outgoing:
        variables = dict(item.variables)
        variables["link"] = self.settings.console_url.rstrip("/") + variables.get("link", "")
        title, text = render(item.kind, variables)
        if item.channel is Channel.WECOM:
            text = f"{text}\n> 通知编号 {item.notification_id}"
        return Outgoing(
            item.notification_id, item.channel, item.kind, item.recipient, item.enterprise_id, variables, title, text
        )

    async def _failed(self, runtime: Runtime, item: Claimed, result: Retry) -> None:
        s = self.settings
        if item.attempts >= s.delivery_max_attempts:
            await self._dead(runtime, item, f"{result.reason} (after {item.attempts} attempts)")
            return
        backoff = min(s.delivery_backoff * 2 ** (item.attempts - 1), s.delivery_backoff_max)
        log.info(
            "notification.retry",
            notification_id=item.notification_id,
            channel=item.channel.value,
            attempts=item.attempts,
            reason=result.reason,
        )
        await outbox.retry_later(runtime.pool, item, result.after or backoff, result.reason, held=False)

    async def _sent(self, runtime: Runtime, item: Claimed) -> None:
        doubled = item.interrupted and item.channel not in IDEMPOTENT
        now = self.clock.now()
        event = NotificationSent(
            notification_id=item.notification_id,
            channel=item.channel,
            kind=item.kind,
            recipient=item.recipient,
            enterprise_id=item.enterprise_id,
            ref=item.ref,
            attempts=max(item.attempts, 1),
            possibly_duplicated=doubled,
            sent_at=now,
        )
        await self._record(runtime, item, event, now)
        log.info(
            "notification.sent",
            notification_id=item.notification_id,
            channel=item.channel.value,
            recipient=item.recipient,
            kind=item.kind.value,
            possibly_duplicated=doubled,
        )

    async def _dead(self, runtime: Runtime, item: Claimed, reason: str) -> None:
        now = self.clock.now()
        event = NotificationFailed(
            notification_id=item.notification_id,
            channel=item.channel,
            kind=item.kind,
            recipient=item.recipient,
            enterprise_id=item.enterprise_id,
            ref=item.ref,
            attempts=item.attempts,
            reason=reason,
            failed_at=now,
        )
        await self._record(runtime, item, event, now, reason)
        log.warning(
            "notification.dead_lettered",
            notification_id=item.notification_id,
            channel=item.channel.value,
            recipient=item.recipient,
            reason=reason,
        )

    async def _record(
        self, runtime: Runtime, item: Claimed, event: DomainEvent, now: datetime, dead: str | None = None
    ) -> None:
        """The outcome's event and the outbox's state in one transaction; recorded before: state only."""
        stream = DELIVERY.stream(delivery_id(item.notification_id, item.channel))
        meta = Metadata(actor=ACTOR, correlation_id=uuid.UUID(item.notification_id))
        async with runtime.pool.acquire() as conn, conn.transaction():
            await _append_once(runtime, conn, stream, event, now, meta)
            if dead is None:
                await outbox.mark_sent(conn, item)
            else:
                await outbox.mark_dead(conn, item, dead)


async def _append_once(
    runtime: Runtime, conn: asyncpg.Connection, stream: StreamId, event: DomainEvent, now: datetime, meta: Metadata
) -> None:
    try:
        async with conn.transaction():
            await runtime.store.append_in(conn, stream, 0, [NewEvent(event, now)], meta)
    except ConcurrencyError:
        log.info("notification.already_recorded", stream=str(stream))


def delivery_worker(delivery: Delivery) -> Periodic:
    return Periodic("delivery", delivery.settings.delivery_poll_interval, delivery.tick)
