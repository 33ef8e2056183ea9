"""Reads of personal data are recorded (PIPL): who saw whose data unmasked, when, through which route
and why, in the service's own database, batched off the request path, never the values; readable by
the bureau and auditors at `GET /privacy/reads`, paged. Bad purposes are 422 and reveal nothing."""

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from nats.aio.client import Client as NATS

from jingzhang.shared.auth import Role
from jingzhang.shared.clock import FixedClock
from jingzhang.shared.privacy.api import privacy_router
from jingzhang.shared.privacy.keystore import MemoryKeyStore
from jingzhang.shared.privacy.middleware import RevealPersonalData
from jingzhang.shared.privacy.protect import Protector
from jingzhang.shared.privacy.reads import ReadLog
from jingzhang.shared.service import ServiceSpec, build_app

from ...apps import running
from ...auth import bearer
from ...conftest import ServiceEnv
from ..helpers import eventually
from .sample import PLAINTEXTS, enrolled
from .test_service import ROSTER, SERVICE, T0, enrol, people, people_router


@pytest.fixture
async def service(service_env: ServiceEnv, nc: NATS) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    settings = await service_env.settings(SERVICE)
    erasures = privacy_router(lambda r: r.app.state.runtime.keystore, FixedClock(T0))
    app = build_app(ServiceSpec(SERVICE, "reads test", settings, [ROSTER], [people_router(), erasures]))
    async with running(app) as client:
        for officer_id, name in (("o-1", "张伟"), ("o-2", "王芳")):
            assert (await enrol(client, officer_id, name)).status_code == 201

        async def projected() -> bool:
            return len(await people(client)) == 2

        await eventually(projected)
        yield app, client


