"""The relay: every committed event reaches JetStream exactly once, each stream in version order."""

import asyncio
import random
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import asyncpg
import pytest
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js.api import PubAck

from jingzhang.shared.envelope import Envelope, StreamId
from jingzhang.shared.errors import ConcurrencyError
from jingzhang.shared.local.nats import NatsServer
from jingzhang.shared.relay import Relay, Wakeup
from jingzhang.shared.runtime import connect_nats
from jingzhang.shared.store.postgres import CommitPosition, PostgresEventStore
from jingzhang.shared.streams import stream_name

from .helpers import eventually, install_store, read_stream_messages
from .sample import AGGREGATE, SERVICE, meta, noted


@pytest.fixture
async def store(pool: asyncpg.Pool) -> PostgresEventStore:
    await install_store(pool)
    return PostgresEventStore(pool, SERVICE)


async def _writer(store: PostgresEventStore, writer: int, commands: int, rng: random.Random) -> int:
    """Appends with a random delay before each commit, to shared and own streams, retrying conflicts."""
    written = 0
    for n in range(commands):
        stream = StreamId(AGGREGATE, f"shared{rng.randrange(8)}" if n % 3 == 0 else f"w{writer}-{n % 5}")
        while True:
            async with store.pool.acquire() as conn:
                try:
                    async with conn.transaction():
                        version = await conn.fetchval(
                            "SELECT coalesce(max(version), 0) FROM es.events"
                            " WHERE aggregate_type = $1 AND aggregate_id = $2",
                            stream.aggregate_type,
                            stream.aggregate_id,
                        )
                        await store.append_in(conn, stream, version, [noted(writer * 100_000 + n)], meta())
                        await asyncio.sleep(rng.random() * 0.004)
                except ConcurrencyError:
                    continue
            written += 1
            break
    return written


def assert_exactly_once_in_order(messages: list[tuple[int, Envelope]], expected_ids: set[object]) -> None:
    """Checks with short messages: pytest's diff of thousands of UUIDs takes minutes."""
    ids = [env.event_id for _, env in messages]
    duplicated = len(ids) - len(set(ids))
    missing = len(expected_ids - set(ids))
    unexpected = len(set(ids) - expected_ids)
    assert (duplicated, missing, unexpected) == (0, 0, 0), "(duplicated, missing, unexpected) in JetStream"
    versions: dict[str, list[int]] = defaultdict(list)
    for _, env in messages:
        versions[str(env.stream)].append(env.version)
    disordered = [s for s, seen in versions.items() if seen != list(range(1, len(seen) + 1))]
    assert not disordered, f"streams out of order: {disordered[:5]}"


async def all_event_ids(pool: asyncpg.Pool) -> set[object]:
    return {r["event_id"] for r in await pool.fetch("SELECT event_id FROM es.events")}


class _Recording(Relay):
    """The relay, noting the order in which it sends and confirms its windows."""

    def __init__(
        self, store: PostgresEventStore, nc: NATS, window: int, save_spacing: float = 0.0, ahead: int = 2
    ) -> None:
        super().__init__(store, nc, window=window, save_spacing=save_spacing, ahead=ahead)
        self.steps: list[tuple[str, int]] = []

    async def _send_window(self, batch: Sequence[tuple[CommitPosition, Envelope]], base: int) -> Any:
        self.steps.append(("send", batch[0][1].version))
        return await super()._send_window(batch, base)

    async def _confirm_window(self, sent: Any) -> tuple[int, bool]:
        self.steps.append(("confirm", sent.batch[0][1].version))
        return await super()._confirm_window(sent)

    async def _save_checkpoint(self, position: CommitPosition, count: int) -> None:
        self.steps.append(("save", self.published))
        await super()._save_checkpoint(position, count)


