"""Watermarks: when an id this service does not know is nobody's, not merely late.

A consumer that does not find an enterprise in its projection cannot tell from its own consumers alone
whether nobody registered it or somebody did a moment ago: the event may still be in the producer's
relay (committed in PostgreSQL, not yet published), or in the service stream and not yet sourced into
the partitioned copy its projections read. Its consumers then have nothing pending, yet the id exists.

So each relay says how far it has come. After a round that published every event visible when the
round began (`Mark`), it publishes a `Watermark` on `jz.<service>.watermark`: every event committed
before the instant `before` is in the service stream at a sequence <= `seq`. It does so after every
round, and every `interval` while idle. A service that does not know an id then calls it nobody's only
when, for its producer (`lacking`):

1. a watermark's `before` is at or after the moment it asked, plus a margin for clock skew;
2. the copy its projections read has sourced the service stream through that `seq` (the origin
   sequence in the `Nats-Stream-Source` header of the copy's last message);
3. every consumer it has of that producer has applied everything through that point of the stream it
   reads (`applied_through`: its acknowledged floor has passed it, or it has nothing unacknowledged and
   has been handed everything up to it; projections commit before they ack). Later events may be in
   flight: under steady traffic a consumer is never idle, but it passes any given point within a batch.

It waits a bounded time for these (`Runtime.caught_up`); otherwise the id is not known *yet* (409 with
`Retry-After`). A producer whose relay is down or stuck behind a long transaction therefore yields 409s,
never a false 422.

The instant is wall-clock time (epoch seconds) on both sides, never a service's business clock (the
demo's clocks run elsewhere in time).
"""

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

import structlog
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js import JetStreamContext
from nats.js.api import ConsumerInfo

from jingzhang.shared.envelope import SUBJECT_ROOT

log = structlog.get_logger(__name__)

CommitPosition = tuple[int, int]
SOURCE_HEADER = "Nats-Stream-Source"


def watermark_subject(service: str) -> str:
    """A core subject, outside the service stream (`jz.<service>.evt.>`): watermarks are not events."""
    return f"{SUBJECT_ROOT}.{service}.watermark"


@dataclass(frozen=True, slots=True)
class Watermark:
    """Every event committed before `before` (epoch seconds) is in the service stream at seq <= `seq`."""

    before: float
    seq: int

    def encode(self) -> bytes:
        return json.dumps({"before": self.before, "seq": self.seq}).encode()

    @classmethod
    def decode(cls, data: bytes) -> "Watermark | None":
        """None for anything that is not a watermark (never trusted as one)."""
        try:
            body = json.loads(data)
            before, seq = body["before"], body["seq"]
        except (ValueError, TypeError, KeyError):
            return None
        if not isinstance(before, int | float) or not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
            return None
        return cls(float(before), seq)


@dataclass(frozen=True, slots=True)
class Mark:
    """What a relay round begins with: the instant, then the last event visible after it."""

    before: float
    high: CommitPosition | None
    """The greatest (transaction, position) visible when the round began; None: the store was empty."""

    def covered_by(self, checkpoint: CommitPosition) -> bool:
        """Has the relay published every event visible when the round began? It publishes in
        (transaction, position) order and never past a running transaction, so a checkpoint at or past
        `high` leaves nothing visible then behind."""
        return self.high is None or checkpoint >= self.high


@dataclass(frozen=True, slots=True)
class Evidence:
    """What a service has seen of one producer, gathered in this order."""

    watermark: Watermark | None
    copied_through: int | None = None
    """The origin sequence the copy has sourced through; None: not looked at, or cannot tell."""
    behind: int | None = None
    """How many of the service's consumers of that producer have not applied everything through the
    watermark's sequence (in the stream they read); None: unknown."""


