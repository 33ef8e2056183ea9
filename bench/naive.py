"""The naive outbox pipeline, a contender for figures 4 and 5 (issue 17).

What a team would write without our kernel: each command inserts its event and an outbox row in one
transaction; relays (two tasks in this process, as a service would run them) poll the outbox with
`SELECT ... FOR UPDATE SKIP LOCKED`, publish the rows with concurrent (async) JetStream publishes,
delete them and commit; a consumer in another process (`bench.child consume-naive`) fetches batches
and upserts each batch in one transaction (`unnest`), then acks. No ordering guarantee, no parking,
no envelope, no schema registry. Driven by the same open-loop scheduler as ours (`e2e.paced`) and
stamped the same way (after the consumer's COMMIT), so the figures compare.
"""

import asyncio
import contextlib
import json
import tempfile
from pathlib import Path

import asyncpg
from nats.aio.client import Client as NATS
from nats.js.api import StorageType, StreamConfig
from nats.js.client import JetStreamContext
from nats.js.errors import NotFoundError

from bench.e2e import Child, Round, paced
from bench.servers import Stack, kernel_pool

NAIVE_STREAM = "BENCH_NAIVE"
NAIVE_SUBJECTS = "bench.naive.>"
FLOOR_STREAM = "BENCH_FLOOR"
FLOOR_SUBJECTS = "bench.floor.>"
RELAYS = 2
RELAY_BATCH = 256
POLL = 0.005  # seconds a relay sleeps when it found the outbox empty
POOL = 10

SCHEMA = """
CREATE TABLE naive_events (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stream_id text NOT NULL,
    version   integer NOT NULL,
    data      jsonb NOT NULL,
    UNIQUE (stream_id, version)
);
CREATE TABLE naive_outbox (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject text NOT NULL,
    payload bytea NOT NULL
);
"""

PAD = "x" * 400  # with the fields, about the size of one of our CloudEvents


def payload(n: int, i: int, prefix: str = "bench.naive") -> tuple[str, bytes]:
    body = {"stream": f"e{n}-{i}", "version": 1, "type": "Noted", "amount": i, "label": "", "pad": PAD}
    return f"{prefix}.{n}.{i}", json.dumps(body).encode()


async def command(pool: asyncpg.Pool, n: int, i: int) -> None:
    """One command: its event and its outbox row, one transaction."""
    subject, body = payload(n, i)
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO naive_events (stream_id, version, data) VALUES ($1, 1, $2)", f"e{n}-{i}", body.decode()
        )
        await conn.execute("INSERT INTO naive_outbox (subject, payload) VALUES ($1, $2)", subject, body)


async def relay(pool: asyncpg.Pool, js: JetStreamContext, stop: asyncio.Event) -> int:
    """Poll the outbox until `stop`; returns how many rows it published. A failed publish (a timeout on
    a busy host) rolls its transaction back, so the rows stay in the outbox for the next poll."""
    published = 0
    while not stop.is_set():
        rows: list[asyncpg.Record] = []
        try:
            async with pool.acquire() as conn, conn.transaction():
                rows = await conn.fetch(
                    "SELECT id, subject, payload FROM naive_outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
                    RELAY_BATCH,
                )
                if rows:
                    await asyncio.gather(
                        *(js.publish(r["subject"], r["payload"], headers={"Nats-Msg-Id": str(r["id"])}) for r in rows)
                    )
                    await conn.execute("DELETE FROM naive_outbox WHERE id = ANY($1::bigint[])", [r["id"] for r in rows])
        except Exception:  # published again on the next poll; JetStream drops the duplicates by Msg-Id
            rows = []
            await asyncio.sleep(POLL)
            continue
        published += len(rows)
        if not rows:
            await asyncio.sleep(POLL)
    return published


async def ensure_stream(nc: NATS, name: str = NAIVE_STREAM, subjects: str = NAIVE_SUBJECTS) -> None:
    js = nc.jetstream()
    with contextlib.suppress(NotFoundError):
        await js.delete_stream(name)
    await js.add_stream(StreamConfig(name=name, subjects=[subjects], storage=StorageType.FILE))


async def fresh(stack: Stack, nc: NATS, name: str, stream: str, subjects: str) -> tuple[str, Path]:
    """A round's new database (with `SCHEMA`) and stream, and where its consumer writes its stamps."""
    url = await stack.fresh_database(name, event_store=False)
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(SCHEMA)
    finally:
        await conn.close()
    await ensure_stream(nc, stream, subjects)
    return url, Path(tempfile.mkdtemp(dir=stack.root)) / "stamps.json"


async def naive_round(stack: Stack, nc: NATS, n: int, rate: float, seconds: float) -> Round:
    url, out = await fresh(stack, nc, "naive", NAIVE_STREAM, NAIVE_SUBJECTS)
    child = Child("consume-naive", {"nats": stack.nats_url, "db": url, "durable": f"naive{n}", "out": str(out)})
    await child.start()
    pool = await kernel_pool(url, POOL)  # as ours' (see `kernel_pool`)
    stop = asyncio.Event()
    relays = [asyncio.create_task(relay(pool, nc.jetstream(), stop)) for _ in range(RELAYS)]
    try:
        run = await paced(
            rate,
            seconds,
            key=lambda i: payload(n, i)[0],
            send=lambda i: command(pool, n, i),
            committed=lambda: child.count,
        )
        caught_up = await child.wait_for(run.completed, 60)
    finally:
        stop.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*relays), 10)
        stamps = await child.stop()
        await pool.close()
    return Round(run, stamps, caught_up)


async def floor_command(pool: asyncpg.Pool, js: JetStreamContext, n: int, i: int) -> None:
    """The floor's command: its event committed (one autocommit INSERT), then published (acknowledged)."""
    subject, body = payload(n, i, "bench.floor")
    insert = "INSERT INTO naive_events (stream_id, version, data) VALUES ($1, 1, $2)"
    await pool.execute(insert, f"e{n}-{i}", body.decode())
    await js.publish(subject, body, headers={"Nats-Msg-Id": subject})


async def floor_round(stack: Stack, nc: NATS, n: int, rate: float, seconds: float) -> Round:
    """The floor of figure 4: the least any pipeline with a durable command, a durable publish and a
    durable projection does. Each command commits its event and then publishes it itself (acknowledged,
    so fsynced), with no outbox and no relay between (a crash between the two loses the event: not a
    design anyone should ship, only the bound); the naive pipeline's consumer (`consume-naive`: fetch,
    one upsert transaction per batch, stamp after COMMIT, ack) reads it. Its p99 against the raw hop's says
    how far under a multiple of the raw hop a pipeline that commits twice can go on this host at all."""
    url, out = await fresh(stack, nc, "floor", FLOOR_STREAM, FLOOR_SUBJECTS)
    args = {"nats": stack.nats_url, "db": url, "durable": f"floor{n}", "out": str(out), "stream": FLOOR_STREAM}
    child = Child("consume-naive", args)
    await child.start()
    pool = await kernel_pool(url, POOL)
    js = nc.jetstream()
    try:
        run = await paced(
            rate,
            seconds,
            key=lambda i: payload(n, i, "bench.floor")[0],
            send=lambda i: floor_command(pool, js, n, i),
            committed=lambda: child.count,
        )
        caught_up = await child.wait_for(run.completed, 60)
    finally:
        stamps = await child.stop()
        await pool.close()
    return Round(run, stamps, caught_up)
