"""The relay's windows as JetStream atomic batches, and the single publishes it falls back to."""

import dataclasses

import asyncpg
import nats.errors
import pytest
from nats.aio.client import Client as NATS
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from jingzhang.shared.envelope import StreamId, decode
from jingzhang.shared.relay import Relay
from jingzhang.shared.store.postgres import PostgresEventStore
from jingzhang.shared.streams import StreamSpec, partitioned_stream_name, provision, stream_name
from tests.conftest import EIGHT

from .helpers import eventually, install_store
from .sample import AGGREGATE, SERVICE, meta, noted


@pytest.fixture
async def store(pool: asyncpg.Pool) -> PostgresEventStore:
    await install_store(pool)
    return PostgresEventStore(pool, SERVICE)


async def stored(nc: NATS, stream: str) -> list[tuple[int, int, dict[str, str]]]:
    """Every message of a stream: (stream sequence, the event's version, its headers)."""
    js = nc.jetstream()
    count = (await js.stream_info(stream)).state.messages
    sub = await js.pull_subscribe(
        "",
        stream=stream,
        config=ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL, inactive_threshold=30),
    )
    out: list[tuple[int, int, dict[str, str]]] = []
    try:
        while len(out) < count:
            try:
                msgs = await sub.fetch(1000, timeout=2)
            except (TimeoutError, nats.errors.TimeoutError):
                break
            out.extend((m.metadata.sequence.stream, decode(m.data).version, dict(m.headers or {})) for m in msgs)
    finally:
        await sub.unsubscribe()
    return out


def batches(messages: list[tuple[int, int, dict[str, str]]]) -> list[list[int]]:
    """The versions stored together, one list per batch id (in stream order); singles as lists of one."""
    groups: list[list[int]] = []
    last_id: str | None = None
    for _, version, headers in messages:
        batch_id = headers.get("Nats-Batch-Id")
        if batch_id is None or batch_id != last_id:
            groups.append([])
        groups[-1].append(version)
        last_id = batch_id
    return groups


async def append(store: PostgresEventStore, name: str, first: int, count: int) -> None:
    for n in range(first, first + count):
        await store.append(StreamId(AGGREGATE, name), n, [noted(n)], meta())


async def test_each_window_is_stored_as_one_atomic_batch_in_commit_order(
    store: PostgresEventStore, partitioned_nc: NATS
) -> None:
    """Windows of 8, two in flight: three batches, the second expecting the first's last sequence;
    the commit's ack confirms the window. The partitioned copy (eight partitions) takes them without
    batch headers."""
    nc = partitioned_nc
    await append(store, "batched", 0, 20)
    relay = Relay(store, nc, window=8, batch_from=2)
    assert await relay.publish_pending() == 20
    messages = await stored(nc, stream_name(SERVICE))
    assert [seq for seq, _, _ in messages] == list(range(1, 21))
    assert batches(messages) == [list(range(1, 9)), list(range(9, 17)), list(range(17, 21))]
    firsts = [h for _, _, h in messages if h["Nats-Batch-Sequence"] == "1"]
    assert [h["Nats-Expected-Last-Sequence"] for h in firsts] == ["0", "8", "16"]
    assert sum("Nats-Expected-Last-Sequence" in h for _, _, h in messages) == 3  # first messages only
    assert [h.get("Nats-Batch-Commit") for _, _, h in messages if h.get("Nats-Batch-Commit")] == ["1", "1", "1"]
    assert all(h["Nats-Msg-Id"] for _, _, h in messages)  # kept: a window sent again is told apart by it
    assert relay._last_seq == 20  # the commit ack carried the last sequence of the window

    async def copied() -> bool:
        return (await nc.jetstream().stream_info(partitioned_stream_name(SERVICE, EIGHT))).state.messages == 20

    await eventually(copied)
    copy = await stored(nc, partitioned_stream_name(SERVICE, EIGHT))
    assert sorted(v for _, v, _ in copy) == list(range(1, 21))
    assert not any(k.startswith("Nats-Batch") for _, _, h in copy for k in h)


