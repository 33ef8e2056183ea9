"""One stack for the console's tests: nats-server, PostgreSQL, the four services and the console, each
HTTP app under uvicorn on a loopback port in this event loop, the services on one controlled clock."""

import asyncio
import contextlib
import importlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

import httpx
import uvicorn
from fastapi import FastAPI

from jingzhang.console.app import create_app as console_app
from jingzhang.console.settings import ConsoleSettings
from jingzhang.shared.clock import ShiftedClock
from jingzhang.shared.settings import ServiceSettings
from tests.auth import KEY_FILE, PUBLIC_KEY_FILE, bearer
from tests.conftest import ServiceEnv

HOST = "127.0.0.1"
SERVICES = ("assignment", "appeals", "patrols", "evaluation")
"""What the console reads (notifications, which only sends, is not started here)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Stack:
    console: str
    services: dict[str, str]
    clock: ShiftedClock

    def url(self, service: str) -> str:
        return self.services[service]

    async def move_clock(self, to: datetime) -> None:
        """As the demo does: every service moves to `to` and runs its periodic passes there."""
        async with httpx.AsyncClient(timeout=30, headers=bearer()) as client:
            for service in SERVICES:
                moved = await client.put(f"{self.services[service]}/clock", json={"now": to.isoformat()})
                assert moved.status_code == 200, moved.text


@contextlib.asynccontextmanager
async def serving(app: FastAPI, port: int) -> AsyncIterator[None]:
    server = uvicorn.Server(
        uvicorn.Config(app, host=HOST, port=port, log_level="warning", access_log=False, timeout_graceful_shutdown=2)
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError(f"server on port {port} did not start")
        await asyncio.sleep(0.05)
    try:
        yield
    finally:
        server.should_exit = True
        await task


@contextlib.asynccontextmanager
async def console_stack(env: ServiceEnv, start: datetime, dev_login: bool = True) -> AsyncIterator[Stack]:
    clock = ShiftedClock(start)
    urls: dict[str, str] = {}
    async with contextlib.AsyncExitStack() as stack:
        for service in SERVICES:
            settings = await env.settings(service, consumer_batch=64, clock_control=True, clock_start=start)
            app = _on_clock(service, settings, clock)
            port = free_port()
            await stack.enter_async_context(serving(app, port))
            urls[service] = f"http://{HOST}:{port}"
        port = free_port()
        settings = ConsoleSettings(
            http_port=port,
            nats_url=env.nats.url,
            dev_signing_key_file=KEY_FILE if dev_login else None,
            auth_public_key_file=PUBLIC_KEY_FILE,
            **{f"{s}_url": u for s, u in urls.items()},
        )
        await stack.enter_async_context(serving(console_app(settings), port))
        yield Stack(console=f"http://{HOST}:{port}", services=urls, clock=clock)


def _on_clock(service: str, settings: ServiceSettings, clock: ShiftedClock) -> FastAPI:
    """The service's composition root on the stack's one clock (`app_factory` takes settings only)."""
    module = importlib.import_module(f"jingzhang.{service}.bootstrap")
    return module.create_app(settings, clock)  # type: ignore[no-any-return]
