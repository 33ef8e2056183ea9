"""Figure 1: durable appends/s, one event per command, from 8 concurrent clients, three contenders.

Each contender gets a fresh database per round, its connections opened before the clock starts, and
the same time window; every command is its own committed (fsync'ed) transaction.
"""

import asyncio
import threading
import time
import uuid
from collections.abc import Awaitable, Callable

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from bench.servers import kernel_pool
from jingzhang.shared.envelope import StreamId
from jingzhang.shared.store.postgres import PostgresEventStore
from jingzhang.shared.testing.sample import AGGREGATE, SERVICE, meta, noted

CLIENTS = 8


async def _closed_loop(clients: int, seconds: float, one: Callable[[int, int], Awaitable[None]]) -> float:
    """`clients` tasks issue commands back to back for `seconds`; returns commands/s."""
    deadline = time.perf_counter() + seconds
    counts = [0] * clients

    async def client(n: int) -> None:
        while time.perf_counter() < deadline:
            await one(n, counts[n])
            counts[n] += 1

    started = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(clients)))
    return sum(counts) / (time.perf_counter() - started)


async def ours(url: str, seconds: float) -> float:
    pool = await kernel_pool(url, CLIENTS)
    store = PostgresEventStore(pool, SERVICE)

    async def one(client: int, i: int) -> None:
        await store.append(StreamId(AGGREGATE, f"c{client}-{i}"), 0, [noted(i)], meta())

    try:
        return await _closed_loop(CLIENTS, seconds, one)
    finally:
        await pool.close()


RAW_TABLE = (
    "CREATE TABLE IF NOT EXISTS raw_events"
    " (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, event_id uuid NOT NULL, data jsonb NOT NULL)"
)


async def raw(url: str, seconds: float) -> float:
    pool = await kernel_pool(url, CLIENTS)  # the same pool as ours: the ratio is the store's own cost
    await pool.execute(RAW_TABLE)

    async def one(client: int, i: int) -> None:
        await pool.execute("INSERT INTO raw_events (event_id, data) VALUES ($1, $2)", uuid.uuid4(), '{"amount": 1}')

    try:
        return await _closed_loop(CLIENTS, seconds, one)
    finally:
        await pool.close()


class Counter(Aggregate):
    """pyeventsourcing's side: a new aggregate per command, so each save records exactly one event."""

    @event("Created")
    def __init__(self, amount: int) -> None:
        self.amount = amount


def pyeventsourcing_env(socket_dir: str, dbname: str) -> dict[str, str]:
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_HOST": socket_dir,  # psycopg takes a directory as a Unix socket
        "POSTGRES_PORT": "5432",
        "POSTGRES_USER": "postgres",
        "POSTGRES_PASSWORD": "",
        "POSTGRES_POOL_SIZE": str(CLIENTS),
        "POSTGRES_MAX_OVERFLOW": "0",
    }


def pyeventsourcing(socket_dir: str, dbname: str, seconds: float) -> float:
    """Blocking: 8 threads each saving one new aggregate at a time (how pyeventsourcing is used)."""
    app = Application(env=pyeventsourcing_env(socket_dir, dbname))
    app.save(Counter(0))  # creates the tables and opens a connection before the clock starts
    counts = [0] * CLIENTS
    deadline = time.perf_counter() + seconds

    def client(n: int) -> None:
        while time.perf_counter() < deadline:
            app.save(Counter(counts[n]))
            counts[n] += 1

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(CLIENTS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 60)  # bounded: a hung save must not hang the benchmark
    elapsed = time.perf_counter() - started
    app.close()
    return sum(counts) / elapsed