async def recorded(app: FastAPI, count: int, readers: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """The rows of `readers` (all readers if none), once at least `count` of them are written."""
    pool: asyncpg.Pool = app.state.runtime.pool
    query = "SELECT * FROM privacy.personal_reads WHERE cardinality($1::text[]) = 0 OR reader = ANY($1) ORDER BY id"

    async def written() -> bool:
        return len(await pool.fetch(query, list(readers))) >= count

    await eventually(written, timeout=10)
    return [dict(row) for row in await pool.fetch(query, list(readers))]


def summary(rows: list[dict[str, Any]]) -> list[tuple[str, str, list[str], str, str]]:
    return [(r["reader"], r["subject"], r["kinds"], r["route"], r["purpose"]) for r in rows]


async def test_who_read_whose_data_unmasked_is_recorded_with_route_and_purpose_never_the_data(
    service: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = service
    readers = ("bureau:li", "auditor:wang", "officer:o-1")

    await client.get("/people", headers={**bearer(Role.BUREAU, "li"), "X-Purpose": "案件调查".encode()})  # type: ignore[dict-item]
    await client.get("/people", headers=bearer(Role.AUDITOR, "wang"))
    await client.get("/people", headers=bearer(Role.OFFICER, "o-1", officer_id="o-1"))

    rows = await recorded(app, 5, readers)
    assert summary(rows) == [
        ("bureau:li", "officer/o-1", ["id_number", "name", "phone"], "GET /people", "案件调查"),
        ("bureau:li", "officer/o-2", ["id_number", "name", "phone"], "GET /people", "案件调查"),
        ("auditor:wang", "officer/o-1", ["name"], "GET /people", "GET /people"),  # phones masked: not recorded
        ("auditor:wang", "officer/o-2", ["name"], "GET /people", "GET /people"),
        ("officer:o-1", "officer/o-2", ["name", "phone"], "GET /people", "GET /people"),  # their own: not recorded
    ]
    assert [r["role"] for r in rows] == ["bureau", "bureau", "auditor", "auditor", "officer"]
    assert all(r["read_at"] is not None for r in rows)
    everything = json.dumps(rows, default=str, ensure_ascii=False)
    assert not [value for value in (*PLAINTEXTS, "王芳") if value in everything]
    assert "pii:1:" not in everything

    # an erased person's data is not shown, so not recorded
    assert (await client.post("/privacy/erasures", json={"subject": "officer/o-2"})).status_code == 200
    await client.get("/people", headers=bearer(Role.AUDITOR, "wang"))
    after = await recorded(app, 6, readers)
    assert summary(after[5:]) == [("auditor:wang", "officer/o-1", ["name"], "GET /people", "GET /people")]


async def test_the_read_log_is_paged_for_the_bureau_and_auditors_only(
    service: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = service
    await client.get("/people", headers=bearer(Role.AUDITOR, "wang"))
    await recorded(app, 2, ("auditor:wang",))

    first = await client.get(
        "/privacy/reads", params={"subject": "officer/o-1", "limit": 1}, headers=bearer(Role.AUDITOR)
    )
    rest = await client.get(
        "/privacy/reads", params={"subject": "officer/o-1", "limit": 500, "after": first.json()["next"]}
    )
    by_reader = await client.get("/privacy/reads", params={"reader": "auditor:wang"})

    assert first.status_code == 200, first.text
    assert [(r["reader"], r["subject"]) for r in first.json()["reads"]] == [("auditor:wang", "officer/o-1")]
    assert {(r["reader"], r["subject"]) for r in rest.json()["reads"]} == {("bureau:bureau-tester", "officer/o-1")}
    assert rest.json()["next"] is None
    assert {r["subject"] for r in by_reader.json()["reads"]} == {"officer/o-1", "officer/o-2"}
    refused = await client.get("/privacy/reads", headers=bearer(Role.OFFICER, officer_id="o-1"))
    assert refused.status_code == 403


class TestBadInputRevealsAndRecordsNothing:
    @pytest.mark.parametrize(
        ("purpose", "detail"),
        [
            (b"   ", "blank"),
            (("x" * 201).encode(), "more than 200 characters"),
            ("案件\u0007调查".encode(), "control characters"),
            (b"\xe4\xb8", "not UTF-8 text"),
        ],
    )
    async def test_a_bad_purpose_is_422_naming_the_header(
        self, service: tuple[FastAPI, httpx.AsyncClient], purpose: bytes, detail: str
    ) -> None:
        app, client = service
        caller = bearer(Role.BUREAU, "zhao")

        answer = await client.get("/people", headers={**caller, "X-Purpose": purpose})  # type: ignore[dict-item]
        await client.get("/people", headers={**caller, "X-Purpose": "later"})

        assert answer.status_code == 422
        assert (answer.json()["field"], answer.json()["code"]) == ("X-Purpose", "invalid")
        assert detail in answer.json()["detail"]
        assert {r["purpose"] for r in await recorded(app, 2, ("bureau:zhao",))} == {"later"}

    @pytest.mark.parametrize(
        ("params", "field"),
        [({"subject": "officer:o-1"}, "subject"), ({"limit": 0}, "limit"), ({"after": "x"}, "after")],
    )
    async def test_a_bad_query_is_422_naming_the_field(
        self, service: tuple[FastAPI, httpx.AsyncClient], params: dict[str, object], field: str
    ) -> None:
        _, client = service

        answer = await client.get("/privacy/reads", params=params)

        assert (answer.status_code, answer.json()["field"]) == (422, field)


async def test_reads_that_cannot_be_recorded_are_not_revealed() -> None:
    """The log's buffer full (its database away for long): 503, never an unrecorded reveal."""
    keystore = MemoryKeyStore()
    [doc] = await Protector(keystore).serialise([enrolled("o-1")])
    log = ReadLog(max_pending=2)  # room for one response: the officer and their contact
    app = FastAPI()
    app.add_middleware(
        RevealPersonalData, keys=lambda: keystore, reads=lambda: log, clock=FixedClock(datetime.now(UTC))
    )

    @app.get("/person")
    async def person() -> Any:
        return json.loads(doc)

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        shown = await client.get("/person")
        refused = await client.get("/person")

    assert shown.status_code == 200
    assert refused.status_code == 503
    assert refused.json()["code"] == "read_log_unavailable"
    assert refused.headers["retry-after"] == "2"
    assert "pii:1:" not in refused.text
    assert "张伟" not in refused.text
    assert log.pending == 2
