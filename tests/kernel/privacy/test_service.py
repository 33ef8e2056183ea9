"""The whole path in a service built by `build_app`, on real NATS and PostgreSQL.

A command writes personal data; the log, the stream and the projection hold tokens only; the HTTP edge
reveals them per role; erasing the officer shows them as erased in the read model, refuses new data
for them, and a full replay of the projection rebuilds it with the same counts and the person erased.
"""

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request
from nats.aio.client import Client as NATS
from pydantic import BaseModel

from jingzhang.shared.auth import Role
from jingzhang.shared.clock import FixedClock
from jingzhang.shared.envelope import Envelope, Metadata, NewEvent, StreamId
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.http import CommandAccepted
from jingzhang.shared.privacy import ERASED
from jingzhang.shared.privacy.api import privacy_router
from jingzhang.shared.projection import Projection, Source, Tx
from jingzhang.shared.replay import rebuild
from jingzhang.shared.service import ServiceSpec, build_app

from ...apps import running
from ...auth import bearer
from ...conftest import ServiceEnv
from ..helpers import eventually, read_stream_messages
from .sample import ID_NUMBER, NAME, PHONE, PLAINTEXTS, REGISTRY, PersonEnrolled, PersonRenamed

SERVICE = "assignment"  # a provisioned stream to borrow
T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)

ROSTER_SQL = """
CREATE TABLE IF NOT EXISTS roster (
    officer_id text PRIMARY KEY,
    name       text NOT NULL,
    phone      text,
    id_number  text,
    events     integer NOT NULL
);
"""


async def apply_roster(tx: Tx, env: Envelope, payload: DomainEvent) -> None:
    match payload:
        case PersonEnrolled(officer_id=officer_id, name=name, phone=phone, id_number=id_number):
            await tx.conn.execute("INSERT INTO roster VALUES ($1, $2, $3, $4, 1)", officer_id, name, phone, id_number)
        case PersonRenamed(officer_id=officer_id, name=name):
            await tx.conn.execute(
                "UPDATE roster SET name = $2, events = events + 1 WHERE officer_id = $1", officer_id, name
            )


ROSTER = Projection("privacy_roster", ROSTER_SQL, (Source(SERVICE, "person"),), REGISTRY, apply_roster)


class Enrol(BaseModel):
    name: str
    phone: str
    id_number: str


def people_router() -> APIRouter:
    router = APIRouter()

    @router.post("/people/{officer_id}", status_code=201)
    async def enrol(officer_id: str, body: Enrol, request: Request) -> CommandAccepted:
        store = request.app.state.runtime.store
        stream = StreamId("person", officer_id)
        current = len(await store.read_stream(stream))
        event = PersonEnrolled(officer_id=officer_id, **body.model_dump()) if not current else None
        payload = event or PersonRenamed(officer_id=officer_id, name=body.name)
        meta = Metadata(actor="bureau:tester", correlation_id=uuid.uuid4())
        version = await store.append(stream, current, [NewEvent(payload, T0)], meta)
        return CommandAccepted(id=officer_id, version=version, events=[payload.event_type])

    @router.get("/people")
    async def people(request: Request) -> list[dict[str, Any]]:
        rows = await request.app.state.runtime.pool.fetch(f'SELECT * FROM "{ROSTER.schema}".roster ORDER BY officer_id')
        return [dict(row) for row in rows]

    return router


@pytest.fixture
async def service(service_env: ServiceEnv, nc: NATS) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    settings = await service_env.settings(SERVICE)
    erasures = privacy_router(lambda r: r.app.state.runtime.keystore, FixedClock(T0))
    app = build_app(ServiceSpec(SERVICE, "privacy test", settings, [ROSTER], [people_router(), erasures]))
    async with running(app) as client:
        yield app, client


async def people(client: httpx.AsyncClient, role: Role = Role.BUREAU, **scope: str) -> dict[str, dict[str, Any]]:
    resp = await client.get("/people", headers=bearer(role, **scope))
    assert resp.status_code == 200, resp.text
    return {row["officer_id"]: row for row in resp.json()}


async def enrol(client: httpx.AsyncClient, officer_id: str, name: str) -> httpx.Response:
    return await client.post(f"/people/{officer_id}", json={"name": name, "phone": PHONE, "id_number": ID_NUMBER})


async def test_personal_data_is_sealed_end_to_end_and_erasure_survives_a_replay(
    service: tuple[FastAPI, httpx.AsyncClient], nc: NATS
) -> None:
    app, client = service
    pool: asyncpg.Pool = app.state.runtime.pool
    assert (await enrol(client, "o-1", NAME)).status_code == 201
    assert (await enrol(client, "o-2", "王芳")).status_code == 201
    assert (await enrol(client, "o-1", "张伟伟")).status_code == 201  # a rename

    async def projected() -> bool:
        return sum(row["events"] for row in (await people(client)).values()) == 3

    await eventually(projected)

    # behind the edge: tokens only, in the log, on the stream and in the read model
    raw = json.dumps([r["data"] for r in await pool.fetch("SELECT data::text FROM es.events")], ensure_ascii=False)
    stream = json.dumps([env.data for _, env in await read_stream_messages(nc, SERVICE)], ensure_ascii=False)
    rows = json.dumps(
        [dict(r) for r in await pool.fetch(f'SELECT * FROM "{ROSTER.schema}".roster')], ensure_ascii=False
    )
    for where in (raw, stream, rows):
        assert not [p for p in (*PLAINTEXTS, "王芳", "张伟伟") if p in where]
        assert "pii:1:name:officer/o-1:" in where

    # at the edge: by role
    bureau = await people(client)
    auditor = await people(client, Role.AUDITOR)
    own = await people(client, Role.OFFICER, officer_id="o-1")
    assert (bureau["o-1"]["name"], bureau["o-1"]["phone"], bureau["o-1"]["id_number"]) == ("张伟伟", PHONE, ID_NUMBER)
    assert (auditor["o-2"]["name"], auditor["o-2"]["phone"], auditor["o-2"]["id_number"]) == (
        "王芳",
        "138****5678",
        "3301**********1234",
    )
    assert (own["o-1"]["id_number"], own["o-2"]["id_number"]) == (ID_NUMBER, "3301**********1234")

    # erasure: the person is erased everywhere at once, the rest stays
    erased = await client.post("/privacy/erasures", json={"subject": "officer/o-1"})
    assert erased.status_code == 200, erased.text
    assert erased.json()["erased_by"] == "bureau:bureau-tester"
    after = await people(client)
    assert (after["o-1"]["name"], after["o-1"]["phone"], after["o-1"]["events"]) == (ERASED, ERASED, 2)
    assert after["o-2"] == bureau["o-2"]

    refused = await enrol(client, "o-1", "张三")
    assert refused.status_code == 409
    assert refused.json()["code"] == "person_erased"

    # a full replay rebuilds the read model: same counts, the person still erased
    result = await rebuild(pool, nc, ROSTER)
    assert result.applied == 3
    assert await people(client) == after