async def test_a_window_holding_events_already_stored_is_sent_again_singly(store: PostgresEventStore, nc: NATS) -> None:
    """A leader that crashed before saving its checkpoint: the next one sends those events again. A
    batch holding an id the stream has is refused whole (not acknowledged as a duplicate), so such a
    window goes again as single publishes, whose duplicates are skipped; then batches again."""
    await append(store, "again", 0, 12)
    assert await Relay(store, nc, window=8, batch_from=2).publish_pending() == 12
    await store.pool.execute("UPDATE es.relay_checkpoint SET tx_id = '0', position = 0")  # as if it crashed
    await append(store, "again", 12, 20)
    relay = Relay(store, nc, window=8, batch_from=2)
    assert await relay.publish_pending() == 32
    messages = await stored(nc, stream_name(SERVICE))
    assert [(seq, version) for seq, version, _ in messages] == [(n, n) for n in range(1, 33)]
    # the first run's two batches; 13-20 sent singly (after 9-16 were refused as a batch); then batches
    assert batches(messages) == [list(range(1, 9)), list(range(9, 13)), *([n] for n in range(13, 21)),
                                 list(range(21, 29)), list(range(29, 33))]  # fmt: skip
    assert await relay.backlog() == 0


async def test_a_stream_without_atomic_batches_is_published_singly_until_provisioned(
    store: PostgresEventStore, nc: NATS
) -> None:
    """A stream provisioned before batches publishes singly; `provision` switches batches on for it;
    a stream that stops allowing them while a relay sends them gets the refused window singly."""
    js = nc.jetstream()
    old = dataclasses.replace(StreamSpec(SERVICE).config(), allow_atomic=None)
    await js.update_stream(old)  # as an earlier release provisioned it
    assert not (await js.stream_info(stream_name(SERVICE))).config.allow_atomic
    await append(store, "upgrade", 0, 6)
    relay = Relay(store, nc, window=4, batch_from=2)
    assert await relay.publish_pending() == 6
    assert batches(await stored(nc, stream_name(SERVICE))) == [[n] for n in range(1, 7)]
    assert relay._single_through is None  # told by the stream's configuration, it sent no batch to be refused

    await provision(js, [SERVICE])
    assert (await js.stream_info(stream_name(SERVICE))).config.allow_atomic
    await append(store, "upgrade", 6, 4)
    upgraded = Relay(store, nc, window=4, batch_from=2)  # as after the deploy: it reads the stream's configuration
    assert await upgraded.publish_pending() == 4
    assert batches(await stored(nc, stream_name(SERVICE)))[6:] == [[7, 8, 9, 10]]

    await js.update_stream(old)  # switched off while the relay believes batches allowed
    await append(store, "upgrade", 10, 4)
    assert await upgraded.publish_pending() == 4
    messages = await stored(nc, stream_name(SERVICE))
    assert batches(messages)[7:] == [[11], [12], [13], [14]]
    assert [(seq, version) for seq, version, _ in messages] == [(n, n) for n in range(1, 15)]


async def test_a_window_the_server_cannot_take_as_a_batch_now_goes_singly(store: PostgresEventStore, nc: NATS) -> None:
    """The server keeps at most 50 batches open on a stream (ADR-50): with 50 left open by someone
    else (never committed; abandoned after 10 s), the relay's batch is refused as incomplete and
    the window goes singly at once instead of failing the round until they time out."""
    for n in range(50):
        headers = {"Nats-Batch-Id": f"open{n}", "Nats-Batch-Sequence": "1"}
        await nc.publish(f"jz.{SERVICE}.evt.{AGGREGATE}.open.Noted", b"{}", headers=headers)
    await nc.flush()
    await append(store, "crowded", 0, 8)
    relay = Relay(store, nc, window=4, batch_from=2)
    assert await relay.publish_pending() == 8
    messages = await stored(nc, stream_name(SERVICE))
    assert [(seq, version) for seq, version, _ in messages] == [(n, n) for n in range(1, 9)]
    assert batches(messages) == [[n] for n in range(1, 9)]


async def test_windows_smaller_than_batch_from_go_singly_and_full_ones_as_batches(
    store: PostgresEventStore, nc: NATS
) -> None:
    """A live trickle's small windows are published singly (a batch's commit is acknowledged later than
    single publishes); a backlog's full windows go as batches."""
    await append(store, "trickle", 0, 3)
    relay = Relay(store, nc, window=8, batch_from=7)
    assert await relay.publish_pending() == 3
    await append(store, "trickle", 3, 14)
    assert await relay.publish_pending() == 14
    assert batches(await stored(nc, stream_name(SERVICE))) == [
        [1], [2], [3], list(range(4, 12)), [12], [13], [14], [15], [16], [17]
    ]  # fmt: skip
