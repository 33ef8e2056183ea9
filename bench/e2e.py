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

import argparse
import asyncio
import contextlib
import functools
import itertools
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
from nats.aio.client import Client as NATS
from nats.js.api import PubAck, StorageType, StreamConfig, StreamSource
from nats.js.errors import NotFoundError

from bench.child import RAW_COPY, RAW_STREAM, RAW_SUBJECTS, install_uvloop
from bench.flow import BENCH_PARTITIONS, reset_stream
from bench.servers import Stack, kernel_pool
from jingzhang.shared.envelope import Envelope, StreamId, event_subject
from jingzhang.shared.logging import configure
from jingzhang.shared.relay import Relay, Wakeup
from jingzhang.shared.store.postgres import CommitPosition, PostgresEventStore
from jingzhang.shared.testing.sample import AGGREGATE, SERVICE, meta, noted
from jingzhang.shared.watermark import Mark

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
    stages: dict[str, dict[str, float]] = field(default_factory=dict)
    """Ours only: per event (subject), when it passed each stage of `STAGES` (monotonic seconds)."""
    relay_rounds: dict[str, list[float]] = field(default_factory=dict)
    """Ours only: the relay's own steps, seconds per call (`StampedRelay`)."""
    consumer: dict[str, int] = field(default_factory=dict)
    """Ours only: what the consumer counted (batches, messages, redeliveries, waiting naks)."""


STAGES = ("issued", "appended", "query", "read", "sent", "acked", "copied", "pulled", "fetched", "applied")
"""Where an event of ours is seen on its way: issued; append returned (committed); the relay's
`read_committed` that returned it began, and returned; its publish written to the connection; its
own ack received (the relay goes on when the whole window is confirmed);
stored in the partitioned copy (the copy's own timestamp, wall clock mapped to monotonic in the
consumer's process); asked for by the consumer (the start of the fetch that brought it, or its copy
if that fetch was already waiting); handed to the consumer's `handle` by that fetch; its apply
transaction committed."""


RELAY_OPTIONS: dict[str, Any] = {}
"""Overrides of the relay's settings for ours' rounds (set by `--ahead`, `--single`), to compare them;
none by default."""


class StampedRelay(Relay):
    """The kernel's relay, stamping each event at its steps and timing the steps of each round.

    Only for the benchmark: every stamp is a dict write after the step returned, so the relay's
    behaviour (what it reads, publishes and saves, and when) is the kernel's."""

    def __init__(self, store: PostgresEventStore, nc: NATS, stages: dict[str, dict[str, float]]) -> None:
        super().__init__(store, nc, **RELAY_OPTIONS)
        self.stages = stages
        self.steps: dict[str, list[float]] = {}
        read = store.read_committed

        async def read_committed(
            after: CommitPosition, limit: int, conn: asyncpg.Connection | None = None
        ) -> list[tuple[CommitPosition, Envelope]]:
            began = time.monotonic()
            rows = await read(after, limit, conn)
            now = time.monotonic()
            self._step("read_committed", began, now)
            for _, env in rows:
                self.stages.setdefault(env.subject, {}).update(query=began, read=now)
            return rows

        store.read_committed = read_committed  # type: ignore[method-assign]
        publish = self.publisher.publish

        async def published(subject: str, body: bytes, headers: dict[str, str]) -> "asyncio.Future[PubAck]":
            future = await publish(subject, body, headers)
            seen = self.stages.setdefault(subject, {})
            seen["sent"] = time.monotonic()
            future.add_done_callback(lambda f: _acked(f, seen))
            return future

        self.publisher.publish = published  # type: ignore[method-assign]

    def _step(self, name: str, began: float, now: float) -> None:
        self.steps.setdefault(name, []).append(now - began)

    async def _send_window(self, batch: Sequence[tuple[CommitPosition, Envelope]], base: int) -> Any:
        began = time.monotonic()
        window = await super()._send_window(batch, base)
        now = time.monotonic()
        self._step("send_window", began, now)
        self.steps.setdefault("window_size", []).append(float(len(batch)))
        self.steps.setdefault("atomic_windows", []).append(1.0 if window.atomic else 0.0)
        if window.atomic:  # only the commit went through the publisher: the batch was written by now
            (commit,) = window.futures
            for _, env in batch:
                seen = self.stages.setdefault(env.subject, {})
                seen["sent"] = now
                commit.add_done_callback(functools.partial(_acked, seen=seen))
        return window

    async def _confirm_window(self, sent: Any) -> tuple[int, bool]:
        began = time.monotonic()
        confirmed, clean = await super()._confirm_window(sent)
        self._step("confirm_window", began, time.monotonic())
        for _, env in sent.batch[confirmed:]:  # not confirmed: published again later
            self.stages.get(env.subject, {}).pop("acked", None)
        return confirmed, clean

    async def _checkpoint(self) -> CommitPosition:
        began = time.monotonic()
        position = await super()._checkpoint()
        self._step("checkpoint_read", began, time.monotonic())
        return position

    async def _save_checkpoint(self, position: CommitPosition, count: int) -> None:
        began = time.monotonic()
        await super()._save_checkpoint(position, count)
        self._step("checkpoint_save", began, time.monotonic())

    async def _begin_round(self) -> tuple[Mark, CommitPosition]:
        began = time.monotonic()
        begun = await super()._begin_round()
        self._step("begin_round", began, time.monotonic())
        return begun

    async def _publish_mark(self, mark: Mark) -> None:
        began = time.monotonic()
        await super()._publish_mark(mark)
        self._step("publish_mark", began, time.monotonic())


