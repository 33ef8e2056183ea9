"""Watermarks: an id a service does not know is nobody's (422) only once every event its producer
committed before the question is applied here; while one may still be in the producer's relay or on
its way into the partitioned copy, it is "not yet known" (409).

The pure decision first, then the race made deterministic on real servers: a registration committed
while the producer's relay is held back by an open transaction, and one published while the copy does
not source (its sources taken away, as a lost source leader would leave it)."""

import asyncio
import time
from collections.abc import AsyncIterator

import asyncpg
import pytest
from nats.aio.client import Client as NATS
from nats.js.api import ConsumerConfig, ConsumerInfo, SequenceInfo

from jingzhang.shared.envelope import StreamId
from jingzhang.shared.errors import NotYetKnown, UnknownSubject
from jingzhang.shared.runtime import Runtime
from jingzhang.shared.store.postgres import PostgresEventStore
from jingzhang.shared.streams import StreamSpec, partitioned_stream_name, stream_name
from jingzhang.shared.subjects import require_known
from jingzhang.shared.watermark import (
    Evidence,
    Mark,
    Watermark,
    WatermarkBoard,
    applied_through,
    lacking,
    source_sequence,
)
from tests.conftest import EIGHT, ServiceEnv

from .helpers import eventually
from .projection_helpers import snapshot
from .sample import AGGREGATE, SERVICE, meta, noted, tally

NOW = 1_000_000.0
SKEW = 0.1


# --- the decision -----------------------------------------------------------------------------------


def test_every_condition_met_is_nobody() -> None:
    assert lacking(Evidence(Watermark(NOW + SKEW, 40), copied_through=40, behind=0), NOW, SKEW) is None


@pytest.mark.parametrize(
    ("evidence", "reason"),
    [
        (Evidence(None), "no_watermark"),  # the producer's relay is down or has said nothing yet
        (Evidence(Watermark(NOW, 40), 40, 0), "watermark_behind"),  # within the skew margin
        (Evidence(Watermark(NOW - 5, 40), 40, 0), "watermark_behind"),  # relay stuck behind a transaction
        (Evidence(Watermark(NOW + 1, 40), 39, 0), "copy_behind"),  # the copy has not sourced seq 40 yet
        (Evidence(Watermark(NOW + 1, 40), None, 0), "copy_behind"),  # cannot tell how far the copy is
        (Evidence(Watermark(NOW + 1, 40), 41, 1), "consumers_pending"),  # one consumer short of seq 40
        (Evidence(Watermark(NOW + 1, 40), 41, None), "consumers_pending"),  # a durable not there yet
    ],
)
def test_anything_missing_is_not_yet(evidence: Evidence, reason: str) -> None:
    assert lacking(evidence, NOW, SKEW) == reason


def progress(floor: int, delivered: int, unacked: int, pending: int) -> ConsumerInfo:
    """A durable as JetStream reports it: acknowledged floor, last delivered, unacknowledged, not yet delivered."""
    config = ConsumerConfig(durable_name="d")
    return ConsumerInfo(
        name="d",
        stream_name="S",
        config=config,
        created=None,
        delivered=SequenceInfo(consumer_seq=0, stream_seq=delivered),
        ack_floor=SequenceInfo(consumer_seq=0, stream_seq=floor),
        num_ack_pending=unacked,
        num_pending=pending,
    )


@pytest.mark.parametrize(
    ("info", "bound", "through"),
    [
        (progress(40, 40, 0, 0), 40, True),  # idle
        (progress(45, 60, 15, 30), 40, True),  # busy with later events: what matters is applied
        (progress(38, 60, 20, 0), 40, False),  # seq 39 or 40 may still be unacknowledged
        (progress(30, 44, 0, 12), 40, True),  # nothing unacked, handed everything through 44
        (progress(30, 35, 0, 12), 40, False),  # seqs 36..40 of its filter may be still to come
        (progress(30, 35, 0, 0), 40, True),  # its filter has nothing after 35 (yet): all applied
        (progress(30, 35, 2, 0), 40, False),
    ],
)
def test_a_consumer_has_applied_through_a_point_while_later_events_are_in_flight(
    info: ConsumerInfo, bound: int, through: bool
) -> None:
    assert applied_through(info, bound) is through


def test_a_round_covers_what_was_visible_when_it_began() -> None:
    assert Mark(NOW, None).covered_by((0, 0))  # nothing was recorded
    assert Mark(NOW, (900, 12)).covered_by((900, 12))
    assert Mark(NOW, (900, 12)).covered_by((901, 3))
    assert not Mark(NOW, (900, 12)).covered_by((900, 11))
    assert not Mark(NOW, (900, 12)).covered_by((899, 40))  # position order within a transaction only


def test_watermarks_travel_and_nothing_else_passes_for_one() -> None:
    mark = Watermark(NOW, 7)
    assert Watermark.decode(mark.encode()) == mark
    for junk in (b"", b"[]", b'{"before": 1}', b'{"before": "x", "seq": 1}', b'{"before": 1, "seq": -1}'):
        assert Watermark.decode(junk) is None
    assert Watermark.decode(b'{"before": 1, "seq": true}') is None