def lacking(evidence: Evidence, since: float, skew: float) -> str | None:
    """Pure: what still keeps an unknown id from being nobody's, or None when it is."""
    mark = evidence.watermark
    if mark is None:
        return "no_watermark"
    if mark.before < since + skew:
        return "watermark_behind"
    if evidence.copied_through is None or evidence.copied_through < mark.seq:
        return "copy_behind"
    if evidence.behind is None or evidence.behind > 0:
        return "consumers_pending"
    return None


def applied_through(info: ConsumerInfo, bound: int) -> bool:
    """Pure: has this durable (explicit acks, projections acking after their commit) acknowledged every
    message of its filter at or below stream sequence `bound`? Its acknowledged floor is contiguous, so
    a floor at or past `bound` says so; so does nothing unacknowledged once it has been handed everything
    up to `bound` (or everything there is). A floor short of `bound` only because no message of its
    filter lies between them reads as not yet, until the messages in flight are acknowledged."""
    floor = int(info.ack_floor.stream_seq or 0) if info.ack_floor is not None else 0
    if floor >= bound:
        return True
    delivered = int(info.delivered.stream_seq or 0) if info.delivered is not None else 0
    return int(info.num_ack_pending or 0) == 0 and (int(info.num_pending or 0) == 0 or delivered >= bound)


def source_sequence(header: str | None) -> int | None:
    """The origin sequence in a sourced message's `Nats-Stream-Source` header
    (`<stream>[:<hash>] <seq> <filter> <transform> <subject> ...`)."""
    parts = (header or "").split()
    if len(parts) < 2 or not parts[1].isdigit():
        return None
    return int(parts[1])


async def copied_through(js: JetStreamContext, copy: str) -> int | None:
    """How far the copy has sourced its origin: the origin sequence of its last message (0 when empty)."""
    origin, _ = await copy_position(js, copy)
    return origin


async def copy_position(js: JetStreamContext, copy: str) -> tuple[int | None, int]:
    """The origin sequence of the copy's last message (0 when empty; None: cannot tell) and that
    message's sequence in the copy: the copy holds every origin message up to the first at that point."""
    info = await js.stream_info(copy)
    last = int(info.state.last_seq or 0)
    if last == 0 or int(info.state.messages or 0) == 0:
        return 0, last
    message = await js.get_msg(copy, last)
    return source_sequence((message.headers or {}).get(SOURCE_HEADER)), last


@dataclass
class WatermarkBoard:
    """The latest watermark of every producer a service reads, from their core subjects."""

    nc: NATS
    producers: tuple[str, ...]
    _latest: dict[str, Watermark] = field(default_factory=dict, init=False)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition, init=False)
    _subs: list[Subscription] = field(default_factory=list, init=False)

    async def start(self) -> None:
        for producer in self.producers:
            self._subs.append(await self.nc.subscribe(watermark_subject(producer), cb=self._receiver(producer)))

    async def stop(self) -> None:
        for sub in self._subs:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
        self._subs.clear()

    def latest(self, producer: str) -> Watermark | None:
        return self._latest.get(producer)

    def _receiver(self, producer: str) -> Callable[[Msg], Awaitable[None]]:
        async def receive(msg: Msg) -> None:
            await self.record(producer, Watermark.decode(msg.data))

        return receive

    async def record(self, producer: str, mark: Watermark | None) -> None:
        """Keep the latest by instant (a relay that took over may say an earlier one a moment later)."""
        if mark is None:
            return
        current = self._latest.get(producer)
        if current is not None and current.before >= mark.before:
            return
        self._latest[producer] = mark
        async with self._changed:
            self._changed.notify_all()

    async def wait_past(self, producer: str, instant: float, within: float) -> Watermark | None:
        """The producer's latest watermark once its `before` reaches `instant`, waiting up to `within` seconds;
        whatever is latest when the time is up."""

        def reached() -> bool:
            mark = self._latest.get(producer)
            return mark is not None and mark.before >= instant

        if not reached() and within > 0:
            with contextlib.suppress(TimeoutError):
                async with self._changed:
                    await asyncio.wait_for(self._changed.wait_for(reached), within)
        return self._latest.get(producer)


def producers_of(sources: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(sources)))
