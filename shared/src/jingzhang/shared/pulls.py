"""A durable consumer's messages with a pull request always waiting on the server.

nats-py's `fetch` sends a pull request when it is called and the server answers only that: while a
batch is applied nothing is asked for, and each call costs a no-wait probe, a waiting request and a
timer per message. Here one pull request (`batch` messages, expiring after `expires` seconds) waits
on the server at all times, its messages collected by a subscription's callback: a request is sent
again as soon as the one before is over (delivered in full, expired, or ended by the server), so the
next messages travel while the caller applies the last ones. The server's `max_ack_pending` bounds
what is delivered and not yet acknowledged, so the buffer stays bounded as well.

Status messages end a request (408 expired, 409 the server ended it: a leadership change, a limit) or
keep it alive (100, idle heartbeats); a deleted consumer (409 Consumer Deleted) fails the pull, and
its owner creates the durable again. A request the server never ended (the connection was lost and
came back) is given up `GRACE` seconds after it should have expired, and asked again.
"""

import asyncio
import json
import time
from collections.abc import Awaitable

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js import JetStreamContext

GRACE = 1.0
"""Seconds past its expiry after which a request nobody ended counts as lost."""
_HEARTBEAT = "100"
_GONE = ("Consumer Deleted", "Consumer is push based")


class ConsumerGone(Exception):
    """The server ended the pull for good: the durable consumer was deleted (or replaced)."""


class WaitingPull:
    def __init__(self, nc: NATS, stream: str, durable: str, batch: int, expires: float) -> None:
        self.nc = nc
        self.batch = batch
        self.expires = expires
        self._subject = f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}"
        self._buffer: list[Msg] = []
        self._owed = 0
        """Messages the request waiting on the server may still bring (0: none waiting)."""
        self._deadline = 0.0
        self._arrived = asyncio.Event()
        self._gone: str | None = None
        self._sub: Subscription | None = None
        self._inbox = ""
        self.requests = 0
        """Pull requests sent (a measure for tests and benchmarks)."""

    async def open(self) -> None:
        self._inbox = self.nc.new_inbox()
        self._sub = await self.nc.subscribe(self._inbox, cb=self._received)
        await self._ask()

    async def _received(self, msg: Msg) -> None:
        if JetStreamContext.is_status_msg(msg):
            if (msg.headers or {}).get("Status") == _HEARTBEAT:
                return
            description = (msg.headers or {}).get("Description", "")
            if any(gone in description for gone in _GONE):
                self._gone = description
            self._owed = 0  # 404, 408, 409: this request is over
        else:
            self._buffer.append(msg)
            self._owed -= 1
        self._arrived.set()

    async def _ask(self) -> None:
        self._owed = self.batch
        self._deadline = time.monotonic() + self.expires + GRACE
        request = {"batch": self.batch, "expires": int(self.expires * 1_000_000_000)}
        self.requests += 1
        await self.nc.publish(self._subject, json.dumps(request).encode(), reply=self._inbox)

    async def _keep_one_waiting(self) -> None:
        if self._gone is not None:
            raise ConsumerGone(self._gone)
        if self._owed <= 0 or time.monotonic() > self._deadline:
            await self._ask()

    async def next_batch(self, wait: float, stopped: Awaitable[object]) -> list[Msg] | None:
        """Up to `batch` messages as soon as there are any; [] after `wait` seconds without one; None
        when `stopped` completes first (what arrived stays for `close` to give back)."""
        until = time.monotonic() + wait
        stop = asyncio.ensure_future(stopped)
        while not self._buffer:
            await self._keep_one_waiting()
            now = time.monotonic()
            if now >= until:
                return []
            self._arrived.clear()
            if self._buffer:  # arrived while the request was sent
                break
            arrival = asyncio.ensure_future(self._arrived.wait())
            try:
                await asyncio.wait(
                    (arrival, stop), timeout=min(until, self._deadline) - now, return_when=asyncio.FIRST_COMPLETED
                )
            finally:
                arrival.cancel()
            if stop.done():
                return None
        msgs, self._buffer = self._buffer[: self.batch], self._buffer[self.batch :]
        await self._keep_one_waiting()  # the next messages travel while the caller applies these
        return msgs

    async def close(self) -> None:
        """Stop collecting and give back what arrived and was not handed out, so that the next owner of
        the partition gets it now rather than after the ack wait."""
        if self._sub is not None:
            await self._sub.unsubscribe()
            self._sub = None
        left, self._buffer = self._buffer, []
        for msg in left:
            await msg.nak()
