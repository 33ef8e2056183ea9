"""The notifications service SIGKILLed mid-delivery and started again: every due message is delivered;
none twice by SMS (the gateway honours the notification id as `OutId`); through the WeCom robot, which
takes no idempotency key, a message cut off mid-flight may arrive twice, and every one that did is
counted (`NotificationSent.possibly_duplicated`, the outbox's `interrupted`)."""

import collections
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from jingzhang.shared.local.nats import free_port
from tests.auth import BUREAU
from tests.kernel.helpers import eventually
from tests.notifications.conftest import PHONES, World, enrol, raise_and_route, register_enterprise

pytestmark = pytest.mark.e2e

APPEALS = 12


class Process:
    """`python -m jingzhang.notifications` on its own port, logging to a file."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.url = f"http://127.0.0.1:{env['HTTP_PORT']}"
        self.process: subprocess.Popen[bytes] | None = None

    def spawn(self) -> None:
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "jingzhang.notifications"], env=self.env, stdout=out, stderr=subprocess.STDOUT
            )

    async def start(self) -> None:
        self.spawn()

        async def ready() -> bool:
            assert self.process is not None
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            try:
                async with httpx.AsyncClient() as client:
                    return (await client.get(f"{self.url}/health/ready")).status_code == 200
            except httpx.HTTPError:
                return False

        await eventually(ready, timeout=60, every=0.2)

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture(scope="module")
async def process(world: World, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[Process, str]]:
    settings = await world.env.settings("notifications")
    env = {
        **os.environ,
        "NATS_URL": settings.nats_url,
        "DATABASE_URL": settings.database_url,
        "KEYSTORE_URL": str(settings.keystore_url),
        "HTTP_PORT": str(free_port()),
        "LOG_JSON": "true",
        "LOG_LEVEL": "INFO",
        "SMS_GATEWAY_URL": f"{world.sink_url}/sms/",
        "DELIVERY_POLL_INTERVAL": "0.05",
        "DELIVERY_BACKOFF": "0.2",
        "DELIVERY_LEASE": "1.0",
    }
    proc = Process(env, tmp_path_factory.mktemp("notifications") / "service.log")
    try:
        yield proc, settings.database_url
    finally:
        proc.stop()


async def test_sigkill_mid_delivery_then_restart_delivers_everything(
    world: World, process: tuple[Process, str]
) -> None:
    proc, database_url = process
    robots, gateway = world.sinks.robots, world.sinks.gateway
    for officer_id in ("chief-a", "chief-b", "station-a"):
        await enrol(world, officer_id)
    await register_enterprise(world, "ent-9")
    await proc.start()
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    assert pool is not None
    try:
        await _register_group(proc, pool, world, "ent-9")
        robots.delay = gateway.delay = 0.3  # slow counterparties: the kill lands while one is answering
        for n in range(APPEALS):
            await raise_and_route(world, "ent-9", f"crash-{n}")

        async def midway() -> bool:
            return len(robots.received.get("ent-9", [])) >= 3 and robots.in_flight > 0 and gateway.in_flight > 0

        await eventually(midway, timeout=30, every=0.01)
        proc.kill()
        robots.delay = gateway.delay = 0.0
        await proc.start()

        async def all_sent() -> bool:
            states = await pool.fetch("SELECT state, count(*) AS n FROM proj_dispatch.outbox GROUP BY state")
            return {r["state"]: r["n"] for r in states} == {"sent": 2 * APPEALS}

        await eventually(all_sent, timeout=40)
        await _check(pool, world)
        logged = proc.log.read_text(encoding="utf-8")
        assert "notification.sent" in logged  # the service logs at INFO here
        assert not [p for p in PHONES.values() if p in logged]  # phones never reach a log
        assert "key=ent-9" not in logged  # nor the robot's webhook
    finally:
        await pool.close()


async def _register_group(proc: Process, pool: asyncpg.Pool, world: World, enterprise_id: str) -> None:
    url = f"{world.sink_url}/cgi-bin/webhook/send?key={enterprise_id}"

    async def registered() -> bool:
        async with httpx.AsyncClient(base_url=proc.url, headers=BUREAU) as client:
            answer = await client.put(f"/enterprises/{enterprise_id}/group-webhook", json={"webhook_url": url})
        assert answer.status_code in (200, 409, 422), answer.text
        return answer.status_code == 200

    await eventually(registered, timeout=20, every=0.2)

    async def known() -> bool:
        return bool(
            await pool.fetchval("SELECT count(*) FROM proj_dispatch.groups WHERE enterprise_id = $1", enterprise_id)
        )

    await eventually(known, timeout=20)


async def _check(pool: asyncpg.Pool, world: World) -> None:
    sms = [d for d in world.sinks.gateway.delivered if d["params"].get("link", "").split("/")[-1].startswith("crash-")]
    assert len(sms) == APPEALS  # none lost, none twice: the gateway took our OutId
    assert len({d["out_id"] for d in sms}) == APPEALS
    received = collections.Counter(
        line.split("通知编号 ")[1]
        for entry in world.sinks.robots.received["ent-9"]
        for line in entry["content"].splitlines()
        if "通知编号" in line
    )
    assert len(received) == APPEALS  # none lost
    assert set(received.values()) <= {1, 2}
    doubled = {ident for ident, n in received.items() if n == 2}
    rows = await pool.fetch("SELECT data FROM es.events WHERE event_type = 'NotificationSent'")
    sent = [json.loads(r["data"]) for r in rows]
    assert len(sent) == 2 * APPEALS  # one delivery event per message and channel
    flagged = {s["notification_id"] for s in sent if s["channel"] == "wecom" and s["possibly_duplicated"]}
    assert doubled <= flagged  # every double counted
    assert not any(s["possibly_duplicated"] for s in sent if s["channel"] == "sms")
    interrupted = await pool.fetchval("SELECT count(*) FROM proj_dispatch.outbox WHERE interrupted")
    assert interrupted >= 2  # the kill did cut off a delivery on each channel
    assert len(flagged) <= interrupted
