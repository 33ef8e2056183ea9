"""The relay: every committed event goes to JetStream once, each stream in version order.

How nothing is skipped: it reads the event store in `(tx_id, position)` order and only below the
oldest transaction still running (`PostgresEventStore.read_committed`), so an event whose
transaction took a lower position but committed later is never passed over.

How nothing is reordered: publishes are pipelined in windows, each message carrying
`Nats-Expected-Last-Sequence` (the relay is the only writer of its service's stream, kept so by an
advisory lock). If message k of a window is lost (a dropped connection, a full buffer), message
k+1 cannot be stored either, because the stream's last sequence is not the one it expects; the
window stops at the first failure and the next one resumes from there. The next window is read and
sent while JetStream stores the one before (`AHEAD`), its expected sequences going on from it, so the
same holds across the windows in flight: after a break every later one is dropped and sent again.
`Nats-Msg-Id` (the event id) makes a republish after a crash a duplicate within the stream's
duplicate window. The checkpoint is saved behind the windows, never holding up the next one.

How a window is sent: as one JetStream atomic batch (ADR-50, nats-server 2.12+) where the stream
allows it (`allow_atomic`, set by `streams.provision`): its messages carry `Nats-Batch-Id` and
`Nats-Batch-Sequence`, the last `Nats-Batch-Commit`, and the server stores the whole window or none
of it and answers once, for the commit, with the last sequence and the count. The first message
carries `Nats-Expected-Last-Sequence` (the server checks every such header of a batch against the
stream as it was before the batch, so it goes on the first message only), so a batch lands right
after the window before it or not at all, and pipelined batches keep the order as single publishes
do. Each message keeps its `Nats-Msg-Id`, but a batch holding an id the stream has
already stored is refused whole (error 10201) rather than acknowledged as a duplicate: such a
window (sent again by a leader that took over from one that crashed before saving its checkpoint,
or after a lost commit ack) is sent again as single publishes, where the duplicates are
acknowledged and skipped. Single publishes (pipelined, each acknowledged) are also the path for a
window of fewer than `BATCH_FROM` events (a live trickle: its commit ack would come later than single
acks), for more than `MAX_BATCH` events, for a stream
that does not allow batches (a deployment whose streams were not provisioned since), for a window
the server refuses as a batch for its limits (over 50 open batches on the stream, 1,000 on the
server), and, for good, against a server that refuses `Nats-Msg-Id` in a batch (`IDS_UNSUPPORTED`).

When NATS is down the relay backs off and retries; appends do not depend on it.

How it learns of new events: the process that appends tells it (`Wakeup`, which the runtime hands
the store): its own relay directly, a relay leading in another replica by one `NOTIFY` per burst
(at most one every `NOTIFY_SPACING`, outside the appends' transactions, so appends never queue on
the notification lock). Polling remains the truth: after any activity the relay looks again after
10 ms, then twice as long each time up to `poll_interval`, which also catches an append whose
transaction commits a little after it was told (`append_in`) and appends nobody announced.

How far it has come: after each round that published every event visible when the round began, and
every `mark_interval` while idle, it publishes a watermark (`watermark`), so that other services can
tell an id nobody has from one registered a moment ago.
"""

import asyncio
import collections
import contextlib
import json
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg
import structlog
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import PubAck
from nats.js.errors import APIError
from opentelemetry.trace import SpanKind, Tracer

from jingzhang.shared import sessions
from jingzhang.shared.copy_watch import CopyWatch
from jingzhang.shared.envelope import CLOUDEVENTS_CONTENT_TYPE, Envelope, encode
from jingzhang.shared.partitions import PARTITIONS, direct
from jingzhang.shared.store.postgres import CommitPosition, PostgresEventStore
from jingzhang.shared.streams import stream_name
from jingzhang.shared.tracing import correlation_context, inject_headers
from jingzhang.shared.watermark import Mark, Watermark, watermark_subject

log = structlog.get_logger(__name__)

WRONG_LAST_SEQUENCE = {10071, 10164}
RELAY_LOCK = 7231002
NOTIFY_CHANNEL = "jz_events_appended"
QUICK_LOOK = 0.01
"""Seconds to the relay's first look after activity; each empty look doubles it up to the poll interval."""
NOTIFY_SPACING = 0.005
"""At most one NOTIFY per this many seconds from one process, however many appends it makes."""