async def test_sixteen_concurrent_writers_5000_events_each_reach_jetstream_once_in_order(
    store: PostgresEventStore, nc: NATS
) -> None:
    relay = Relay(store, nc, window=128, poll_interval=0.05)
    stop = asyncio.Event()
    relay_task = asyncio.create_task(relay.run(stop))
    rng = random.Random(20261127)
    written = await asyncio.gather(
        *(_writer(store, w, 5000 // 16 + (w < 5000 % 16), random.Random(rng.random())) for w in range(16))
    )
    assert sum(written) == 5000

    async def relayed_all() -> bool:
        return relay.published >= 5000 and await relay.backlog() == 0

    await eventually(relayed_all, timeout=60)
    stop.set()
    await relay_task
    messages = await read_stream_messages(nc, SERVICE)
    assert_exactly_once_in_order(messages, await all_event_ids(store.pool))


async def test_nats_down_for_five_seconds_loses_nothing(
    store: PostgresEventStore, nats_server: NatsServer, nc: NATS
) -> None:
    relay_nc = await connect_nats(nats_server.url, "relay-under-test")
    relay = Relay(store, relay_nc, window=64, poll_interval=0.05, ack_timeout=1.0)
    stop = asyncio.Event()
    relay_task = asyncio.create_task(relay.run(stop))
    appended = 0

    async def append_some(count: int) -> None:
        nonlocal appended
        for _ in range(count):
            stream = StreamId(AGGREGATE, f"s{appended % 7}")
            version = len(await store.read_stream(stream))
            await store.append(stream, version, [noted(appended)], meta())
            appended += 1

    await append_some(300)
    nats_server.stop()  # commands keep succeeding while NATS is away
    await asyncio.gather(append_some(400), asyncio.sleep(5))
    nats_server.start()
    await append_some(300)

    async def drained() -> bool:
        return await relay.backlog() == 0

    await eventually(drained, timeout=60)
    stop.set()
    await relay_task
    await relay_nc.close()
    messages = await read_stream_messages(nc, SERVICE)
    assert appended == 1000
    assert_exactly_once_in_order(messages, await all_event_ids(store.pool))


async def test_a_relay_restarted_before_saving_its_checkpoint_publishes_no_duplicate(
    store: PostgresEventStore, nc: NATS
) -> None:
    for n in range(50):
        await store.append(StreamId(AGGREGATE, "again"), n, [noted(n)], meta())
    first = Relay(store, nc, window=16)
    assert await first.publish_pending() == 50
    await store.pool.execute("UPDATE es.relay_checkpoint SET tx_id = '0', position = 0")  # as if it crashed
    second = Relay(store, nc, window=16)
    assert await second.publish_pending() == 50
    messages = await read_stream_messages(nc, SERVICE)
    assert_exactly_once_in_order(messages, await all_event_ids(store.pool))
    assert [seq for seq, _ in messages] == list(range(1, 51))


async def test_the_next_window_is_published_while_a_checkpoint_save_waits(store: PostgresEventStore, nc: NATS) -> None:
    """The checkpoint save is off the path of the next events: with the checkpoint row locked by
    another transaction, every window still reaches JetStream; saves do not queue up behind the
    blocked one (the next saves the last position confirmed meanwhile); the call returns once it is
    saved, the checkpoint at the last event and the count complete."""
    for n in range(40):
        await store.append(StreamId(AGGREGATE, f"w{n % 4}"), n // 4, [noted(n)], meta())
    relay = _Recording(store, nc, window=8)
    async with store.pool.acquire() as blocker:
        holding = blocker.transaction()
        await holding.start()
        await blocker.execute("SELECT 1 FROM es.relay_checkpoint FOR UPDATE")
        publishing = asyncio.create_task(relay.publish_pending())

        async def all_in_the_stream() -> bool:
            return relay.published == 40 and len(await read_stream_messages(nc, SERVICE)) == 40

        await eventually(all_in_the_stream, timeout=30)
        assert not publishing.done()  # its first save still waits for the lock
        await holding.rollback()
    assert await publishing == 40
    assert [step for step in relay.steps if step[0] == "save"] == [("save", 8), ("save", 40)]
    last = await store.pool.fetchrow(
        "SELECT tx_id::text::bigint AS tx, position FROM es.events ORDER BY tx_id DESC, position DESC LIMIT 1"
    )
    saved = await store.pool.fetchrow("SELECT tx_id::text::bigint AS tx, position, published FROM es.relay_checkpoint")
    assert (saved["tx"], saved["position"], saved["published"]) == (last["tx"], last["position"], 40)
    assert await relay.backlog() == 0
    assert_exactly_once_in_order(await read_stream_messages(nc, SERVICE), await all_event_ids(store.pool))


async def test_a_running_relays_rounds_do_not_wait_for_its_checkpoint_save(store: PostgresEventStore, nc: NATS) -> None:
    """With the checkpoint row locked by another transaction, the running relay's next rounds still
    publish what is appended (from the position in memory: nothing is sent twice); once the row is
    free and the relay stops, the checkpoint is at the last event."""
    relay = _Recording(store, nc, window=8, save_spacing=0.02)
    stop = asyncio.Event()
    running = asyncio.create_task(relay.run(stop))
    try:
        async with store.pool.acquire() as blocker:
            holding = blocker.transaction()
            await holding.start()
            # no row lock: that would take a transaction id and hold back the horizon
            await blocker.execute("LOCK TABLE es.relay_checkpoint IN EXCLUSIVE MODE")
            for round_ in range(3):  # three rounds, each after the one before has published
                for n in range(5):
                    await store.append(StreamId(AGGREGATE, "behind"), round_ * 5 + n, [noted(n)], meta())

                async def published(count: int = (round_ + 1) * 5) -> bool:
                    return relay.published == count and len(await read_stream_messages(nc, SERVICE)) == count

                await eventually(published, timeout=30)
            assert await store.pool.fetchval("SELECT published FROM es.relay_checkpoint") == 0  # saves wait
            await holding.rollback()
    finally:
        stop.set()
        await running
    firsts = [version for step, version in relay.steps if step == "send"]  # each window's first event
    assert firsts == sorted(set(firsts))  # nothing sent twice (no round went on from the saved checkpoint)
    assert firsts[0] == 1
    last = await store.pool.fetchrow(
        "SELECT tx_id::text::bigint AS tx, position FROM es.events ORDER BY tx_id DESC, position DESC LIMIT 1"
    )
    saved = await store.pool.fetchrow("SELECT tx_id::text::bigint AS tx, position, published FROM es.relay_checkpoint")
    assert (saved["tx"], saved["position"], saved["published"]) == (last["tx"], last["position"], 15)
    assert_exactly_once_in_order(await read_stream_messages(nc, SERVICE), await all_event_ids(store.pool))


class _HeldAcks(_Recording):
    """The relay with JetStream's answers to its publishes held back until `release` is set (the
    server stores each message at once; only the relay's learning of it waits)."""

    def __init__(self, store: PostgresEventStore, nc: NATS) -> None:
        super().__init__(store, nc, window=8)
        self.release = asyncio.Event()
        self._passing: list[asyncio.Task[None]] = []
        publish = self.publisher.publish

        async def held(subject: str, body: bytes, headers: dict[str, str]) -> "asyncio.Future[PubAck]":
            answer = await publish(subject, body, headers)
            told: asyncio.Future[PubAck] = asyncio.get_running_loop().create_future()

            async def pass_on() -> None:
                await self.release.wait()
                try:
                    told.set_result(await answer)
                except Exception as exc:
                    told.set_exception(exc)

            self._passing.append(asyncio.create_task(pass_on()))
            return told

        self.publisher.publish = held  # type: ignore[method-assign]


async def test_what_is_appended_while_a_window_is_stored_goes_out_before_its_confirmation(
    store: PostgresEventStore, nc: NATS
) -> None:
    relay = _HeldAcks(store, nc)
    store.on_appended = Wakeup(store.pool, relay)  # as the runtime wires it: appends wake the relay
    stop = asyncio.Event()
    running = asyncio.create_task(relay.run(stop))
    try:
        await store.append(StreamId(AGGREGATE, "first"), 0, [noted(1)], meta())

        async def first_sent() -> bool:
            return len(await read_stream_messages(nc, SERVICE)) == 1

        await eventually(first_sent, timeout=30)
        await store.append(StreamId(AGGREGATE, "second"), 0, [noted(2)], meta())

        async def second_sent_while_the_first_is_unconfirmed() -> bool:
            return len(await read_stream_messages(nc, SERVICE)) == 2

        await eventually(second_sent_while_the_first_is_unconfirmed, timeout=15)
        assert relay.published == 0
        relay.release.set()

        async def both_confirmed() -> bool:
            return relay.published == 2

        await eventually(both_confirmed, timeout=30)
    finally:
        relay.release.set()
        stop.set()
        await running
    assert [step for step in relay.steps if step[0] != "save"][:3] == [("send", 1), ("send", 1), ("confirm", 1)]
    assert_exactly_once_in_order(await read_stream_messages(nc, SERVICE), await all_event_ids(store.pool))


async def test_a_relay_round_starts_from_the_checkpoint_saved_by_another(store: PostgresEventStore, nc: NATS) -> None:
    """The round's first statement reads the checkpoint with the mark: a leader taking over goes on
    from where the last one saved, without publishing its events again."""
    for n in range(10):
        await store.append(StreamId(AGGREGATE, "handover"), n, [noted(n)], meta())
    assert await Relay(store, nc, window=4).publish_pending() == 10
    for n in range(10, 15):
        await store.append(StreamId(AGGREGATE, "handover"), n, [noted(n)], meta())
    second = Relay(store, nc, window=4)
    stop = asyncio.Event()
    running = asyncio.create_task(second.run(stop))

    async def caught_up() -> bool:
        return second.published == 5 and second.watermark is not None

    await eventually(caught_up, timeout=30)
    stop.set()
    await running
    messages = await read_stream_messages(nc, SERVICE)
    assert [seq for seq, _ in messages] == list(range(1, 16))
    assert second.watermark is not None
    assert second.watermark.seq == 15


async def test_the_next_window_is_sent_before_the_one_before_is_confirmed(store: PostgresEventStore, nc: NATS) -> None:
    for n in range(24):
        await store.append(StreamId(AGGREGATE, "ahead"), n, [noted(n)], meta())
    relay = _Recording(store, nc, window=8)
    assert await relay.publish_pending() == 24
    assert [step for step in relay.steps if step[0] != "save"] == [
        ("send", 1),
        ("send", 9),
        ("confirm", 1),
        ("send", 17),
        ("confirm", 9),
        ("confirm", 17),
    ]
    messages = await read_stream_messages(nc, SERVICE)
    assert [seq for seq, _ in messages] == list(range(1, 25))


async def test_with_one_window_in_flight_each_is_confirmed_before_the_next_is_sent(
    store: PostgresEventStore, nc: NATS
) -> None:
    for n in range(16):
        await store.append(StreamId(AGGREGATE, "one-ahead"), n, [noted(n)], meta())
    relay = _Recording(store, nc, window=8, ahead=1)
    assert await relay.publish_pending() == 16
    assert [step for step in relay.steps if step[0] != "save"] == [
        ("send", 1),
        ("confirm", 1),
        ("send", 9),
        ("confirm", 9),
    ]


async def test_windows_sent_ahead_of_duplicates_are_sent_again_in_order(store: PostgresEventStore, nc: NATS) -> None:
    """A restart from an old checkpoint: the first windows are duplicates (no new sequence), so the
    windows sent after them expect sequences one too high per duplicate and are refused; the relay
    drops them and sends them again numbered from the stream. Every event once, in order."""
    stream = StreamId(AGGREGATE, "again-ahead")
    for n in range(12):
        await store.append(stream, n, [noted(n)], meta())
    assert await Relay(store, nc, window=8).publish_pending() == 12
    await store.pool.execute("UPDATE es.relay_checkpoint SET tx_id = '0', position = 0")  # as if it crashed
    for n in range(12, 32):
        await store.append(stream, n, [noted(n)], meta())
    relay = _Recording(store, nc, window=8)
    assert await relay.publish_pending() == 32
    messages = await read_stream_messages(nc, SERVICE)
    assert [seq for seq, _ in messages] == list(range(1, 33))
    assert_exactly_once_in_order(messages, await all_event_ids(store.pool))
    assert await relay.backlog() == 0


async def test_saves_are_spaced_while_windows_keep_coming(store: PostgresEventStore, nc: NATS) -> None:
    """Each save is a commit beside the appends': while windows keep coming the next save waits
    `save_spacing` (here longer than the test), and the position the round ends at is saved at once."""
    for n in range(48):
        await store.append(StreamId(AGGREGATE, f"spaced{n % 3}"), n // 3, [noted(n)], meta())
    relay = _Recording(store, nc, window=4, save_spacing=3600.0)
    assert await relay.publish_pending() == 48
    assert [step for step in relay.steps if step[0] == "save"] == [("save", 4), ("save", 48)]
    saved = await store.pool.fetchrow("SELECT published FROM es.relay_checkpoint")
    assert saved["published"] == 48
    assert await relay.backlog() == 0


async def test_cancelling_a_relay_that_waits_for_acks_cancels_it(store: PostgresEventStore, nc: NATS) -> None:
    """A relay stopped by cancellation (a runtime shutting down) while JetStream has not answered
    stops; waiting for the acks used to swallow the cancellation and end with WindowBroken instead."""
    await nc.jetstream().delete_stream(stream_name(SERVICE))  # nothing stores or acks the publishes
    heard: list[str] = []

    async def silent(msg: Msg) -> None:  # takes them in without answering, so no "no responders" either
        heard.append(msg.subject)

    listener = await nc.subscribe(f"jz.{SERVICE}.evt.>", cb=silent)
    for n in range(3):
        await store.append(StreamId(AGGREGATE, "silent"), n, [noted(n)], meta())
    relay = Relay(store, nc, window=8, ack_timeout=3600.0)
    relay._last_seq = 0  # the stream it would ask is gone
    publishing = asyncio.create_task(relay.publish_pending())

    async def all_sent() -> bool:
        return len(heard) == 3

    await eventually(all_sent, timeout=30)
    publishing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await publishing
    await listener.unsubscribe()


async def test_the_leader_reads_on_its_lock_connection_and_leads_again_when_it_is_lost(
    store: PostgresEventStore, nc: NATS
) -> None:
    """A leading relay reads on the connection that holds its lock, not on the pool the commands append
    through; when that connection dies (and the lock with it), the relay takes the lock again on a new
    one and publishes what was appended meanwhile, each event once, in order."""
    relay = Relay(store, nc, window=16, poll_interval=0.05)
    stop = asyncio.Event()
    running = asyncio.create_task(relay.run(stop))
    try:
        for n in range(10):
            await store.append(StreamId(AGGREGATE, "lost"), n, [noted(n)], meta())

        async def published_ten() -> bool:
            return relay.published == 10

        await eventually(published_ten)
        own = relay._own
        assert own is not None
        assert relay.leading
        reads = await store.pool.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = $1 AND query LIKE '%es.events%'", own.get_server_pid()
        )
        assert reads == 1, "the lock's connection ran the relay's last read"
        await store.pool.execute("SELECT pg_terminate_backend($1)", own.get_server_pid())
        for n in range(10, 20):
            await store.append(StreamId(AGGREGATE, "lost"), n, [noted(n)], meta())

        async def published_twenty_on_a_new_connection() -> bool:
            return relay.published >= 20 and relay._own is not None and relay._own is not own

        await eventually(published_twenty_on_a_new_connection)
    finally:
        stop.set()
        await asyncio.wait_for(running, 30)
    messages = await read_stream_messages(nc, SERVICE)
    assert_exactly_once_in_order(messages, await all_event_ids(store.pool))
    assert len(messages) == 20
