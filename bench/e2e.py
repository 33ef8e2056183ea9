"""Figures 4 and 5: end-to-end latency at a fixed rate, and the maximum sustained end-to-end rate.

Open loop: a scheduler issues command i at t0 + i/rate whatever happened to earlier ones (so a slow
system shows as latency, not as a quietly lower rate), at most `IN_FLIGHT` at once. Each command
appends one event to a stream of its own; its start is stamped with `time.monotonic()` when issued.
The relay runs in this process (as in a service); the consumer runs in another process
(`bench.child`) and stamps each event when the transaction that applied it has committed.
Latency = commit stamp - issue stamp (one host clock, CLOCK_MONOTONIC, shared by all processes).

The raw hop is the same schedule of `js.publish` calls (acknowledged, so on disk with
`sync_interval: always`) to a stream of its own, read by a plain durable pull consumer in another
process that stamps each message when `fetch` returns it.
"""

import asyncio
import contextlib
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
from nats.aio.client import Client as NATS
from nats.js.api import StorageType, StreamConfig, StreamSource
from nats.js.errors import NotFoundError

from bench.child import RAW_COPY, RAW_STREAM, RAW_SUBJECTS
from bench.flow import reset_stream
from bench.servers import Stack
from jingzhang.shared.envelope import StreamId, event_subject
from jingzhang.shared.relay import Relay, Wakeup
from jingzhang.shared.store.postgres import PostgresEventStore
from jingzhang.shared.testing.sample import AGGREGATE, SERVICE, meta, noted

REPO = Path(__file__).resolve().parent.parent
IN_FLIGHT = 64
RAW_BODY = b'{"amount":1,"pad":"' + b"x" * 480 + b'"}'  # about the size of one of our CloudEvents


@dataclass
class Child:
    """A consumer subprocess we started (and only we stop, by its PID)."""

    mode: str
    args: dict[str, Any]
    count: int = 0
    proc: asyncio.subprocess.Process | None = None
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    done: asyncio.Event = field(default_factory=asyncio.Event)

    async def start(self, limit: float = 30.0) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.child",
            self.mode,
            json.dumps(self.args),
            cwd=REPO,
            env=env,
            stdout=asyncio.subprocess.PIPE,
        )
        self._reader = asyncio.create_task(self._read())
        await asyncio.wait_for(self.ready.wait(), limit)

    async def _read(self) -> None:
        assert self.proc is not None
        assert self.proc.stdout is not None
        async for raw in self.proc.stdout:
            line = raw.decode().strip()
            if line == "READY":
                self.ready.set()
            elif line == "DONE":
                self.done.set()
            elif line.startswith("P "):
                self.count = int(line[2:])

    async def wait_for(self, count: int, limit: float) -> bool:
        deadline = time.monotonic() + limit
        while self.count < count and time.monotonic() < deadline:  # noqa: ASYNC110 - the count comes from the child's progress lines
            await asyncio.sleep(0.02)
        return self.count >= count

    async def stop(self) -> dict[str, float]:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.proc.wait(), 30)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()
        await self._reader
        stamps: dict[str, float] = json.loads(Path(self.args["out"]).read_text())  # noqa: ASYNC240 - after the run; nothing else to wait for
        return stamps


@dataclass
class Paced:
    """What one open-loop run did."""

    issued: dict[str, float] = field(default_factory=dict)
    appended: dict[str, float] = field(default_factory=dict)  # when the append (or publish) returned
    completed: int = 0
    failed: int = 0
    lag: list[tuple[float, int]] = field(default_factory=list)  # (seconds into the run, issued - committed)
    seconds: float = 0.0


async def paced(
    rate: float,
    seconds: float,
    key: Callable[[int], str],
    send: Callable[[int], Awaitable[object]],
    committed: Callable[[], int],
) -> Paced:
    run = Paced()
    gate = asyncio.Semaphore(IN_FLIGHT)
    tasks: set[asyncio.Task[None]] = set()

    async def one(i: int) -> None:
        async with gate:
            try:
                await send(i)
                run.appended[key(i)] = time.monotonic()
                run.completed += 1
            except Exception:
                run.failed += 1

    t0 = time.monotonic()
    total = int(rate * seconds)
    next_sample = t0
    for i in range(total):
        due = t0 + i / rate
        now = time.monotonic()
        if due > now:
            await asyncio.sleep(due - now)
        run.issued[key(i)] = time.monotonic()
        task = asyncio.create_task(one(i))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        if time.monotonic() >= next_sample:
            run.lag.append((time.monotonic() - t0, len(run.issued) - committed()))
            next_sample += 0.25
    if tasks:
        await asyncio.wait(tasks, timeout=30)
    run.seconds = time.monotonic() - t0
    return run


