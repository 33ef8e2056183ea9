"""Fixtures for the assignment service's tests: the service running in-process on real servers."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from nats.aio.client import Client as NATS

from jingzhang.assignment.bootstrap import create_app
from jingzhang.assignment.settings import AssignmentSettings
from jingzhang.shared.clock import FixedClock
from tests.apps import running
from tests.conftest import ServiceEnv

from .unit.samples import T0


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
async def app(service_env: ServiceEnv, nc: NATS, clock: FixedClock) -> FastAPI:
    """The assignment app on the fixed clock, its acting worker polling every 0.1 s."""
    settings = await service_env.settings("assignment")
    return create_app(AssignmentSettings(**{**settings.model_dump(), "acting_poll_interval": 0.1}), clock)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The assignment app over HTTP (as the bureau)."""
    async with running(app) as http:
        yield http
