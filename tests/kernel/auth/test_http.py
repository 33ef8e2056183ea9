"""The HTTP edge: 401 for a missing or bad token, 403 with a reason, the actor taken from the token.

Both refusals are RFC 9457 problems with an RFC 6750 challenge: none names an error when no token was
sent (§3.1), `invalid_token` when one was sent and does not verify, `insufficient_scope` with a 403.
"""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Request

from jingzhang.shared.auth import Action, LocalSigningKey, Principal, Role, TokenVerifier
from jingzhang.shared.auth.http import (
    CommandMeta,
    CurrentPrincipal,
    authenticate,
    bearer,
    bearer_token,
    challenge,
    enterprise_in_path,
    install_auth_errors,
)
from jingzhang.shared.auth.policy import EnterpriseLinks
from jingzhang.shared.http import install_error_handlers

KEY = LocalSigningKey.generate()


class Facts:
    async def enterprise(self, enterprise_id: str) -> EnterpriseLinks:
        return EnterpriseLinks(enterprise_id, frozenset({"off-1"}), frozenset({"城东派出所"}))

    async def officer_station(self, officer_id: str) -> str | None:
        return "城东派出所"


def app() -> FastAPI:
    router = APIRouter()

    @router.post("/enterprises/{enterprise_id}/things", dependencies=[Depends(enterprise_in_path(Action.ACT))])
    async def act(enterprise_id: str, meta: CommandMeta) -> dict[str, str]:
        return {"actor": meta.actor}

    built = FastAPI()
    built.state.verifier = TokenVerifier.from_pem(KEY.public_pem)
    built.state.access = Facts()
    install_auth_errors(built)
    built.include_router(router, dependencies=[Depends(authenticate)])
    return built


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app()), base_url="http://t") as c:
        yield c


def auth(principal: Principal, key: LocalSigningKey = KEY, at: datetime | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {key.issue(principal, at or datetime.now(UTC))}"}


async def test_no_token_is_401_with_a_bare_bearer_challenge(client: httpx.AsyncClient) -> None:
    response = await client.post("/enterprises/e-1/things")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="jingzhang"'
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "https://jingzhang.example/problems/unauthenticated",
        "title": "No valid bearer token",
        "status": 401,
        "detail": "missing bearer token: send 'Authorization: Bearer <token>'",
        "instance": "/enterprises/e-1/things",
        "field": "Authorization",
        "code": "unauthenticated",
    }
    basic = await client.post("/enterprises/e-1/things", headers={"Authorization": "Basic dXNlcjpwdw=="})
    assert basic.status_code == 401
    assert basic.headers["WWW-Authenticate"] == 'Bearer realm="jingzhang"'  # another scheme: no token either


async def test_forged_and_expired_tokens_are_401(client: httpx.AsyncClient) -> None:
    bureau = Principal("b", Role.BUREAU)
    forged = await client.post("/enterprises/e-1/things", headers=auth(bureau, LocalSigningKey.generate()))
    assert forged.status_code == 401
    assert "signature" in forged.json()["detail"]
    old = datetime.now(UTC) - timedelta(days=1)
    expired = await client.post("/enterprises/e-1/things", headers=auth(bureau, at=old))
    assert expired.status_code == 401
    assert expired.json()["detail"] == "token has expired"
    assert expired.json()["code"] == "unauthenticated"
    assert expired.headers["WWW-Authenticate"] == (
        'Bearer realm="jingzhang", error="invalid_token", error_description="token has expired"'
    )
    garbage = await client.post("/enterprises/e-1/things", headers={"Authorization": 'Bearer "not-a-jwt\\"'})
    assert garbage.status_code == 401
    assert 'error="invalid_token"' in garbage.headers["WWW-Authenticate"]


def test_a_challenge_s_description_keeps_to_the_characters_rfc_6750_allows() -> None:
    value = challenge("invalid_token", 'kid "k1" \\ 密钥')
    assert value == 'Bearer realm="jingzhang", error="invalid_token", error_description="kid \'k1\' ? ??"'


async def test_the_actor_is_the_token_s_role_and_subject(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/enterprises/e-1/things", headers=auth(Principal("u-1", Role.OFFICER, officer_id="off-1"))
    )
    assert response.status_code == 200
    assert response.json() == {"actor": "officer:u-1"}