def _acked(future: "asyncio.Future[PubAck]", seen: dict[str, float]) -> None:
    """Stamp an ack as it arrives; a publish dropped or refused is not acked (it is sent again)."""
    if not future.cancelled() and future.exception() is None:
        seen.setdefault("acked", time.monotonic())


def stage_ms(rnd: Round, warmup: int) -> dict[str, list[float]]:
    """Per stage (named by where it ends), each event's time in it in ms, after `warmup` events;
    only events seen at every stage count, so the stages of one event add up to its latency."""
    out: dict[str, list[float]] = {f"{a}_{b}": [] for a, b in itertools.pairwise(STAGES)}
    for key in list(rnd.run.issued)[warmup:]:
        seen = {
            "issued": rnd.run.issued.get(key),
            "appended": rnd.run.appended.get(key),
            "applied": rnd.stamps.get(key),
            **rnd.stages.get(key, {}),
        }
        if any(seen.get(s) is None for s in STAGES):
            continue
        for a, b in itertools.pairwise(STAGES):
            out[f"{a}_{b}"].append((seen[b] - seen[a]) * 1000)  # type: ignore[operator]
    return out


def stage_summary(rounds: list[Round], warmup: int) -> dict[str, Any]:
    """`e2e_stage_<from>_<to>_p50_ms` / `_p99_ms` over the rounds, the relay's steps (`e2e_relay_<step>_ms`:
    calls, mean and p99 per call) and the consumer's counts (`e2e_consumer`)."""
    per: dict[str, list[float]] = {}
    for rnd in rounds:
        for name, values in stage_ms(rnd, warmup).items():
            per.setdefault(name, []).extend(values)
    figures: dict[str, Any] = {"e2e_stage_events": len(next(iter(per.values()), []))}
    for name, values in per.items():
        figures[f"e2e_stage_{name}_p50_ms"] = round(percentile(values, 50), 3)
        figures[f"e2e_stage_{name}_p99_ms"] = round(percentile(values, 99), 3)
    steps: dict[str, list[float]] = {}
    consumer: dict[str, int] = {}
    for rnd in rounds:
        for step, values in rnd.relay_rounds.items():
            steps.setdefault(step, []).extend(values)
        for what, count in rnd.consumer.items():
            consumer[what] = consumer.get(what, 0) + count
    for step, values in steps.items():
        scale = 1.0 if step in ("window_size", "atomic_windows") else 1000.0
        figures[f"e2e_relay_{step}_ms" if scale > 1 else f"e2e_relay_{step}"] = {
            "calls": len(values),
            "mean": round(statistics.fmean(values) * scale, 3) if values else None,
            "p50": round(percentile(values, 50) * scale, 3),
            "p99": round(percentile(values, 99) * scale, 3),
        }
    figures["e2e_consumer"] = consumer
    return figures