AHEAD = 2
"""Publish windows in flight at once: the next is read and sent while JetStream stores the one before."""
SAVE_SPACING = 0.02
"""Seconds between two checkpoint saves while windows keep coming (each save is a commit beside the
appends'). The running relay's rounds do not wait for them (see `publish_pending`)."""
BATCH_FROM = 64
"""The fewest events a window needs to go as an atomic batch. A batch's commit is acknowledged once the
whole window is stored, later than the first single publishes would be: at 1,000 events/s (windows of
about 8) batches raised the acknowledgement from ~4 to ~15 ms and the end-to-end median from ~15 to
~45 ms, while from a backlog (full windows) they publish 3.6-5.6x faster. So small live windows go
singly and large ones, which only a backlog or a burst makes, as batches."""
MAX_BATCH = 1000
"""The most messages JetStream takes in one atomic batch (ADR-50; nats-server's `streamMaxBatchSize`)."""
BATCH_HOLDS_DUPLICATE = 10201
"""'atomic publish batch contains duplicate message id': nothing of the batch was stored."""
ATOMIC_DISABLED = 10174
"""'atomic publish is disabled': the stream was not provisioned with `allow_atomic`."""
IDS_UNSUPPORTED = 10177
"""'atomic publish unsupported header used': servers before `Nats-Msg-Id` was allowed in a batch
(ADR-50 as released with 2.12 refuses it; 2.15.1 takes it and dedupes by it)."""
BATCH_REFUSED = {ATOMIC_DISABLED, 10175, 10176, IDS_UNSUPPORTED, 10179, 10199, BATCH_HOLDS_DUPLICATE}
"""The refusals of a batch as such (none of it stored; ADR-50's codes: disabled, sequence missing,
incomplete or abandoned, as over the server's 50 open batches per stream, an unsupported header,
a bad id, over the server's size limit; and a duplicate id): the window goes again at once, singly."""


@dataclass(frozen=True, slots=True)
class _Window:
    batch: Sequence[tuple[CommitPosition, Envelope]]
    base: int
    """The stream's last sequence its first publish expects."""
    futures: list["asyncio.Future[PubAck]"]
    """One per publish; for an atomic batch, the commit's alone."""
    atomic: bool = False
    """Sent as one atomic batch: stored whole or not at all, confirmed by the commit's ack."""

    @property
    def next_seq(self) -> int:
        """What the window after it expects, if every publish of this one is stored."""
        return self.base + len(self.batch)


class WindowBroken(Exception):
    """A publish in the window failed; everything before it is confirmed."""


class CheckpointNotSaved(Exception):
    """Everything was published but the checkpoint could not be saved (a restart publishes those
    events again; their ids make them duplicates)."""


