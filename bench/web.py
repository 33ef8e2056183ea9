"""Figure 7: commands/s and p99 through a service's real HTTP API, next to a bare FastAPI endpoint.

*ours*: the patrols service run as production runs it (`python -m jingzhang.patrols`: uvicorn,
settings from the environment) against this run's PostgreSQL and nats-server, with its key store
database and a local token signer; `POST /leaflets` as the bureau (bearer token verified per request,
body validated, the command decided on its stream, appended; its projections and relay run in the
same process as they do in production). *bare*: `bench.bare`, one INSERT per request on the same
PostgreSQL server. Both are up for the whole figure; `wrk` (compiled, so the load generator is not
what saturates) drives one at a time in alternating rounds, 16 connections, a unique activity id
per request from a Lua script. wrk is closed-loop: its latencies are per request as served (it
waits for an answer before sending the next on that connection), not an open-loop schedule.
Only 2xx answers count as commands; anything else is reported. Each round also reports the CPU per
answered request of the server, of PostgreSQL (all its processes) and of nats-server: on a shared host
these move least, and their sum is what a command costs the machine. A round's CPU is read once the
three are idle again (`quiet`), so it includes what its requests left to do after wrk stopped (the
relay, the projections) and the next round starts with none of it.
"""

import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.flow import BENCH_PARTITIONS
from bench.servers import Stack
from jingzhang.app.services import SERVICES
from jingzhang.assignment.domain.events import OfficerEnrolled, UnitKind
from jingzhang.shared.auth import LocalSigningKey, Principal, Role
from jingzhang.shared.envelope import Metadata, NewEvent, StreamId
from jingzhang.shared.privacy.crypto import MasterKey
from jingzhang.shared.relay import Relay
from jingzhang.shared.store.postgres import PostgresEventStore
from jingzhang.shared.streams import provision

REPO = Path(__file__).resolve().parent.parent
OFFICER = "bench-officer"
CONNECTIONS = 16
THREADS = 2
ORDER = ("ours", "floor", "bare")
"""The contenders, in this order in even rounds and in reverse in odd ones: ours, the kernel floor
(`bench.floor`: the bare route on the kernel's pipeline) and bare."""

