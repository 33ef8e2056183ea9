"""Token revocation across services, on real NATS and PostgreSQL: the bureau revokes a token on the
service that records revocations; it is an event there (actor, time, on JetStream), and every service,
through its own `revocations` projection, refuses the token within seconds with 401 `invalid_token`.
Bad revocations are 422 naming the field, or 403, and record nothing."""

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import jwt
import pytest
from fastapi import APIRouter, FastAPI
from nats.aio.client import Client as NATS

from jingzhang.shared.auth import LocalSigningKey, Principal, Role
from jingzhang.shared.auth.http import CurrentPrincipal
from jingzhang.shared.auth.revocations import AGGREGATE, RECORDED_BY
from jingzhang.shared.service import ServiceSpec, build_app

from ...apps import running
from ...auth import BUREAU, bearer, token
from ...conftest import ServiceEnv
from ..helpers import eventually, read_stream_messages

OTHER = "appeals"


def whoami() -> APIRouter:
    router = APIRouter()

    @router.get("/whoami")
    async def me(principal: CurrentPrincipal) -> dict[str, str]:
        return {"actor": principal.actor}

    return router


@pytest.fixture
async def services(
    service_env: ServiceEnv, nc: NATS
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient, httpx.AsyncClient]]:
    recording = build_app(
        ServiceSpec(RECORDED_BY, "records", await service_env.settings(RECORDED_BY), routers=[whoami()])
    )
    other = build_app(ServiceSpec(OTHER, "honours", await service_env.settings(OTHER), routers=[whoami()]))
    async with running(recording) as first, running(other) as second:
        yield recording, first, second


def jti_of(text: str) -> str:
    return str(jwt.decode(text, options={"verify_signature": False})["jti"])


def expiry_of(text: str) -> str:
    return datetime.fromtimestamp(jwt.decode(text, options={"verify_signature": False})["exp"], UTC).isoformat()


async def status_with(client: httpx.AsyncClient, text: str) -> httpx.Response:
    return await client.get("/whoami", headers={"Authorization": f"Bearer {text}"})


async def revocation_events(app: FastAPI) -> list[Any]:
    pool: asyncpg.Pool = app.state.runtime.pool
    return await pool.fetch("SELECT event_type, actor, data FROM es.events WHERE aggregate_type = $1", AGGREGATE)


async def test_a_token_revoked_on_one_service_is_refused_by_another_within_seconds(
    services: tuple[FastAPI, httpx.AsyncClient, httpx.AsyncClient], nc: NATS
) -> None:
    recording, first, second = services
    stolen = token(Role.OFFICER, "off-9", officer_id="off-9")
    assert (await status_with(first, stolen)).status_code == 200
    assert (await status_with(second, stolen)).status_code == 200

    revoked = await first.post("/tokens/revocations", json={"jti": jti_of(stolen), "expires_at": expiry_of(stolen)})
    started = time.monotonic()

    assert revoked.status_code == 200, revoked.text
    assert revoked.json() | {"revoked_at": None} == {
        "jti": jti_of(stolen),
        "expires_at": expiry_of(stolen).replace("+00:00", "Z"),
        "revoked_at": None,
        "revoked_by": "bureau:bureau-tester",
        "already": False,
    }
    refused_here = await status_with(first, stolen)  # the recording service refuses at once
    assert refused_here.status_code == 401
    assert refused_here.headers["WWW-Authenticate"] == (
        'Bearer realm="jingzhang", error="invalid_token", error_description="token has been revoked"'
    )
    assert refused_here.json()["code"] == "unauthenticated"

    async def refused_there() -> bool:
        return (await status_with(second, stolen)).status_code == 401

    await eventually(refused_there, timeout=10)
    assert time.monotonic() - started < 5, "the other service took more than a few seconds"
    assert (await status_with(second, token(Role.OFFICER, "off-9", officer_id="off-9"))).status_code == 200

    # recorded once, as an event with its actor, published, and listed by every service
    again = await first.post("/tokens/revocations", json={"jti": jti_of(stolen), "expires_at": expiry_of(stolen)})
    assert again.json()["already"] is True
    events = await revocation_events(recording)
    assert [(e["event_type"], e["actor"]) for e in events] == [("TokenRevoked", "bureau:bureau-tester")]
    published = [
        env for _, env in await read_stream_messages(nc, RECORDED_BY) if env.stream.aggregate_type == AGGREGATE
    ]
    assert [env.data["jti"] for env in published] == [jti_of(stolen)]
    listed = await second.get("/tokens/revocations", headers=bearer(Role.AUDITOR))
    assert [r["jti"] for r in listed.json()] == [jti_of(stolen)]