class Relay:
    def __init__(
        self,
        store: PostgresEventStore,
        nc: NATS,
        *,
        window: int = 256,
        poll_interval: float = 0.5,
        ack_timeout: float = 5.0,
        mark_interval: float = 0.2,
        tracer: Tracer | None = None,
        save_spacing: float = SAVE_SPACING,
        ahead: int = AHEAD,
        atomic: bool = True,
        batch_from: int = BATCH_FROM,
        partitions: int = PARTITIONS,
    ) -> None:
        self.store = store
        self.atomic = atomic
        """Send windows as atomic batches where the stream allows it (False: single publishes only)."""
        self.batch_from = max(2, batch_from)
        """The fewest events a window sent as a batch holds (see `BATCH_FROM`)."""
        self._allows_atomic = False
        """Whether the stream allows atomic batches, as its configuration said when last read."""
        self._single_through: CommitPosition | None = None
        """Windows starting at or before this position go as single publishes (a batch of them was
        refused for holding an event the stream already has, or because the stream refuses batches)."""
        self._send_singly = False
        """The window just refused as a batch is to be sent again at once, as single publishes."""
        self._ids_refused = False
        """The server refuses `Nats-Msg-Id` in a batch (an older one): single publishes from then on."""
        self.nc = nc
        self.save_spacing = save_spacing
        self.ahead = ahead
        """Windows in flight at once (1: each window confirmed before the next is read)."""
        self._settle = asyncio.Event()
        """Set when the last confirmed position is to be saved without waiting out the spacing."""
        self._saving: asyncio.Task[None] | None = None
        """The checkpoint save under way, if any (one at a time, across rounds)."""
        self.js: JetStreamContext = nc.jetstream(timeout=ack_timeout)  # fail over as fast as acks time out
        self.publisher = PipelinedPublisher(nc)
        self.window = window
        self.poll_interval = poll_interval
        self.ack_timeout = ack_timeout
        self.mark_interval = mark_interval
        self.stream = stream_name(store.service)
        self._last_seq: int | None = None
        self._wake = asyncio.Event()
        self.published = 0
        self.position: CommitPosition | None = None
        """The checkpoint as the last round left it."""
        self._published_to: CommitPosition | None = None
        """The last position this relay's own publishes confirmed: up to it, `_last_seq` covers every event."""
        self._to_save: tuple[CommitPosition, int] | None = None
        """The last confirmed position not saved yet, and how many events were confirmed up to it."""
        self.watermark: Watermark | None = None
        """The last watermark published (see `watermark`)."""
        self.leading = False
        """True while this replica holds the relay lock and publishes; False on standby."""
        self._own: asyncpg.Connection | None = None
        """While leading, the connection that holds the relay lock: the rounds read on it, one statement
        at a time, instead of taking a connection from the pool the service's commands append through."""
        self.tracer = tracer
        self.copy_watch = None if direct(partitions) else CopyWatch(nc, store.service, partitions=partitions)
        """Run while leading: the partitioned copy of the deployment's count (`partitions`) must follow the
        stream after a leader loss (see `copy_watch`); None in a deployment of one partition, which has no copy."""

    async def run(self, stop: asyncio.Event) -> None:
        """Publish until `stop` is set; only the holder of the relay lock publishes."""
        while not stop.is_set():
            try:
                async with self.store.pool.acquire() as conn:
                    await self._lead(conn, stop)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("relay.database_unavailable", error=str(exc))
                await _sleep_or_stop(stop, 1.0)

    async def _lead(self, conn: asyncpg.Connection, stop: asyncio.Event) -> None:
        sessions.holds_session_state(conn)
        while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", RELAY_LOCK):
            if await _sleep_or_stop(stop, 1.0):
                return
        await conn.add_listener(NOTIFY_CHANNEL, self._on_notify)
        self.leading = True
        self._own = conn
        watching = asyncio.Event()
        watch = asyncio.create_task(self.copy_watch.run(watching)) if self.copy_watch is not None else None
        try:
            await self._publish_loop(stop)
        finally:
            self.leading = False
            self._own = None
            await self._saved()  # a leader that stops leaves its position saved when it can
            watching.set()
            if watch is not None:
                await asyncio.gather(watch, return_exceptions=True)
            with contextlib.suppress(Exception):
                await conn.remove_listener(NOTIFY_CHANNEL, self._on_notify)
                await conn.execute("SELECT pg_advisory_unlock($1)", RELAY_LOCK)

    def _on_notify(self, *_: object) -> None:
        self.wake()

    def wake(self) -> None:
        """Events were appended (and committed): look now."""
        self._wake.set()

    async def _publish_loop(self, stop: asyncio.Event) -> None:
        backoff = 0.1
        longest = min(self.poll_interval, self.mark_interval)
        idle = longest  # quick looks follow activity only
        while not stop.is_set():
            try:
                mark, checkpoint = await self._begin_round()
                if self.position is not None and self.position > checkpoint:  # its own save still under way
                    checkpoint = self.position
                moved = await self.publish_pending(checkpoint, settle=False)
                await self._publish_mark(mark)
                backoff = 0.1
            except Exception as exc:  # NATS down, timeouts: retry with backoff, never drop
                if self._own is not None and self._own.is_closed():  # the lock went with it: lead again or stand by
                    raise asyncpg.InterfaceError("the relay lock's connection was lost") from exc
                log.warning("relay.publish_failed", error=repr(exc), retry_in=backoff)
                self._last_seq = None
                await _sleep_or_stop(stop, backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            if moved:
                idle = QUICK_LOOK
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), min(idle, longest))
                idle = QUICK_LOOK  # told of an append: look now, then soon again
            except TimeoutError:
                idle = min(idle * 2, longest)

    async def _begin_round(self) -> tuple[Mark, CommitPosition]:
        """The instant first, then in one statement the last event visible (everything committed
        before the instant is visible to it) and the checkpoint to go on from."""
        before = time.time()
        row = await (self._own or self.store.pool).fetchrow(
            "SELECT last.tx, last.position, c.tx_id::text::bigint AS checkpoint_tx, c.position AS checkpoint_position"
            " FROM es.relay_checkpoint AS c LEFT JOIN LATERAL ("
            "SELECT tx_id::text::bigint AS tx, position FROM es.events"
            " ORDER BY tx_id DESC, position DESC LIMIT 1) AS last ON true"
        )
        assert row is not None, "event store schema not installed"
        high = None if row["tx"] is None else (int(row["tx"]), int(row["position"]))
        return Mark(before, high), (int(row["checkpoint_tx"]), int(row["checkpoint_position"]))

    async def _publish_mark(self, mark: Mark) -> None:
        """Say how far the relay has come, if this round published everything visible when it began."""
        if self.position is None or not mark.covered_by(self.position):
            return
        if self.position != self._published_to:  # moved by another relay (or none yet): the stream says how far
            self._last_seq = None
            self._published_to = self.position
        watermark = Watermark(mark.before, await self._stream_last_seq())
        await self.nc.publish(watermark_subject(self.store.service), watermark.encode())
        self.watermark = watermark

    async def publish_pending(self, checkpoint: CommitPosition | None = None, *, settle: bool = True) -> int:
        """Publish everything committed so far; returns how many events were confirmed.

        Windows are pipelined: while JetStream stores one window, the next is read and sent, its
        expected sequences going on from the first's (`AHEAD` windows at most in flight). So a break
        anywhere (a message lost, refused or a duplicate, which takes no sequence) makes every later
        message of every window in flight fail its expected sequence: the later windows are dropped
        and sent again from the last confirmed event, numbered from the stream's last sequence.

        The checkpoint (read here unless the caller just read it) is carried from window to window.
        The confirmed position is saved while the next windows go on (one save at a time, at most one
        per `save_spacing`; a save takes the last position confirmed meanwhile): the save only spares a
        restart republishing what JetStream already holds (the event ids make those duplicates), so it
        does not hold up the next events. With `settle` the call returns once the last position is
        saved; the running relay's rounds do not wait for it (a round's fsync less before the next
        events, and at most one save per spacing however short the rounds): the next round goes on
        from the position in memory while the save is under way."""
        total = 0
        self._settle.clear()
        in_flight: collections.deque[_Window] = collections.deque()
        try:
            position = checkpoint if checkpoint is not None else await self._checkpoint()
            read_to = position
            while True:
                self._wake.clear()  # an append from now on is looked for again (`_woken_first`, the idle wait)
                batch = await self.store.read_committed(read_to, self.window, self._own)
                if batch:
                    base = in_flight[-1].next_seq if in_flight else await self._stream_last_seq()
                    in_flight.append(await self._send_window(batch, base))
                    read_to = batch[-1][0]
                    if len(in_flight) < self.ahead:
                        continue  # read the next while JetStream stores this one
                elif in_flight and len(in_flight) < self.ahead and await self._woken_first(in_flight[0]):
                    continue  # appended while that window is stored: read and send it now
                if not in_flight:
                    self.position = position
                    if settle:
                        await self._saved()  # the checkpoint says what was published before the call ends
                        if self._to_save is not None:
                            raise CheckpointNotSaved(f"published through {position}, checkpoint not saved")
                    return total
                sent = in_flight.popleft()
                confirmed, clean = await self._confirm_window(sent)
                if confirmed:
                    position = sent.batch[confirmed - 1][0]
                    self._published_to = position
                    self._save_behind(position, confirmed)
                    total += confirmed
                    self.published += confirmed
                if confirmed < len(sent.batch) or not clean:
                    self._drop(in_flight)  # numbered after a break: they cannot be stored
                    read_to = position
                    self._last_seq = None  # resynchronise with the stream before the next window
                    if confirmed == 0:
                        if self._send_singly:  # refused as a batch: again at once, singly
                            self._send_singly = False
                            continue
                        raise WindowBroken(f"could not publish {sent.batch[0][1].event_id}")
        finally:
            self._drop(in_flight)

    async def _woken_first(self, sent: "_Window") -> bool:
        """Wait until JetStream has answered every publish of `sent` or an append wakes the relay,
        whichever comes first; True when the append did (its events can go out while `sent` is still
        being stored, rather than one confirmation later)."""
        last = sent.futures[-1]
        if last.done():
            return False
        woken = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait((woken, last), timeout=self.ack_timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            woken.cancel()
        return self._wake.is_set() and not last.done()

    def _drop(self, in_flight: "collections.deque[_Window]") -> None:
        while in_flight:
            self.publisher.forget(in_flight.popleft().futures)

    def _save_behind(self, position: CommitPosition, count: int) -> None:
        """Have `position` saved: by the save under way when it gets to it (saves do not queue up: one
        statement saves the last position confirmed meanwhile), or by a new one."""
        earlier = 0 if self._to_save is None else self._to_save[1]
        self._to_save = (position, earlier + count)
        if self._saving is None or self._saving.done():
            self._saving = asyncio.create_task(self._save_pending())

    async def _saved(self) -> None:
        """Wait for the last confirmed position to be saved (now, not after the spacing). A save that
        failed is logged and left for the next one: the events are in JetStream either way."""
        self._settle.set()
        if self._saving is not None:
            await asyncio.gather(self._saving, return_exceptions=True)

    def _unsaved(self, position: CommitPosition, count: int) -> None:
        """A save failed: its position is saved by the next (or a later one confirmed meanwhile, with its count)."""
        later = self._to_save
        self._to_save = (position, count) if later is None else (later[0], later[1] + count)

    async def _save_pending(self) -> None:
        while self._to_save is not None:
            position, count = self._to_save
            self._to_save = None
            try:
                await self._save_checkpoint(position, count)
            except Exception as exc:
                self._unsaved(position, count)
                log.warning("relay.checkpoint_save_failed", error=repr(exc))
                return
            if not self._settle.is_set():  # more windows to come: let them gather
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._settle.wait(), self.save_spacing)

    async def _send_window(self, batch: Sequence[tuple[CommitPosition, Envelope]], base: int) -> _Window:
        """Write the window's publishes, the first expecting the stream's last sequence to be `base`."""
        if self._as_batch(batch):
            return _Window(batch, base, await self._send_batch(batch, base), atomic=True)
        return _Window(batch, base, await self._send_singly_window(batch, base))

    def _as_batch(self, batch: Sequence[tuple[CommitPosition, Envelope]]) -> bool:
        return (
            self.atomic
            and self._allows_atomic
            and not self._ids_refused
            and self.batch_from <= len(batch) <= MAX_BATCH
            and (self._single_through is None or batch[0][0] > self._single_through)
        )

    async def _send_singly_window(
        self, batch: Sequence[tuple[CommitPosition, Envelope]], base: int
    ) -> list[asyncio.Future[PubAck]]:
        futures: list[asyncio.Future[PubAck]] = []
        try:
            for offset, (_, env) in enumerate(batch):
                headers = {
                    "Nats-Msg-Id": str(env.event_id),
                    "Nats-Expected-Last-Sequence": str(base + offset),
                    "Content-Type": CLOUDEVENTS_CONTENT_TYPE,
                }
                self._trace(env, headers)
                futures.append(await self.publisher.publish(env.subject, encode(env), headers))
        except BaseException:
            self.publisher.forget(futures)
            raise
        return futures

    async def _send_batch(
        self, batch: Sequence[tuple[CommitPosition, Envelope]], base: int
    ) -> list[asyncio.Future[PubAck]]:
        """One atomic batch: only the commit (the last message) asks for an ack; the server answers
        it once the whole window is stored, or refuses the whole window."""
        batch_id = uuid.uuid4().hex
        last = len(batch)
        for number, (_, env) in enumerate(batch, start=1):
            headers = {
                "Nats-Msg-Id": str(env.event_id),
                "Content-Type": CLOUDEVENTS_CONTENT_TYPE,
                "Nats-Batch-Id": batch_id,
                "Nats-Batch-Sequence": str(number),
            }
            if number == 1:  # checked against the stream before the batch, so on the first message only
                headers["Nats-Expected-Last-Sequence"] = str(base)
            self._trace(env, headers)
            if number < last:
                await self.nc.publish(env.subject, encode(env), headers=headers)
            else:
                headers["Nats-Batch-Commit"] = "1"
                return [await self.publisher.publish(env.subject, encode(env), headers)]
        raise AssertionError("an atomic batch has at least one message")

    async def _confirm_window(self, sent: "_Window") -> tuple[int, bool]:
        try:
            if sent.atomic:
                return await self._confirmed_batch(sent)
            return await self._confirmed(sent.futures)
        finally:
            self.publisher.forget(sent.futures)

    async def _confirmed_batch(self, sent: "_Window") -> tuple[int, bool]:
        """All of the window (the commit's ack says the batch took the sequences after `base`) or
        nothing; a window refused as a batch (holding an event already stored, a stream that does not
        allow batches, the server's limits) is marked to be sent again at once as single publishes."""
        (commit,) = sent.futures
        done, _ = await asyncio.wait([commit], timeout=self.ack_timeout)
        if commit not in done or commit.cancelled():
            return 0, True
        exc = commit.exception()
        if isinstance(exc, APIError):
            if exc.err_code in BATCH_REFUSED:
                self._single_through = sent.batch[-1][0]
                self._send_singly = True
                self._allows_atomic = self._allows_atomic and exc.err_code != ATOMIC_DISABLED
                self._ids_refused = self._ids_refused or exc.err_code == IDS_UNSUPPORTED
                if exc.err_code != BATCH_HOLDS_DUPLICATE:
                    log.info("relay.batch_refused", error=str(exc))
            elif exc.err_code not in WRONG_LAST_SEQUENCE:
                log.warning("relay.batch_rejected", error=str(exc))
            return 0, True
        if isinstance(exc, OSError | TimeoutError):
            return 0, True
        ack = commit.result()  # any other failure (a reply we cannot read) fails the round
        if ack.seq != sent.next_seq or ack.batch_size != len(sent.batch):
            log.warning("relay.batch_ack_unexpected", seq=ack.seq, count=ack.batch_size, expected=sent.next_seq)
            return 0, True  # resynchronise with the stream; what it holds comes back as duplicates
        self._last_seq = ack.seq
        return len(sent.batch), True

    def _trace(self, env: Envelope, headers: dict[str, str]) -> None:
        """Carry the correlation's trace (see `tracing`) to the consumers, through a publish span if traced.

        While nothing receives spans (`GatedTracer.recording`), the root's context is injected as it is:
        a non-recording span per event carried the same context and cost a fifth of the relay's CPU."""
        root = correlation_context(env.correlation_id)
        if self.tracer is None or not getattr(self.tracer, "recording", True):
            inject_headers(headers, root)
            return
        attributes = {"messaging.destination.name": env.subject, "messaging.message.id": str(env.event_id)}
        with self.tracer.start_as_current_span(
            f"publish {env.event_type}", context=root, kind=SpanKind.PRODUCER, attributes=attributes
        ):
            inject_headers(headers)

    async def _confirmed(self, futures: Sequence[asyncio.Future[PubAck]]) -> tuple[int, bool]:
        """How many publishes, from the first, JetStream confirmed within `ack_timeout`; and whether
        each took a new sequence (False after a duplicate: the window's later expected sequences are
        one too high). One wait for the window, over as soon as one publish fails: the later ones
        cannot be stored after it."""
        done, _ = await asyncio.wait(futures, timeout=self.ack_timeout, return_when=asyncio.FIRST_EXCEPTION)
        confirmed, clean = 0, True
        for fut in futures:
            if fut not in done or fut.cancelled():  # no answer in time, or dropped
                return confirmed, clean
            exc = fut.exception()
            if isinstance(exc, APIError):
                if exc.err_code not in WRONG_LAST_SEQUENCE:
                    log.warning("relay.publish_rejected", error=str(exc))
                return confirmed, clean
            if isinstance(exc, OSError | TimeoutError):
                return confirmed, clean
            ack = fut.result()  # any other failure (a reply we cannot read) fails the round
            confirmed += 1
            if ack.duplicate:  # already stored (a republish after a crash): a new event after it is refused
                clean = False
            else:
                self._last_seq = ack.seq
        return confirmed, clean

    async def _stream_last_seq(self) -> int:
        if self._last_seq is None:
            info = await self.js.stream_info(self.stream)
            self._last_seq = int(info.state.last_seq)
            self._allows_atomic = bool(info.config.allow_atomic)
        return self._last_seq

    async def _checkpoint(self) -> CommitPosition:
        row = await self.store.pool.fetchrow("SELECT tx_id::text::bigint AS tx, position FROM es.relay_checkpoint")
        assert row is not None, "event store schema not installed"
        return int(row["tx"]), int(row["position"])

    async def _save_checkpoint(self, position: CommitPosition, count: int) -> None:
        await self.store.pool.execute(
            "UPDATE es.relay_checkpoint SET tx_id = $1::text::xid8, position = $2,"
            " published = published + $3, updated_at = clock_timestamp()",
            str(position[0]),
            position[1],
            count,
        )

    async def backlog(self) -> int:
        """Events committed but not yet confirmed by JetStream (for metrics and readiness)."""
        tx, pos = await self._checkpoint()
        value = await self.store.pool.fetchval(
            "SELECT count(*) FROM es.events WHERE (tx_id, position) > ($1::text::xid8, $2)", str(tx), pos
        )
        return int(value)


