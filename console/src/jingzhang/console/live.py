"""Live pages: the services' published events, as they pass on NATS, tell open pages to refresh.

A core subscription to `jz.*.evt.>` (the subjects the relays publish to; the streams keep them): no
durable state, nothing missed that matters, since a page that refreshes reads everything again from
the APIs with its user's token. Browsers get only the service and the event type, never ids or data,
so a nudge tells no one anything their own token could not read.
"""

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import nats
import structlog
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg

log = structlog.get_logger(__name__)
SUBJECT = "jz.*.evt.>"
QUEUE_SIZE = 64


class Live:
    """Fans each published event out to every open page's queue (a slow page drops nudges, not events)."""

    def __init__(self, nats_url: str | None) -> None:
        self.nats_url = nats_url
        self._nc: NATS | None = None
        self._pages: set[asyncio.Queue[dict[str, str]]] = set()

    async def start(self) -> None:
        if not self.nats_url:
            return
        try:
            self._nc = await nats.connect(
                self.nats_url, max_reconnect_attempts=-1, reconnect_time_wait=1.0, connect_timeout=5
            )
            await self._nc.subscribe(SUBJECT, cb=self._on_event)
        except Exception as exc:  # pages still work without live updates; the log says why
            log.warning("console.live.unavailable", nats_url=self.nats_url, error=str(exc))
            self._nc = None

    async def stop(self) -> None:
        if self._nc is not None:
            with contextlib.suppress(Exception):
                await self._nc.drain()

    async def _on_event(self, msg: Msg) -> None:
        nudge = nudge_of(msg.subject)
        for queue in list(self._pages):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(nudge)

    @contextlib.asynccontextmanager
    async def page(self) -> AsyncIterator[asyncio.Queue[dict[str, str]]]:
        queue: asyncio.Queue[dict[str, str]] = asyncio.Queue(QUEUE_SIZE)
        self._pages.add(queue)
        try:
            yield queue
        finally:
            self._pages.discard(queue)


def nudge_of(subject: str) -> dict[str, str]:
    """`jz.<service>.evt.<aggregate>.<id>.<EventType>` → the service and the event type only."""
    parts = subject.split(".")
    return {"service": parts[1] if len(parts) > 1 else "", "type": parts[-1]}


async def stream(live: Live, heartbeat: float = 15.0) -> AsyncIterator[dict[str, Any]]:
    async with live.page() as queue:
        yield {"event": "hello", "data": "{}"}
        while True:
            try:
                nudge = await asyncio.wait_for(queue.get(), heartbeat)
            except TimeoutError:
                yield {"event": "ping", "data": "{}"}
                continue
            yield {"event": "change", "data": json.dumps(nudge)}