LUA = """
-- a unique activity id per request: run prefix, wrk thread, counter; the first refusal is printed
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end
local prefix, day, n = "", "", 0
function init(args)
  prefix = args[1] .. "-" .. tostring(tid) .. "-"
  day = args[2]
end
function request()
  n = n + 1
  local body = '{"activity_id":"' .. prefix .. n .. '","officer_ids":["bench-officer"],"occurred_on":"' .. day ..
    '","count":50,"topic":"fire safety"}'
  return wrk.format("POST", nil, nil, body)
end
refused = nil
function response(status, headers, body)
  if status >= 300 and refused == nil then
    refused = status .. " " .. string.sub(body, 1, 300)
  end
end
function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    local r = thread:get("refused")
    if r then io.write("FIRST-REFUSAL " .. r .. "\\n") end
  end
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    """An HTTP server process we started (and only we stop, by its PID)."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def spawn(self) -> subprocess.Popen[bytes]:
        self.port = free_port()
        path = os.pathsep.join(p for p in (str(REPO), self.env.get("PYTHONPATH", "")) if p)  # and a caller's
        env = {**self.env, "HTTP_HOST": "127.0.0.1", "HTTP_PORT": str(self.port), "PYTHONPATH": path}
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(self.argv, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        return self.proc

    async def start(self, limit: float = 120.0) -> None:
        proc = self.spawn()
        deadline = time.monotonic() + limit
        async with httpx.AsyncClient(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if proc.poll() is not None:
                    raise RuntimeError(f"{self.name} exited ({proc.returncode}); see {self.log}")
                try:
                    if (await client.get(f"{self.url}/health/ready")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.25)
        raise RuntimeError(f"{self.name} not ready within {limit:.0f} s; see {self.log}")

    def cpu_seconds(self) -> float:
        """User + system CPU the server process has used so far (from /proc; Linux)."""
        assert self.proc is not None
        return cpu_seconds(self.proc.pid)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


def _stat(pid: int) -> list[str]:
    """The fields of /proc/PID/stat after the command name (the state first)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int, *, reaped: bool = False) -> float:
    """User + system CPU of a process so far; with `reaped`, also that of its children it has waited for."""
    fields = _stat(pid)
    ticks = int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if reaped else 0)
    return ticks / os.sysconf("SC_CLK_TCK")


def database_cpu(stack: Stack) -> float:
    """PostgreSQL's CPU so far: the postmaster with every backend it has reaped, and the living ones."""
    assert stack.pg is not None
    postmaster = int((stack.pg.data_dir / "postmaster.pid").read_text().split()[0])
    total = cpu_seconds(postmaster, reaped=True)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int(_stat(int(entry.name))[1]) == postmaster:
                    total += cpu_seconds(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue  # gone meanwhile
    return total


def nats_cpu(stack: Stack) -> float:
    assert stack.nats_server is not None
    assert stack.nats_server.process is not None
    return cpu_seconds(stack.nats_server.process.pid)


@dataclass(frozen=True)
class Load:
    """One wrk run: 2xx answers/s, latency percentiles (ms), and what was not a 2xx."""

    rate: float
    p50: float
    p99: float
    requests: int
    non2xx: int
    socket_errors: int
    seconds: float
    refused: str = ""
    cpu_ms: float = 0.0
    """The server process's CPU (user + system) per answered request, in ms: what a shared host's
    contention moves least (throughput and latency move with whatever else runs)."""
    db_cpu_ms: float = 0.0
    """PostgreSQL's CPU per answered request (all its processes), in ms."""
    nats_cpu_ms: float = 0.0
    """nats-server's CPU per answered request, in ms."""


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if match is None:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * UNITS[match.group(2)]


def parse_wrk(output: str) -> Load:
    """The figures of `wrk --latency` output."""
    percentiles = {int(p): _ms(v) for p, v in re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", output, re.M)}
    done = re.search(r"^\s+(\d+) requests in ([\d.]+\w+),", output, re.M)
    if done is None or 50 not in percentiles or 99 not in percentiles:
        raise ValueError(f"unexpected wrk output:\n{output}")
    requests, seconds = int(done.group(1)), _ms(done.group(2)) / 1000
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    bad = int(non2xx.group(1)) if non2xx else 0
    socket_errors = sum(int(g) for g in errors.groups()) if errors else 0
    refused = re.search(r"^FIRST-REFUSAL (.*)$", output, re.M)
    return Load(
        (requests - bad) / seconds,
        percentiles[50],
        percentiles[99],
        requests,
        bad,
        socket_errors,
        seconds,
        refused.group(1) if refused else "",
    )


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise RuntimeError("wrk not found: apt-get install -y wrk")
    return found


async def drive(url: str, headers: dict[str, str], seconds: float, prefix: str, script: Path) -> Load:
    argv = [wrk_binary(), f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds:.0f}s", "--latency", "--timeout", "10s"]
    argv += ["-s", str(script)]
    for name, value in headers.items():
        argv += ["-H", f"{name}: {value}"]
    day = (date.today() - timedelta(days=1)).isoformat()
    argv += [f"{url}/leaflets", "--", prefix, day]
    proc = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(proc.communicate(), seconds + 60)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {err.decode()}")
    return parse_wrk(out.decode())


async def measured(
    stack: Stack, server: Server, headers: dict[str, str], seconds: float, prefix: str, script: Path
) -> Load:
    """One wrk run, with the CPU per answered request of the server, PostgreSQL and nats-server: on a
    host the three share (with wrk and whatever else runs), what a command costs is their sum."""
    meters: list[Callable[[], float]] = [server.cpu_seconds, partial(database_cpu, stack), partial(nats_cpu, stack)]
    before = [meter() for meter in meters]
    load = await drive(server.url, headers, seconds, prefix, script)
    await quiet(meters)
    ms = [1000 * (meter() - was) / max(load.requests, 1) for meter, was in zip(meters, before, strict=True)]
    return replace(load, cpu_ms=ms[0], db_cpu_ms=ms[1], nats_cpu_ms=ms[2])


QUIET_SHARE = 0.05
"""A process using less than this share of a core is done with what the requests left it."""


async def quiet(meters: list[Callable[[], float]], limit: float = 20.0, step: float = 0.25) -> None:
    """Wait until the server, PostgreSQL and nats-server are idle again (or `limit` seconds): the work the
    requests left behind (the relay publishing their events, the projections applying them) is counted
    in this round's CPU per request rather than slowing and inflating the next round's."""
    deadline = time.monotonic() + limit
    was = [meter() for meter in meters]
    while time.monotonic() < deadline:
        await asyncio.sleep(step)
        now = [meter() for meter in meters]
        if all(b - a < QUIET_SHARE * step for a, b in zip(was, now, strict=True)):
            return
        was = now


async def check_answer(url: str, headers: dict[str, str], limit: float = 60.0) -> None:
    """One request by hand before the clock starts: the body is accepted (201), or say why not."""
    day = (date.today() - timedelta(days=1)).isoformat()
    body = {"activity_id": f"probe-{os.getpid()}", "officer_ids": [OFFICER], "occurred_on": day, "count": 50}
    body["topic"] = "fire safety"
    deadline = time.monotonic() + limit
    async with httpx.AsyncClient(timeout=30.0) as client:
        while True:
            answer = await client.post(f"{url}/leaflets", json=body, headers=headers)
            if answer.status_code == 201:
                return
            # 409 not_yet_known: the service has not consumed the officer's enrolment yet
            if answer.status_code != 409 or time.monotonic() > deadline:
                raise RuntimeError(f"{url}/leaflets answered {answer.status_code}: {answer.text[:500]}")
            await asyncio.sleep(0.5)


async def enrol_officer(stack: Stack, nc: Any) -> None:
    """The officer every leaflets report names, enrolled a month ago in the assignment service's store
    and relayed to its stream, as the patrols tests feed it (tests/patrols/e2e/conftest.py)."""
    url = await stack.fresh_database("jz_assignment")
    pool = await asyncpg.create_pool(url, min_size=1, max_size=2)
    try:
        store = PostgresEventStore(pool, "assignment")
        enrolled = OfficerEnrolled(
            officer_id=OFFICER,
            name="Officer Bench",
            unit_kind=UnitKind.STATION,
            unit_name="Hengkou station",
            position="community police",
            rank="first-class inspector",
            phone="13900000000",
            wechat_id="wx-bench",
            photo_ref=None,
        )
        at = datetime.now(UTC) - timedelta(days=30)
        meta = Metadata(actor="bench", correlation_id=uuid.uuid4())
        await store.append(StreamId("officer", OFFICER), 0, [NewEvent(enrolled, at)], meta)
        relay = Relay(store, nc)
        deadline = time.monotonic() + 30
        while relay.published < 1 and time.monotonic() < deadline:
            await relay.publish_pending()
    finally:
        await pool.close()


async def bench_http(stack: Stack, nc: Any, rounds: int, seconds: float, log: Any) -> dict[str, Any]:
    """All three servers up, wrk on one at a time: ours, floor, bare, then bare, floor, ours, … (the median
    round of each is reported)."""
    await provision(nc.jetstream(), SERVICES, partitions=BENCH_PARTITIONS)
    await enrol_officer(stack, nc)
    key = LocalSigningKey.generate()
    key_file = stack.root / "bench-signing-key.pem"
    key.save(key_file)
    token = key.issue(Principal(subject="bench-bureau", role=Role.BUREAU), datetime.now(UTC), timedelta(hours=2))
    json_type = {"Content-Type": "application/json"}
    env = {
        **os.environ,
        "NATS_URL": stack.nats_url,
        "DATABASE_URL": await stack.fresh_database("jz_patrols", event_store=False),
        "KEYSTORE_URL": await stack.fresh_database("jz_keys", event_store=False),
        "KEYSTORE_MASTER_KEY": MasterKey.new_base64(),
        "AUTH_PUBLIC_KEY_FILE": str(key_file.with_suffix(".pub")),
        "LOG_LEVEL": "WARNING",
        "LOG_JSON": "true",
        "PARTITIONS": str(BENCH_PARTITIONS),  # the deployment ours runs as (JZ_BENCH_PARTITIONS; 1: no copy)
    }
    ours = Server("patrols", [sys.executable, "-m", "jingzhang.patrols"], env, stack.root / "patrols.log")
    bare_env = {**os.environ, "DATABASE_URL": await stack.fresh_database("bare", event_store=False)}
    bare = Server("bare", [sys.executable, "-m", "bench.bare"], bare_env, stack.root / "bare.log")
    floor_env = {
        **env,
        "DATABASE_URL": await stack.fresh_database("jz_floor", event_store=False),
        "KEYSTORE_URL": "",  # the floor keeps its keys in its own database
    }
    floor = Server("floor", [sys.executable, "-m", "bench.floor"], floor_env, stack.root / "floor.log")
    script = stack.root / "leaflets.lua"
    script.write_text(LUA)
    headers = {"ours": {**json_type, "Authorization": f"Bearer {token}"}, "floor": json_type, "bare": json_type}
    servers = {"ours": ours, "floor": floor, "bare": bare}
    loads: dict[str, list[Load]] = {name: [] for name in servers}
    try:
        for server in servers.values():
            await server.start()
        for name, server in servers.items():
            await check_answer(server.url, headers[name])
            await drive(server.url, headers[name], 2, f"warm{name}", script)  # JIT-free, but pools and caches
        for r in range(rounds):
            for name in ORDER if r % 2 == 0 else ORDER[::-1]:
                load = await measured(stack, servers[name], headers[name], seconds, f"r{r}{name}", script)
                loads[name].append(load)
                log(
                    f"http round {r + 1} {name}: {load.rate:,.0f}/s, p50 {load.p50:.1f} ms, p99 {load.p99:.1f} ms,"
                    f" CPU per request: server {load.cpu_ms:.2f} ms, PostgreSQL {load.db_cpu_ms:.2f}, NATS"
                    f" {load.nats_cpu_ms:.2f}"
                    f" ({load.non2xx} non-2xx, {load.socket_errors} socket errors)"
                    + (f"; first refusal: {load.refused}" if load.refused else "")
                )
    finally:
        for server in servers.values():
            server.stop()
    return {name: [vars(x) for x in runs] for name, runs in loads.items()}
