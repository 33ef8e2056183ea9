"""`events tail`: follow a subject filter on JetStream, for operators watching the system live.

A consumer belongs to one stream, and `jz.>` spans every service's stream: the tail opens one
ephemeral ordered consumer per stream whose subjects overlap the filter, each filtered to the
overlap. Ordered consumers acknowledge nothing and leave no state behind; order holds per stream.
"""

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js.api import DeliverPolicy

from jingzhang.shared.envelope import Envelope, decode

DEFAULT_FILTER = "jz.>"


@dataclass(frozen=True, slots=True)
class Tailed:
    subject: str
    body: bytes
    envelope: Envelope | None
    """None when the body is not a jingzhang CloudEvent."""

    def line(self) -> str:
        env = self.envelope
        if env is None:
            return f"{'-':32}  {self.subject}  (not a jingzhang event, {len(self.body)} bytes)"
        return (
            f"{env.occurred_at.isoformat():32}  {self.subject}  {env.event_type}"
            f"  {env.stream}@{env.version}  {env.event_id}"
        )


def overlap(a: str, b: str) -> str | None:
    """The subjects matched by both NATS filters `a` and `b`, as one filter, or None when disjoint."""
    left, right = a.split("."), b.split(".")
    out: list[str] = []
    for i in range(max(len(left), len(right))):
        if i < len(left) and left[i] == ">":
            return ".".join(out + (right[i:] or [">"])) if i < len(right) else None
        if i < len(right) and right[i] == ">":
            return ".".join(out + left[i:]) if i < len(left) else None
        if i >= len(left) or i >= len(right):
            return None
        if left[i] == "*":
            out.append(right[i])
        elif right[i] in ("*", left[i]):
            out.append(left[i])
        else:
            return None
    return ".".join(out)


async def _streams_for(nc: NATS, subject_filter: str) -> list[tuple[str, str]]:
    """(stream, filter within it) for every stream the filter reaches."""
    found = []
    for info in await nc.jetstream().streams_info():
        for subject in info.config.subjects or []:
            common = overlap(subject_filter, subject)
            if common is not None:
                found.append((str(info.config.name), common))
    return found


async def tail(
    nc: NATS,
    on_event: Callable[[Tailed], None],
    subject_filter: str = DEFAULT_FILTER,
    *,
    from_start: bool = False,
    max_events: int = 0,
    seconds: float = 0,
    ready: asyncio.Event | None = None,
) -> int:
    """Call `on_event` for each event until `max_events` were seen or `seconds` passed (0: no bound)."""
    targets = await _streams_for(nc, subject_filter)
    if not targets:
        raise LookupError(f"no JetStream stream holds subjects matching {subject_filter!r}")
    queue: asyncio.Queue[Msg] = asyncio.Queue()

    async def enqueue(msg: Msg) -> None:
        queue.put_nowait(msg)

    js = nc.jetstream()
    policy = DeliverPolicy.ALL if from_start else DeliverPolicy.NEW
    subs = [
        await js.subscribe(subject, stream=stream, cb=enqueue, ordered_consumer=True, deliver_policy=policy)
        for stream, subject in targets
    ]
    if ready is not None:
        ready.set()
    seen = 0
    deadline = time.monotonic() + seconds if seconds else None
    try:
        while not max_events or seen < max_events:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                break
            try:
                msg = await asyncio.wait_for(queue.get(), left)
            except TimeoutError:
                break
            on_event(_read(msg))
            seen += 1
    finally:
        for sub in subs:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
    return seen


def _read(msg: Msg) -> Tailed:
    try:
        env: Envelope | None = decode(msg.data)
    except (ValueError, KeyError, TypeError):
        env = None
    return Tailed(msg.subject, msg.data, env)