def latencies_ms(issued: dict[str, float], committed: dict[str, float], warmup: int) -> list[float]:
    """Per-event latency in ms, in issue order, without the first `warmup` events."""
    keys = list(issued)[warmup:]
    return [(committed[k] - issued[k]) * 1000 for k in keys if k in committed]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


@dataclass
class Round:
    """One open-loop run through our kernel or through the raw hop."""

    run: Paced
    stamps: dict[str, float]
    caught_up: bool


async def ours_round(stack: Stack, nc: NATS, n: int, rate: float, seconds: float) -> Round:
    url = await stack.fresh_database("e2e")
    await reset_stream(nc)
    out = Path(tempfile.mkdtemp(dir=stack.root)) / "stamps.json"
    child = Child("consume-ours", {"nats": stack.nats_url, "db": url, "projection": f"tally_e{n}", "out": str(out)})
    await child.start()
    pool = await asyncpg.create_pool(url, min_size=10, max_size=10)
    store = PostgresEventStore(pool, SERVICE)
    stop = asyncio.Event()
    relaying = Relay(store, nc)
    store.on_appended = Wakeup(pool, relaying)  # as a service's runtime wires it: appends wake the relay
    relay = asyncio.create_task(relaying.run(stop))
    try:
        run = await paced(
            rate,
            seconds,
            key=lambda i: event_subject(SERVICE, StreamId(AGGREGATE, f"e{i}"), "Noted"),
            send=lambda i: store.append(StreamId(AGGREGATE, f"e{i}"), 0, [noted(i)], meta()),
            committed=lambda: child.count,
        )
        caught_up = await child.wait_for(run.completed, 60)
    finally:
        stop.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(relay, 10)
        stamps = await child.stop()
        await pool.close()
    return Round(run, stamps, caught_up)


async def ensure_raw_stream(nc: NATS) -> None:
    js = nc.jetstream()
    with contextlib.suppress(NotFoundError):
        await js.delete_stream(RAW_STREAM)
    await js.add_stream(StreamConfig(name=RAW_STREAM, subjects=[RAW_SUBJECTS], storage=StorageType.FILE))


async def raw_round(stack: Stack, nc: NATS, n: int, rate: float, seconds: float) -> Round:
    """The raw hop: nats-py publishes, a plain durable pull consumer reads the same stream."""
    await ensure_raw_stream(nc)
    return await _raw_hop(stack, nc, n, rate, seconds, RAW_STREAM, f"raw{n}")


async def raw_copy_round(stack: Stack, nc: NATS, n: int, rate: float, seconds: float) -> Round:
    """The raw hop, read from a copy the server sources from the published stream (the hop each
    service's events take into `JZ_<SVC>_P8` before its consumers see them): what the copy costs."""
    await ensure_raw_stream(nc)
    js = nc.jetstream()
    with contextlib.suppress(NotFoundError):
        await js.delete_stream(RAW_COPY)
    await js.add_stream(StreamConfig(name=RAW_COPY, sources=[StreamSource(name=RAW_STREAM)], storage=StorageType.FILE))
    return await _raw_hop(stack, nc, n, rate, seconds, RAW_COPY, f"copy{n}")


async def _raw_hop(stack: Stack, nc: NATS, n: int, rate: float, seconds: float, stream: str, durable: str) -> Round:
    js = nc.jetstream()
    out = Path(tempfile.mkdtemp(dir=stack.root)) / "stamps.json"
    child = Child("consume-raw", {"nats": stack.nats_url, "durable": durable, "out": str(out), "stream": stream})
    await child.start()
    try:
        run = await paced(
            rate,
            seconds,
            key=lambda i: f"bench.raw.{n}.{i}",
            send=lambda i: js.publish(f"bench.raw.{n}.{i}", RAW_BODY, headers={"Nats-Msg-Id": f"{durable}-{i}"}),
            committed=lambda: child.count,
        )
        caught_up = await child.wait_for(run.completed, 60)
    finally:
        stamps = await child.stop()
    return Round(run, stamps, caught_up)


def sustained(rnd: Round, rate: float) -> bool:
    """Kept up: every command done on time, and the backlog at the end under half a second of load.

    The backlog is sampled from the consumer's progress (lines every 0.1 s), so it carries up to
    0.1 s of reporting delay; half a second of load leaves room for that and for one relay window.
    """
    offered = len(rnd.run.issued)
    if rnd.run.failed or rnd.run.completed < offered or not rnd.caught_up:
        return False
    on_time = rnd.run.seconds <= offered / rate + 0.5
    tail = [lag for at, lag in rnd.run.lag if at >= rnd.run.seconds * 0.75]
    return on_time and (not tail or statistics.median(tail) <= rate * 0.5)