class PipelinedPublisher:
    """JetStream publishes written back to back, their acks collected by one reply subscription.

    nats-py's `publish_async` never resolves a future whose reply is an error (its reply handler
    raises instead, nats-py 2.16), which would stall a window on every wrong-sequence answer; this
    resolves every reply, ack or error.
    """

    def __init__(self, nc: NATS) -> None:
        self.nc = nc
        self._prefix = f"{nc.new_inbox()}."
        self._pending: dict[str, asyncio.Future[PubAck]] = {}
        self._sub: object | None = None
        self._next = 0

    async def publish(self, subject: str, body: bytes, headers: dict[str, str]) -> "asyncio.Future[PubAck]":
        if self._sub is None:
            self._sub = await self.nc.subscribe(f"{self._prefix}*", cb=self._on_reply)
        self._next += 1
        token = str(self._next)
        future: asyncio.Future[PubAck] = asyncio.get_running_loop().create_future()
        self._pending[token] = future
        await self.nc.publish(subject, body, reply=self._prefix + token, headers=headers)
        return future

    async def _on_reply(self, msg: Msg) -> None:
        future = self._pending.pop(msg.subject[len(self._prefix) :], None)
        if future is None or future.done():
            return
        try:
            reply = json.loads(msg.data)
            if "error" in reply:
                err = reply["error"]
                future.set_exception(
                    APIError(code=err.get("code"), err_code=err.get("err_code"), description=err.get("description"))
                )
            else:
                future.set_result(  # what from_response builds, without its per-field introspection
                    PubAck(
                        stream=reply["stream"],
                        seq=reply["seq"],
                        domain=reply.get("domain"),
                        duplicate=reply.get("duplicate"),
                        batch_id=reply.get("batch"),
                        batch_size=reply.get("count"),
                    )
                )
        except Exception as exc:  # a reply we cannot read counts as a failed publish
            future.set_exception(exc)

    def forget(self, futures: Sequence["asyncio.Future[PubAck]"]) -> None:
        for future in futures:
            if not future.done():
                future.cancel()
            elif not future.cancelled():
                future.exception()  # retrieved: a failure after the first one in a window is expected
        done = {id(f) for f in futures}
        for token in [t for t, f in self._pending.items() if id(f) in done]:
            del self._pending[token]