def test_the_origin_sequence_of_a_sourced_message() -> None:
    header = "JZ_ASSIGNMENT 3 jz.assignment.evt.*.*.* jzp.assignment.{{partition(8,1,2)}} jz.assignment.evt.e.e2.X iaXQ"
    assert source_sequence(header) == 3
    assert source_sequence("JZ_ASSIGNMENT:ab12 17 > >") == 17
    assert source_sequence(None) is None
    assert source_sequence("JZ_ASSIGNMENT") is None


async def test_the_board_keeps_the_latest_and_wakes_a_waiter() -> None:
    board = WatermarkBoard(nc=None, producers=("assignment",))  # type: ignore[arg-type]
    assert await board.wait_past("assignment", NOW, 0.01) is None
    await board.record("assignment", Watermark(NOW - 1, 5))
    waiting = asyncio.create_task(board.wait_past("assignment", NOW, 5.0))
    await asyncio.sleep(0.01)
    await board.record("assignment", Watermark(NOW + 1, 9))
    assert await waiting == Watermark(NOW + 1, 9)
    await board.record("assignment", Watermark(NOW, 12))  # an earlier instant, from a relay taking over
    assert board.latest("assignment") == Watermark(NOW + 1, 9)


# --- the race on real servers -----------------------------------------------------------------------


@pytest.fixture
async def service(service_env: ServiceEnv, provisioned: NATS) -> AsyncIterator[tuple[Runtime, PostgresEventStore]]:
    """The sample service: its relay publishes, its tally projection reads its own events (one partition)."""
    async for started in _started(service_env, 1):
        yield started


@pytest.fixture
async def partitioned_service(
    service_env: ServiceEnv, partitioned_nc: NATS
) -> AsyncIterator[tuple[Runtime, PostgresEventStore]]:
    """The same with eight partitions: the tally projection reads its own events from the copy."""
    async for started in _started(service_env, EIGHT):
        yield started


async def _started(service_env: ServiceEnv, partitions: int) -> AsyncIterator[tuple[Runtime, PostgresEventStore]]:
    settings = await service_env.settings(SERVICE, subject_wait=1.0, partitions=partitions)
    runtime = Runtime(SERVICE, settings, [tally()])
    await runtime.start()
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=4)
    assert pool is not None
    try:
        yield runtime, PostgresEventStore(pool, SERVICE)
    finally:
        await pool.close()
        await runtime.stop()


async def require(runtime: Runtime, ident: str) -> None:
    async def tallied() -> bool:
        return ident in await snapshot(runtime.pool, tally(), ident)

    await require_known(tallied, "tally", ident, field="aggregate_id", producer=SERVICE, caught_up=runtime.caught_up)


async def refusal(runtime: Runtime, ident: str) -> str:
    try:
        await require(runtime, ident)
    except NotYetKnown:
        return "not_yet_known"
    except UnknownSubject:
        return "unknown"
    return "known"


async def settled(runtime: Runtime) -> None:
    async def known_then() -> bool:
        return await refusal(runtime, "nobody") == "unknown"

    await eventually(known_then, timeout=20)


async def test_a_subject_held_in_the_producers_relay_is_not_yet_known_then_known(
    service: tuple[Runtime, PostgresEventStore], provisioned: NATS
) -> None:
    runtime, store = service
    await store.append(StreamId(AGGREGATE, "r-first"), 0, [noted(1)], meta())
    await settled(runtime)
    async with store.pool.acquire() as blocker:
        held = blocker.transaction()
        await held.start()
        await blocker.fetchval("SELECT pg_current_xact_id()")  # the relay may not read past it
        await store.append(StreamId(AGGREGATE, "r-new"), 0, [noted(2)], meta())  # committed, acknowledged
        asked = time.monotonic()
        assert await runtime.caught_up(SERVICE) is False  # what the consumers alone would have said True to
        assert time.monotonic() - asked >= 0.9  # it waited its bounded time (subject_wait) first
        assert await refusal(runtime, "r-new") == "not_yet_known"
        assert await refusal(runtime, "nobody") == "not_yet_known"  # nor can anyone be called nobody now
        await held.rollback()

    async def known() -> bool:
        return await refusal(runtime, "r-new") == "known"

    await eventually(known, timeout=20)
    assert await refusal(runtime, "nobody") == "unknown"


async def test_a_subject_published_but_not_yet_in_the_partitioned_copy_is_not_yet_known(
    partitioned_service: tuple[Runtime, PostgresEventStore], partitioned_nc: NATS
) -> None:
    runtime, store = partitioned_service
    js = partitioned_nc.jetstream()
    await store.append(StreamId(AGGREGATE, "r-first"), 0, [noted(1)], meta())
    await settled(runtime)
    sourcing = StreamSpec(SERVICE, partitions=EIGHT).partitioned_config()
    await js.update_stream(sourcing.evolve(sources=[]))  # the copy stops following its origin
    try:
        await store.append(StreamId(AGGREGATE, "r-late"), 0, [noted(3)], meta())

        async def in_the_service_stream() -> bool:
            return (await js.stream_info(stream_name(SERVICE))).state.messages >= 2

        await eventually(in_the_service_stream, timeout=20)
        assert (await js.stream_info(partitioned_stream_name(SERVICE, EIGHT))).state.messages == 1
        assert await refusal(runtime, "r-late") == "not_yet_known"
    finally:
        await js.update_stream(sourcing)  # sourcing resumes where the copy stands

    async def known() -> bool:
        return await refusal(runtime, "r-late") == "known"

    await eventually(known, timeout=20)
    assert await refusal(runtime, "nobody") == "unknown"
