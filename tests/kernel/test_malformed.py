"""Bad input on NATS: garbage, foreign JSON, a wrong type, oversized bodies and invalid payloads
published straight into a service's stream are parked or rejected with a reason, never crash a
consumer, and the good events after them keep being applied."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from nats.aio.client import Client as NATS
from structlog.testing import capture_logs
from typer.testing import CliRunner

from jingzhang.app.cli import app as cli
from jingzhang.assignment.bootstrap import create_app
from jingzhang.shared.applier import Applier, Delivery, Outcome
from jingzhang.shared.consumer import ProjectionConsumer
from jingzhang.shared.envelope import Envelope, StreamId, encode, to_cloudevent
from jingzhang.shared.parking import list_parked, list_rejected
from jingzhang.shared.projection import install
from jingzhang.shared.relay import Relay
from jingzhang.shared.store.postgres import PostgresEventStore
from tests.apps import running
from tests.conftest import ServiceEnv

from .helpers import eventually, install_store
from .projection_helpers import snapshot
from .sample import AGGREGATE, SERVICE, T0, meta, noted, tally

PERSONAL = "张三 13800000000"
"""Looks like personal data: it must never reach a log line or a reason."""
OVER = 600 * 1024


def envelope(aggregate_id: str, version: int, data: dict[str, object], event_type: str = "Noted") -> Envelope:
    return Envelope(
        event_id=uuid.uuid4(),
        service=SERVICE,
        stream=StreamId(AGGREGATE, aggregate_id),
        version=version,
        event_type=event_type,
        schema_version=1,
        data=data,
        occurred_at=T0,
        recorded_at=T0,
        correlation_id=uuid.uuid4(),
        causation_id=None,
        actor="test",
    )


def subject(aggregate_id: str) -> str:
    return f"jz.{SERVICE}.evt.{AGGREGATE}.{aggregate_id}.Noted"


@pytest.fixture
async def store(pool: asyncpg.Pool) -> PostgresEventStore:
    await install_store(pool)
    return PostgresEventStore(pool, SERVICE)


@pytest.fixture
async def consuming(store: PostgresEventStore, nc: NATS) -> AsyncIterator[ProjectionConsumer]:
    projection = tally()
    async with store.pool.acquire() as conn:
        await install(conn, projection)
    consumer = ProjectionConsumer("kernel", projection, store.pool, nc, SERVICE, store=store, batch=8)
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    yield consumer
    stop.set()
    await task


async def good_events(store: PostgresEventStore, nc: NATS, versions: range) -> None:
    for name in ("ok1", "ok2", "ok3"):
        await store.append(StreamId(AGGREGATE, name), versions.start, [noted(v) for v in versions], meta())
    relay = Relay(store, nc)

    async def published() -> bool:  # the relay stops below a running transaction (the consumer's)
        await relay.publish_pending()
        return await relay.backlog() == 0

    await eventually(published, timeout=10)


async def test_bad_messages_are_rejected_or_parked_with_reasons_and_good_events_keep_flowing(
    store: PostgresEventStore, nc: NATS, consuming: ProjectionConsumer, capfd: pytest.CaptureFixture[str]
) -> None:
    js = nc.jetstream()
    projection = consuming.projection
    foreign_type = to_cloudevent(envelope("w1", 1, {"amount": 1})) | {"type": "com.example.Other.v1"}
    misrouted = envelope("a1", 1, {"amount": 1})
    big = encode(envelope("big", 1, {"amount": 1, "label": "x" * OVER}))
    await good_events(store, nc, range(0, 5))
    with capture_logs() as logs:
        await js.publish(subject("junk1"), b"garbage \xff\xfe " + PERSONAL.encode())
        await js.publish(subject("junk2"), json.dumps({"hello": "world", "name": PERSONAL}).encode())
        await js.publish(subject("w1"), json.dumps(foreign_type).encode())
        await js.publish(subject("huge"), b"x" * OVER)
        await js.publish(subject("b1"), encode(misrouted))  # an event of a1 on b1's subject
        await js.publish(subject("bad"), encode(envelope("bad", 1, {"amount": PERSONAL})))
        await js.publish(subject("bad"), encode(envelope("bad", 2, {"amount": 2})))
        await js.publish(subject("big"), big)
        await good_events(store, nc, range(5, 10))

        async def settled() -> bool:
            rows = await snapshot(store.pool, projection, "ok")
            return (
                all(rows.get(f"ok{i}", (0, 0, 0))[1] == 10 for i in (1, 2, 3))
                and len(await list_rejected(store.pool, projection)) == 5
                and len(await list_parked(store.pool, projection)) == 3
            )

        await eventually(settled, timeout=30)

    rejected = {r.subject: r for r in await list_rejected(store.pool, projection)}
    assert rejected[subject("junk1")].error.startswith("not an event: not UTF-8 text")
    assert rejected[subject("junk2")].error == "not an event: ValueError: specversion must be 1.0"
    assert rejected[subject("w1")].error == (
        "not an event: ValueError: not a jingzhang CloudEvents type: 'com.example.Other.v1'"
    )
    assert rejected[subject("huge")].error.startswith(
        f"oversized: {OVER} bytes, over the limit of 524288; not an event"
    )
    assert (
        rejected[subject("b1")].error == f"not an event: the envelope names {subject('a1')}, not the subject it came on"
    )
    assert all(r.origin and r.origin.startswith("JZ_ASSIGNMENT:") for r in rejected.values())
    assert await store.pool.fetchval(
        f'SELECT body IS NULL FROM "{projection.schema}"._rejected WHERE subject = $1', subject("huge")
    ), "an oversized body is not kept"

    parked = {(p.stream_key, p.version): p.error for p in await list_parked(store.pool, projection)}
    assert parked[(f"{SERVICE}/{AGGREGATE}/bad", 1)].startswith(
        "cannot decode: Noted v1: amount: Input should be a valid integer"
    )
    assert parked[(f"{SERVICE}/{AGGREGATE}/bad", 2)] == "an earlier event of its stream is parked"
    assert parked[(f"{SERVICE}/{AGGREGATE}/big", 1)] == f"oversized: {len(big)} bytes, over the limit of 524288"

    # Loggers another test configured may be cached and bypass capture_logs: read what reached the
    # process's output as well, whichever way logging is set up.
    printed = [line for line in "".join(capfd.readouterr()).splitlines() if "projection.message_rejected" in line]
    warnings = [entry for entry in logs if entry["event"] == "projection.message_rejected"]
    assert len(warnings) + len(printed) == 5
    assert all(entry["log_level"] == "warning" and "size" in entry for entry in warnings)
    assert all("warning" in line and "size" in line for line in printed)
    assert PERSONAL not in repr(logs) + "".join(printed), "no body and no offending value in any log line"
    assert consuming.running
    assert consuming.outcomes[Outcome.PARKED] == 8


async def test_a_redelivered_bad_message_is_recorded_once(store: PostgresEventStore) -> None:
    projection = tally()
    async with store.pool.acquire() as conn:
        await install(conn, projection)
        applier = Applier(projection, store)
        junk = Delivery(subject("junk"), b"{not json", "JZ_ASSIGNMENT:7")
        assert await applier.apply_batch(conn, [junk]) == [Outcome.PARKED]
        assert await applier.apply_batch(conn, [junk]) == [Outcome.PARKED]
    assert [(r.origin, r.error) for r in await list_rejected(store.pool, projection)] == [
        ("JZ_ASSIGNMENT:7", "not an event: not JSON (Expecting property name enclosed in double quotes at byte 1)")
    ]


async def test_the_size_limit_is_the_services_setting(store: PostgresEventStore) -> None:
    projection = tally()
    body = encode(envelope("small", 1, {"amount": 1, "label": "x" * 2000}))
    async with store.pool.acquire() as conn:
        await install(conn, projection)
        strict = Applier(projection, store, max_event_bytes=1024)
        assert await strict.apply_batch(conn, [Delivery(subject("small"), body)]) == [Outcome.PARKED]
    assert [p.error for p in await list_parked(store.pool, projection)] == [
        f"oversized: {len(body)} bytes, over the limit of 1024"
    ]


async def test_parked_list_shows_rejected_messages_of_a_running_service(service_env: ServiceEnv, nc: NATS) -> None:
    settings = await service_env.settings("assignment", consumer_max_event_bytes=64 * 1024)
    async with running(create_app(settings)):
        await nc.jetstream().publish("jz.assignment.evt.officer.x1.OfficerEnrolled", b"x" * (100 * 1024))

        def listed() -> list[dict[str, object]]:
            result = CliRunner().invoke(
                cli, ["parked", "list", "assignment", "--json"], env={"DATABASE_URL": settings.database_url}
            )
            assert result.exit_code == 0, result.output
            return [r for r in json.loads(result.stdout) if r["kind"] == "rejected"]

        async def shown() -> bool:
            return len(await asyncio.to_thread(listed)) > 0

        await eventually(shown, timeout=30, every=0.5)
    rows = await asyncio.to_thread(listed)
    assert {r["subject"] for r in rows} == {"jz.assignment.evt.officer.x1.OfficerEnrolled"}
    assert all(str(r["error"]).startswith("oversized: 102400 bytes, over the limit of 65536") for r in rows)
    assert all(r["stream"] is None and r["size"] == 100 * 1024 for r in rows)
