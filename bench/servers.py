"""The benchmark's own servers: embedded PostgreSQL and nats-server (`sync_interval: always`) in a temp dir.

We stop only what we started (the PostgreSQL handle we got, the nats-server PID we spawned).
"""

import itertools
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import nats
from nats.aio.client import Client as NATS

from jingzhang.shared import pools, sessions
from jingzhang.shared.local.nats import NatsServer
from jingzhang.shared.local.postgres import EmbeddedPostgres, ensure_database, with_database
from jingzhang.shared.store.postgres import install_schema

os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.gettempdir())


@dataclass
class Stack:
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="jz-bench-")))
    pg: EmbeddedPostgres | None = None
    nats_server: NatsServer | None = None
    _names: "itertools.count[int]" = field(default_factory=itertools.count)

    def start(self) -> "Stack":
        self.pg = EmbeddedPostgres(self.root / "pg").start()
        self.nats_server = NatsServer(self.root / "nats", name="jz-bench").start()
        return self

    def stop(self) -> None:
        if self.nats_server is not None:
            self.nats_server.stop()
        if self.pg is not None:
            self.pg.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    @property
    def nats_url(self) -> str:
        assert self.nats_server is not None
        return self.nats_server.url

    @property
    def socket_dir(self) -> str:
        assert self.pg is not None
        return self.pg.socket_dir

    async def fresh_database(self, prefix: str, *, event_store: bool = True) -> str:
        """A new database (so every round starts from empty tables); returns its URL."""
        assert self.pg is not None
        name = f"{prefix}_{next(self._names)}"
        await ensure_database(self.pg.url(), name)
        url = with_database(self.pg.url(), name)
        if event_store:
            conn = await asyncpg.connect(url)
            try:
                async with conn.transaction():
                    await install_schema(conn)
            finally:
                await conn.close()
        return url

    async def connect_nats(self) -> NATS:
        return await nats.connect(self.nats_url, max_reconnect_attempts=3, pending_size=64 * 1024 * 1024)


async def kernel_pool(url: str, size: int) -> asyncpg.Pool:
    """Connections as a service's runtime opens them (`runtime.create_pool`): the kernel's pool, which
    resets on release only a connection that took session state (`sessions`), where asyncpg's default
    resets every connection it takes back (one more round trip per use). Ours and every contender that
    pools (raw asyncpg, the naive pipeline) use it, so no ratio is a difference of pool settings."""
    return await pools.create(url, min_size=size, max_size=size, reset=sessions.reset)
