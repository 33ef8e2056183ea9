"""`jingzhang up` looks after what it started: one `up` per state dir, deaths restarted, every child stopped.

One stack, started as a user starts it, goes through the behaviours in turn (one start keeps the test
short): a second `up` on its state dir is refused at once, naming the running one's pid and ports,
with no event written; a service, nats-server and PostgreSQL killed with SIGKILL are reported and
started again, the servers with their data; SIGTERM after those restarts leaves no process behind.
"""

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from jingzhang.assignment.domain.events import Slot
from jingzhang.shared.local.postgres import with_database

from ..assignment.e2e.scenario import staffed
from ..assignment.unit.samples import ENTERPRISE_ID
from .test_stack import SERVICES, _free, free_port_base, issue_token, start_stack, wait_ready


def holder(state: Path) -> dict[str, Any]:
    return dict(json.loads((state / "up.json").read_text()))


async def listed_ready(state: Path, within: float = 60) -> dict[str, Any]:
    """`up.json` once it names every service ready: `up` records its children after all of them (the
    console last) are ready, which can be a moment after the services answer ready themselves."""
    deadline = time.monotonic() + within
    while True:
        found = holder(state)
        children = found.get("children", {})
        if all(children.get(s, {}).get("state") == "ready" for s in SERVICES):
            return found
        assert time.monotonic() < deadline, f"up.json does not name every service ready: {children}"
        await asyncio.sleep(0.2)


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:  # dead but not reaped yet (PostgreSQL's postmaster is not our child)
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


async def events_written(state: Path) -> dict[str, int]:
    admin = holder(state)["children"]["postgresql"]["address"]
    counts = {}
    for service in SERVICES:
        conn = await asyncpg.connect(with_database(admin, f"jz_{service}"))
        try:
            counts[service] = int(await conn.fetchval("SELECT count(*) FROM es.events"))
        finally:
            await conn.close()
    return counts


async def settled(state: Path, quiet: float = 4.0, within: float = 60.0) -> dict[str, int]:
    """The stores' counts once the stack has stopped writing (its reactions to our commands done)."""
    deadline = time.monotonic() + within
    counts, since = await events_written(state), time.monotonic()
    while time.monotonic() - since < quiet:
        assert time.monotonic() < deadline, f"the stack kept writing: {counts}"
        await asyncio.sleep(0.5)
        now = await events_written(state)
        if now != counts:
            counts, since = now, time.monotonic()
    return counts


async def back_again(state: Path, killed: dict[str, int], within: float = 90) -> dict[str, Any]:
    """The supervisor's own account, once each killed child runs again as a new process and is ready."""
    deadline = time.monotonic() + within
    while True:
        children = holder(state)["children"]
        again = {n: c for n, c in children.items() if n in killed and c["pid"] != killed[n] and c["state"] == "ready"}
        if len(again) == len(killed):
            return dict(children)
        assert time.monotonic() < deadline, f"not restarted within {within}s: {children}"
        await asyncio.sleep(0.3)


@pytest.mark.e2e
@pytest.mark.slow(seconds=30)
async def test_up_refuses_a_second_up_restarts_what_dies_and_stops_everything(tmp_path: Path) -> None:
    state, base = tmp_path / "state", free_port_base()
    first = start_stack(state, base)
    output = ""
    started: set[int] = set()
    try:
        await wait_ready(base, first)
        token = issue_token(state)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{base + 1}", timeout=10, headers=token) as client:
            await staffed(client, Slot.A)
        running = await listed_ready(state)
        assert running["pid"] == first.pid
        started |= {c["pid"] for c in running["children"].values()}
        before = await settled(state)
        assert before["assignment"] > 0

        # a second `up` on the same state dir: refused before it starts anything
        again = [sys.executable, "-m", "jingzhang.app.cli", "up", "--state-dir", str(state)]
        again += ["--port-base", str(base + 10)]
        second = await asyncio.to_thread(subprocess.run, again, capture_output=True, text=True, timeout=60)
        assert second.returncode == 3, second.stderr
        refusal = " ".join(second.stderr.split())
        assert f"pid {first.pid}" in refusal
        assert all(str(base + i) in refusal for i in range(1, 5)), refusal
        assert all(_free(base + 10 + i) for i in range(1, 5)), "the refused `up` started a service"
        assert holder(state)["pid"] == first.pid
        assert await events_written(state) == before

        # a service dies: restarted, ready again, and still its data
        killed = {"assignment": running["children"]["assignment"]["pid"]}
        os.kill(killed["assignment"], signal.SIGKILL)
        children = await back_again(state, killed)
        assert children["assignment"]["restarts"] == 1
        started.add(children["assignment"]["pid"])
        async with httpx.AsyncClient(timeout=10, headers=token) as client:
            live = (await client.get(f"http://127.0.0.1:{base + 1}/health/live")).json()
            assert live["status"] == "ok"
            assert "instance" in live  # the supervisor's token for this start: it checked its own process
            kept = await client.get(f"http://127.0.0.1:{base + 1}/enterprises/{ENTERPRISE_ID}")
        assert kept.status_code == 200, kept.text

        # both servers die at once: started again on the same port, socket and data
        killed = {name: running["children"][name]["pid"] for name in ("nats-server", "postgresql")}
        for pid in killed.values():
            os.kill(pid, signal.SIGKILL)
        children = await back_again(state, killed)
        started |= {c["pid"] for c in children.values()}
        assert children["nats-server"]["address"] == running["children"]["nats-server"]["address"]
        assert await events_written(state) == before
        await wait_ready(base, first)
    finally:
        first.send_signal(signal.SIGTERM)
        out, _ = first.communicate(timeout=90)
        output = " ".join(out.decode().split())
    assert first.returncode == 0, output[-3000:]
    assert "assignment died" in output
    assert "killed by SIGKILL" in output
    assert str(state / "logs" / "assignment.log") in output.replace(" ", "")
    assert "nats-server is ready again" in output
    assert "postgresql is ready again" in output
    assert "stopped." in output
    assert all(gone(pid) for pid in started), [p for p in started if not gone(p)]
    assert all(_free(base + i) for i in range(1, 5)), "a service outlived SIGTERM"