class Wakeup:
    """What a process that appends tells the relay (`PostgresEventStore.on_appended`).

    The relay of this process, if it leads, is woken directly: at once after a committed append,
    a moment later after one made in a caller's transaction (its commit is still to come; the
    relay's quick looks find it). Otherwise a relay leading elsewhere hears one NOTIFY per burst,
    sent on a pool connection of its own, outside any append's transaction; at most one is in
    flight and they are at least `NOTIFY_SPACING` apart. A lost NOTIFY costs latency, never an
    event: the relay polls."""

    def __init__(self, pool: asyncpg.Pool, relay: Relay | None = None) -> None:
        self.pool = pool
        self.relay = relay
        self._sending: asyncio.Task[None] | None = None
        self._again = False

    def __call__(self, committed: bool) -> None:
        relay = self.relay
        if relay is not None and relay.leading:
            if committed:
                relay.wake()
            else:
                asyncio.get_running_loop().call_later(QUICK_LOOK / 2, relay.wake)
            return
        if self._sending is not None and not self._sending.done():
            self._again = True
            return
        self._sending = asyncio.create_task(self._notify())

    async def _notify(self) -> None:
        while True:
            self._again = False
            try:
                await self.pool.execute("SELECT pg_notify($1, '')", NOTIFY_CHANNEL)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.info("relay.notify_failed", error=repr(exc))  # the relay's polling finds the events
                return
            await asyncio.sleep(NOTIFY_SPACING)
            if not self._again:
                return

    async def close(self) -> None:
        if self._sending is not None:
            await asyncio.gather(self._sending, return_exceptions=True)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep; True when `stop` was set meanwhile."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()