async def test_refusals_are_403_with_the_reason(client: httpx.AsyncClient) -> None:
    stranger = await client.post(
        "/enterprises/e-1/things", headers=auth(Principal("u-9", Role.OFFICER, officer_id="off-9"))
    )
    assert stranger.status_code == 403
    assert stranger.headers["content-type"] == "application/problem+json"
    assert stranger.json() == {
        "type": "about:blank",
        "title": "Forbidden",
        "status": 403,
        "detail": "officer off-9 is not linked to enterprise e-1",
        "instance": "/enterprises/e-1/things",
        "field": None,
        "code": "forbidden",
    }
    assert stranger.headers["WWW-Authenticate"] == (
        'Bearer realm="jingzhang", error="insufficient_scope",'
        ' error_description="officer off-9 is not linked to enterprise e-1"'
    )
    auditor = await client.post("/enterprises/e-1/things", headers=auth(Principal("a", Role.AUDITOR)))
    assert auditor.status_code == 403
    assert auditor.json()["detail"] == "auditors have read-only access"
    contact = await client.post(
        "/enterprises/e-1/things", headers=auth(Principal("c", Role.ENTERPRISE_CONTACT, enterprise_id="e-2"))
    )
    assert contact.status_code == 403
    assert "own enterprise" in contact.json()["detail"]


async def test_a_route_mounted_without_the_guard_still_authenticates_whoever_it_names() -> None:
    """`CurrentPrincipal` reads what the edge verified; where no edge ran, it verifies the token itself."""
    unguarded = FastAPI()
    unguarded.state.verifier = TokenVerifier.from_pem(KEY.public_pem)
    install_auth_errors(unguarded)

    @unguarded.get("/me")
    async def me(principal: CurrentPrincipal, meta: CommandMeta) -> dict[str, str]:
        return {"principal": principal.actor, "meta": meta.actor}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=unguarded), base_url="http://t") as c:
        assert (await c.get("/me")).status_code == 401
        assert (await c.get("/me", headers={"Authorization": "Bearer not-a-token"})).status_code == 401
        answer = await c.get("/me", headers=auth(Principal(subject="u-1", role=Role.BUREAU)))
    assert answer.status_code == 200
    assert answer.json() == {"principal": "bureau:u-1", "meta": "bureau:u-1"}


async def test_a_command_s_correlation_id_is_read_from_its_header_and_a_bad_one_is_a_422_naming_it() -> None:
    """`CommandMeta` reads `X-Correlation-Id` from the request (no declared header for FastAPI to validate
    on every request): a UUID becomes the events' correlation id, none a new one, anything else a 422."""
    built = FastAPI()
    built.state.verifier = TokenVerifier.from_pem(KEY.public_pem)
    install_auth_errors(built)
    install_error_handlers(built)

    @built.post("/things")
    async def record(meta: CommandMeta) -> dict[str, str]:
        return {"correlation": str(meta.correlation_id)}

    caller = auth(Principal(subject="u-1", role=Role.BUREAU))
    given = uuid.uuid4()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=built), base_url="http://t") as c:
        carried = await c.post("/things", headers={**caller, "X-Correlation-Id": str(given)})
        drawn = [await c.post("/things", headers=caller) for _ in range(2)]
        bad = await c.post("/things", headers={**caller, "X-Correlation-Id": "not-a-uuid"})
        anonymous = await c.post("/things", headers={"X-Correlation-Id": "not-a-uuid"})
    assert carried.json() == {"correlation": str(given)}
    assert len({uuid.UUID(d.json()["correlation"]) for d in drawn}) == 2
    assert bad.status_code == 422
    assert (bad.json()["field"], bad.json()["code"]) == ("x-correlation-id", "invalid")
    assert anonymous.status_code == 401  # the token first, whatever else the request carries


@pytest.mark.parametrize(
    "authorization",
    [
        *(None, "", "Bearer", "Bearer ", "Bearer  tok", "bearer tok", "BEARER tok ", "Basic dXNlcjpwdw=="),
        *(" Bearer tok", "Bearer a b", "Bearer\ttok"),
    ],
)
async def test_the_edge_reads_the_bearer_token_as_fastapi_s_scheme_does(authorization: str | None) -> None:
    """`bearer_token` reads the header without the model `HTTPBearer` builds on every request: the same
    token, or none, for every form of the header."""
    headers = [] if authorization is None else [(b"authorization", authorization.encode())]
    request = Request({"type": "http", "method": "GET", "path": "/", "headers": headers, "query_string": b""})
    credentials = await bearer(request)
    assert bearer_token(request) == (None if credentials is None else credentials.credentials)