async def test_a_token_sent_itself_is_verified_and_revoked(
    services: tuple[FastAPI, httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    _, first, second = services
    stolen = token(Role.BUREAU, "leaked")

    revoked = await first.post("/tokens/revocations", json={"token": stolen})

    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["jti"] == jti_of(stolen)

    async def refused_there() -> bool:
        return (await status_with(second, stolen)).status_code == 401

    await eventually(refused_there, timeout=5)


class TestBadRevocationsRecordNothing:
    @pytest.mark.parametrize(
        ("body", "field", "detail"),
        [
            ({"jti": "has a space", "expires_at": "2030-01-01T00:00:00Z"}, "jti", "should match pattern"),
            ({"jti": "", "expires_at": "2030-01-01T00:00:00Z"}, "jti", "should match pattern"),
            ({"jti": "x" * 257, "expires_at": "2030-01-01T00:00:00Z"}, "jti", "should match pattern"),
            ({"jti": "abc"}, "expires_at", "required with jti"),
            ({"expires_at": "2030-01-01T00:00:00Z"}, "jti", "required"),
            ({}, "jti", "required"),
            ({"jti": "abc", "expires_at": "2020-01-01T00:00:00Z"}, "expires_at", "expired already"),
            ({"jti": "abc", "expires_at": "2099-01-01T00:00:00Z"}, "expires_at", "days ahead"),
            ({"jti": "abc", "expires_at": "2030-01-01T00:00:00"}, "expires_at", "timezone"),
            ({"token": "not.a.token"}, "token", "not a live token of this scheme"),
            ({"token": "forged", "jti": "abc"}, "token", "not both"),
            ({"jti": "abc", "expires_at": "2030-01-01T00:00:00Z", "note": 1}, "note", "Extra inputs"),
        ],
    )
    async def test_is_422_naming_the_field(
        self,
        services: tuple[FastAPI, httpx.AsyncClient, httpx.AsyncClient],
        body: dict[str, object],
        field: str,
        detail: str,
    ) -> None:
        recording, first, _ = services

        answer = await first.post("/tokens/revocations", json=body)

        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert (answer.json()["field"], answer.json()["code"]) == (field, "invalid")
        assert detail in answer.json()["detail"]
        assert await revocation_events(recording) == []

    async def test_tokens_of_another_issuer_or_expired_are_not_revocable(
        self, services: tuple[FastAPI, httpx.AsyncClient, httpx.AsyncClient]
    ) -> None:
        recording, first, _ = services
        foreign = LocalSigningKey.generate().issue(Principal("x", Role.BUREAU), datetime.now(UTC))
        expired = token(Role.BUREAU, now=datetime.now(UTC) - timedelta(hours=3))

        for sent, reason in ((foreign, "signature does not verify"), (expired, "expired")):
            answer = await first.post("/tokens/revocations", json={"token": sent})
            assert (answer.status_code, answer.json()["field"]) == (422, "token")
            assert reason in answer.json()["detail"]
        assert await revocation_events(recording) == []

    async def test_only_the_bureau_revokes_and_only_where_revocations_are_recorded(
        self, services: tuple[FastAPI, httpx.AsyncClient, httpx.AsyncClient]
    ) -> None:
        recording, first, second = services
        body = {"jti": "abc", "expires_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat()}

        for role, scope in ((Role.AUDITOR, {}), (Role.OFFICER, {"officer_id": "off-1"})):
            answer = await first.post("/tokens/revocations", json=body, headers=bearer(role, **scope))
            assert answer.status_code == 403, answer.text
        assert (await first.post("/tokens/revocations", json=body, headers={"Authorization": ""})).status_code == 401
        assert (await second.post("/tokens/revocations", json=body, headers=BUREAU)).status_code == 405
        assert (
            await second.get("/tokens/revocations", headers=bearer(Role.OFFICER, officer_id="o"))
        ).status_code == 403
        assert await revocation_events(recording) == []
