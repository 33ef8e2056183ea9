"""examples/subscriber.py (FastStream, NACK_ON_ERROR) against a real nats-server, fed by a real relay
from a real event store: events once, a republished one deduplicated, a restart resuming after what
was acked, a handler failure redelivered rather than dropped."""

import asyncio
import sqlite3
import sys
from pathlib import Path

import asyncpg
from nats.aio.client import Client as NATS

from jingzhang.app.services import contracts as catalog
from jingzhang.shared.contract.catalog import entries
from jingzhang.shared.envelope import Metadata, NewEvent, StreamId, encode
from jingzhang.shared.local.nats import NatsServer
from jingzhang.shared.relay import Relay
from jingzhang.shared.store.postgres import PostgresEventStore, install_schema

from .samples import AT, payload

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "subscriber.py"
APPEALS = {e.model.event_type: e for e in entries(catalog()) if e.service == "appeals"}


async def run_example(nats_server: NatsServer, db: Path, *args: str) -> list[str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(EXAMPLE), "--server", nats_server.url, "--stream", "JZ_APPEALS",
        "--subject", "jz.appeals.evt.>", "--durable", "gov-test", "--db", str(db), "--timeout", "1.5", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 0, err.decode()
    return out.decode().splitlines()


async def relay_two_appeal_events(pool: asyncpg.Pool, nc: NATS) -> PostgresEventStore:
    async with pool.acquire() as conn, conn.transaction():
        await install_schema(conn)
    store = PostgresEventStore(pool, "appeals")
    events = [NewEvent(payload(APPEALS[name]), AT) for name in ("AppealRaised", "AppealRouted")]
    meta = Metadata(actor="officer-1", correlation_id=events[0].event_id)
    await store.append(StreamId("appeal", "a-1"), 0, events, meta)
    assert await Relay(store, nc, window=8).publish_pending() == 2
    return store


async def republish_first(store: PostgresEventStore, nc: NATS) -> None:
    """As `republish` would after the duplicate window: no Nats-Msg-Id, so JetStream stores it again."""
    first = (await store.read_stream(StreamId("appeal", "a-1")))[0]
    await nc.jetstream().publish(first.subject, encode(first), headers={"Content-Type": "application/cloudevents+json"})


def outcomes(lines: list[str]) -> list[tuple[str, str]]:
    return [(line.split()[0], line.split()[1]) for line in lines if not line.startswith("done")]


async def test_it_prints_relayed_events_once_and_dedupes_a_republished_one(
    pool: asyncpg.Pool, nc: NATS, nats_server: NatsServer, tmp_path: Path
) -> None:
    store = await relay_two_appeal_events(pool, nc)
    await republish_first(store, nc)
    lines = await run_example(nats_server, tmp_path / "gov.sqlite3", "--max", "10")
    assert outcomes(lines) == [
        ("applied", "cn.jingzhang.appeals.AppealRaised.v1"),
        ("applied", "cn.jingzhang.appeals.AppealRouted.v1"),
        ("duplicate", "cn.jingzhang.appeals.AppealRaised.v1"),
    ]
    assert lines[-1] == "done: 2 applied"


async def test_its_durable_consumer_resumes_after_what_it_acked(
    pool: asyncpg.Pool, nc: NATS, nats_server: NatsServer, tmp_path: Path
) -> None:
    await relay_two_appeal_events(pool, nc)
    # a message fetched while the first run stopped comes back after the consumer's ack wait (1 s here)
    first = await run_example(nats_server, tmp_path / "gov.sqlite3", "--max", "1", "--ack-wait", "1")
    second = await run_example(nats_server, tmp_path / "gov.sqlite3", "--max", "10", "--timeout", "4")
    assert outcomes(first) == [("applied", "cn.jingzhang.appeals.AppealRaised.v1")]
    assert outcomes(second) == [("applied", "cn.jingzhang.appeals.AppealRouted.v1")]


async def test_an_event_its_store_could_not_take_is_redelivered_not_dropped(
    pool: asyncpg.Pool, nc: NATS, nats_server: NatsServer, tmp_path: Path
) -> None:
    await relay_two_appeal_events(pool, nc)
    db = tmp_path / "gov.sqlite3"
    broken = sqlite3.connect(db)
    broken.execute("CREATE TABLE archive (event_id TEXT PRIMARY KEY)")  # too few columns: every insert fails
    broken.commit()
    failing = await run_example(nats_server, db, "--max", "10", "--ack-wait", "1")
    assert outcomes(failing) == []
    broken.execute("DROP TABLE archive")
    broken.commit()
    broken.close()
    healed = await run_example(nats_server, db, "--max", "10", "--timeout", "4")
    assert outcomes(healed) == [
        ("applied", "cn.jingzhang.appeals.AppealRaised.v1"),
        ("applied", "cn.jingzhang.appeals.AppealRouted.v1"),
    ]