def render_stages(figures: dict[str, Any]) -> str:
    """The breakdown as lines for a terminal: one per stage, p50 / p99 in ms."""
    lines = [f"e2e stages of ours ({figures['e2e_stage_events']} events seen at every stage), p50 / p99 ms:"]
    for a, b in itertools.pairwise(STAGES):
        p50, p99 = figures[f"e2e_stage_{a}_{b}_p50_ms"], figures[f"e2e_stage_{a}_{b}_p99_ms"]
        lines.append(f"  {a:>8} -> {b:<8} {p50:9.2f} / {p99:9.2f}")
    for key, value in figures.items():
        if key.startswith("e2e_relay_"):
            lines.append(f"  relay {key[len('e2e_relay_') :]}: {value}")
    lines.append(f"  consumer: {figures['e2e_consumer']}")
    return "\n".join(lines)


async def ours_round(stack: Stack, nc: NATS, n: int, rate: float, seconds: float) -> Round:
    url = await stack.fresh_database("e2e")
    await reset_stream(nc)
    out = Path(tempfile.mkdtemp(dir=stack.root)) / "stamps.json"
    args = {"nats": stack.nats_url, "db": url, "projection": f"tally_e{n}", "out": str(out)}
    child = Child("consume-ours", {**args, "partitions": BENCH_PARTITIONS})
    await child.start()
    pool = await kernel_pool(url, 10)
    store = PostgresEventStore(pool, SERVICE)
    stop = asyncio.Event()
    stages: dict[str, dict[str, float]] = {}
    relaying = StampedRelay(store, nc, stages)
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
    consumed = json.loads(Path(f"{out}.stages").read_text())  # noqa: ASYNC240 - after the run; nothing else to wait for
    for key, seen in consumed["stages"].items():
        stages.setdefault(key, {}).update(seen)
    return Round(run, stamps, caught_up, stages, relaying.steps, consumed["counts"])


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


async def stages_main(rounds: int, rate: float, seconds: float) -> dict[str, Any]:
    """Ours alone at `rate`, `rounds` times (raw hop rounds between them as a yardstick), with the
    stage breakdown; each round on a fresh database and stream, as figure 4 runs it."""
    stack = Stack().start()
    try:
        nc = await stack.connect_nats()
        ours: list[Round] = []
        raw: list[float] = []
        for r in range(rounds):
            ours.append(await ours_round(stack, nc, 300 + r, rate, seconds))
            hop = await raw_round(stack, nc, 300 + r, rate, seconds)
            raw.extend(latencies_ms(hop.run.issued, hop.stamps, WARMUP))
            one = stage_summary(ours[-1:], WARMUP)
            print(render_stages(one), file=sys.stderr, flush=True)
        await nc.close()
    finally:
        stack.stop()
    ms = [x for rnd in ours for x in latencies_ms(rnd.run.issued, rnd.stamps, WARMUP)]
    return {
        "rate": rate,
        "rounds": rounds,
        "e2e_p50_ms": percentile(ms, 50),
        "e2e_p99_ms": percentile(ms, 99),
        "raw_hop_p50_ms": percentile(raw, 50),
        "raw_hop_p99_ms": percentile(raw, 99),
        "kept_up": [sustained(rnd, rate) for rnd in ours],
        **stage_summary(ours, WARMUP),
    }


WARMUP = 200


def cli() -> None:
    parser = argparse.ArgumentParser(description="Figure 4 for ours alone, with where its latency goes.")
    parser.add_argument("--stages", action="store_true", required=True, help="stamp every stage (the only mode)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--ahead", type=int, help="publish windows in flight (the relay's AHEAD)")
    parser.add_argument("--single", action="store_true", help="single publishes only, no atomic batches")
    parser.add_argument("--batch-from", type=int, help="the fewest events a window sent as a batch holds")
    ns = parser.parse_args()
    if ns.batch_from is not None:
        RELAY_OPTIONS["batch_from"] = ns.batch_from
    if ns.ahead is not None:
        RELAY_OPTIONS["ahead"] = ns.ahead
    if ns.single:
        RELAY_OPTIONS["atomic"] = False
    configure("ERROR", json=True)
    uvloop = install_uvloop()
    figures = asyncio.run(stages_main(ns.rounds, ns.rate, ns.seconds))
    print(render_stages(figures))
    print(
        f"ours p50 / p99 {figures['e2e_p50_ms']:.2f} / {figures['e2e_p99_ms']:.2f} ms; raw hop"
        f" {figures['raw_hop_p50_ms']:.2f} / {figures['raw_hop_p99_ms']:.2f} ms; uvloop {uvloop}"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    cli()
