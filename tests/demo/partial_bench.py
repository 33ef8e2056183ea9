"""Not collected (no test_ prefix), a benchmark: `python -m pytest tests/demo/partial_bench.py -s -p no:randomly`
runs the demo's first weeks (to JZ_BENCH_CUT, default 8 February; JZ_BENCH_CONC commands at once) on
the four services in this process and prints the wall and CPU seconds (this process, nats-server, the
PostgreSQL backends) and the NATS messages the services sent by kind, to compare kernel changes in
one sitting. CPU seconds are the figure to compare on a shared machine; wall time follows the load.
JZ_BENCH_PARTITIONS (default: the kernel's, 1) is the deployment's partition count."""

import collections
import contextlib
import dataclasses
import os
import time
from datetime import datetime

import httpx
import nats
import psutil
import pytest

from jingzhang.app.demo import build_plan
from jingzhang.app.demo.runner import Runner
from jingzhang.app.services import SERVICES
from jingzhang.shared.clock import ShiftedClock
from jingzhang.shared.local.nats import NatsServer
from jingzhang.shared.partitions import PARTITIONS
from jingzhang.shared.streams import provision
from tests.apps import running
from tests.conftest import ServiceEnv
from tests.demo.test_demo import APPS, START

CUT = datetime.fromisoformat(os.environ.get("JZ_BENCH_CUT", "2025-02-08T00:00:00+08:00"))


def _cpu() -> dict[str, float]:
    me = psutil.Process()
    out = {"self": sum(me.cpu_times()[:2])}
    for child in me.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            name = "nats" if "nats" in child.name() else "other"
            out[name] = out.get(name, 0.0) + sum(child.cpu_times()[:2])
    mark = f"t{os.getpid()}_"
    for proc in psutil.process_iter(["cmdline"]):
        with contextlib.suppress(psutil.Error):
            if mark in " ".join(proc.info["cmdline"] or ()):
                out["postgres"] = out.get("postgres", 0.0) + sum(proc.cpu_times()[:2])
    return out


COUNTS: collections.Counter[str] = collections.Counter()


def _count_nats() -> None:
    from nats.aio.client import Client

    original = Client.publish

    async def publish(
        self: Client, subject: str, payload: bytes = b"", reply: str = "", headers: dict[str, str] | None = None
    ) -> None:
        parts = subject.split(".")
        COUNTS[".".join(parts[:4]) if subject.startswith("$JS.API") else ".".join(parts[:2])] += 1
        await original(self, subject, payload, reply, headers)

    Client.publish = publish  # type: ignore[method-assign]


@pytest.mark.timeout(3600)
async def test_partial(service_env: ServiceEnv, nats_server: NatsServer) -> None:
    partitions = int(os.environ.get("JZ_BENCH_PARTITIONS", str(PARTITIONS)))
    nc = await nats.connect(nats_server.url)
    await provision(nc.jetstream(), SERVICES, partitions=partitions)
    await nc.close()
    clock = ShiftedClock(START)
    plan = build_plan(2025)
    plan = dataclasses.replace(plan, steps=tuple(s for s in plan.steps if s.at < CUT))
    commands = sum(len(c) for s in plan.steps for c in s.chains)
    async with contextlib.AsyncExitStack() as stack:
        clients: dict[str, httpx.AsyncClient] = {}
        for name, create_app in APPS.items():
            settings = await service_env.settings(
                name, consumer_batch=128, partitions=partitions, clock_control=True, clock_start=START
            )
            clients[name] = await stack.enter_async_context(running(create_app(settings, clock)))
        _count_nats()
        before, t0 = _cpu(), time.monotonic()
        runner = Runner(clients, int(os.environ.get("JZ_BENCH_CONC", "8")), 600.0, None)
        answers: collections.Counter[str] = collections.Counter()
        for client in clients.values():

            async def counted(response: httpx.Response) -> None:
                answers[f"{response.request.method} {response.status_code}"] += 1

            client.event_hooks["response"].append(counted)
        await runner.check_start(plan.steps[0].at)
        for step in plan.steps:
            await runner.step(step)
        settling = time.monotonic()
        await runner.settle()
        runner.timings.final_settle = time.monotonic() - settling
        wall = time.monotonic() - t0
        after = _cpu()
        cpu = {k: round(after.get(k, 0) - before.get(k, 0), 1) for k in after}
        print(f"\nBENCH steps={len(plan.steps)} commands={commands} wall={wall:.1f}s", end=" ")
        print(f"cpu={cpu}")
        print("TIMINGS", runner.timings.summary())
        if path := os.environ.get("JZ_DEMO_TIMINGS"):
            runner.timings.dump(path)
        print("NATS", COUNTS.most_common(20))
        print("HTTP", answers.most_common(20))
