"""Run a service's ASGI app in-process, lifespan included, and talk to it over httpx."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from tests.auth import BUREAU


@asynccontextmanager
async def running(app: FastAPI, headers: dict[str, str] | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """The client authenticates as the bureau unless `headers` say otherwise (pass `{}` for no token)."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        sent = BUREAU if headers is None else headers
        async with httpx.AsyncClient(transport=transport, base_url="http://service", headers=sent) as client:
            yield client
