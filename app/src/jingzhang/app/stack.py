"""The whole system on one machine: embedded servers when no URLs are given, four service processes.

`jingzhang up` runs this. Without `NATS_URL` it starts nats-server (JetStream, `sync_interval:
always`) and without `DATABASE_URL` an embedded PostgreSQL, both keeping their data in the state
directory, so a restart finds everything where it was. Each service gets its own database
`jz_<service>` on that server and runs in its own process; Ctrl-C stops them all, then the servers.
All services share one personal-data key store, database `jz_keys`, under a master key kept in the
state directory unless KEYSTORE_MASTER_KEY is set.
"""

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nats

from jingzhang.app.services import PORTS, SERVICES
from jingzhang.shared.auth.tokens import LocalSigningKey
from jingzhang.shared.local.nats import NatsServer
from jingzhang.shared.local.postgres import EmbeddedPostgres, ensure_database, with_database
from jingzhang.shared.privacy.crypto import MasterKey
from jingzhang.shared.streams import provision

NATS_PORT = 4222
KEYS_DATABASE = "jz_keys"


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


@dataclass
class Stack:
    state_dir: Path
    nats_url: str | None = None
    database_url: str | None = None
    host: str = "127.0.0.1"
    ports: dict[str, int] = field(default_factory=lambda: dict(PORTS))
    nats: NatsServer | None = None
    pg: EmbeddedPostgres | None = None
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start_servers(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        if not self.nats_url:
            self.nats = NatsServer(self.state_dir / "nats")
            if _port_free(NATS_PORT):  # the usual port when we can have it, so clients find it again
                self.nats.port = NATS_PORT
            self.nats.start()
            self.nats_url = self.nats.url
        if not self.database_url:
            self.pg = EmbeddedPostgres(self.state_dir / "postgres").start()
            self.database_url = self.pg.url()

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
            return await provision(nc.jetstream(), SERVICES, replicas)
        finally:
            await nc.close()

    def start_services(self, log_dir: Path | None = None) -> None:
        auth: dict[str, str] = {}
        if not os.environ.get("AUTH_JWKS_URL") and not os.environ.get("AUTH_PUBLIC_KEY_FILE"):
            self.signing_key()  # the embedded default: a local issuer whose public key the services trust
            auth["AUTH_PUBLIC_KEY_FILE"] = str(self.signing_key_file.with_suffix(".pub"))
        keys = self.keystore_env()
        for service in SERVICES:
            env = {
                **os.environ,
                **auth,
                **keys,
                "NATS_URL": str(self.nats_url),
                "DATABASE_URL": self.service_database(service),
                "HTTP_HOST": self.host,
                "HTTP_PORT": str(self.ports[service]),
            }
            out = open(log_dir / f"{service}.log", "ab") if log_dir else None  # noqa: SIM115 - owned by the child
            self.processes[service] = subprocess.Popen(
                [sys.executable, "-m", "jingzhang.app.cli", "serve", service], env=env, stdout=out, stderr=out
            )

    def url(self, service: str) -> str:
        return f"http://{self.host}:{self.ports[service]}"

    async def wait_ready(self, within: float = 60.0) -> dict[str, bool]:
        import httpx

        deadline = time.monotonic() + within
        ready = dict.fromkeys(SERVICES, False)
        async with httpx.AsyncClient(timeout=2.0) as client:
            while time.monotonic() < deadline and not all(ready.values()):
                for service in SERVICES:
                    if ready[service]:
                        continue
                    if self.processes[service].poll() is not None:
                        raise RuntimeError(f"{service} exited with code {self.processes[service].returncode}")
                    try:
                        resp = await client.get(f"{self.url(service)}/health/ready")
                        ready[service] = resp.status_code == 200
                    except httpx.HTTPError:
                        pass
                await asyncio.sleep(0.2)
        return ready

    def stop(self) -> None:
        for proc in self.processes.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.processes.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self.nats is not None:
            self.nats.stop()
        if self.pg is not None:
            self.pg.stop()
