"""One stack and one browser for the console's browser tests (session scope): the four services and
the console on loopback ports, Debian's chromium driven by Playwright."""

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import nats
import pytest
from playwright.async_api import Browser, Request

from jingzhang.app.services import SERVICES
from jingzhang.shared.local.nats import NatsServer
from jingzhang.shared.local.postgres import EmbeddedPostgres
from jingzhang.shared.streams import provision
from tests.conftest import ServiceEnv
from tests.console import world
from tests.console.helpers import ARTIFACTS, chromium
from tests.console.stack import Stack, console_stack
from tests.console.zone import START


@pytest.fixture(scope="session")
def session_nats(state_root: Path) -> Iterator[NatsServer]:
    server = NatsServer(state_root / "nats-console").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
async def stack(pg_server: EmbeddedPostgres, session_nats: NatsServer) -> AsyncIterator[Stack]:
    nc = await nats.connect(session_nats.url)
    await provision(nc.jetstream(), SERVICES)
    await nc.close()
    async with console_stack(ServiceEnv(pg_server, session_nats), START) as running:
        await world.build(running.services, START)
        yield running


class RequestLog:
    """Every request any page of the session made: none may leave the console."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def __call__(self, request: Request) -> None:
        self.urls.append(request.url)

    def hosts(self) -> set[str]:
        return {urlsplit(u).netloc for u in self.urls if not u.startswith(("data:", "blob:", "about:"))}


@pytest.fixture(scope="session")
def request_log() -> RequestLog:
    return RequestLog()


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    async with chromium() as launched:
        yield launched
