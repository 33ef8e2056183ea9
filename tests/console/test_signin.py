"""Signing in without a browser: `/dev-login` exists only with the local signing key; the session
cookie is HttpOnly and SameSite; forms without the session's CSRF token are refused."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from jingzhang.console.app import create_app
from jingzhang.console.settings import ConsoleSettings
from tests.auth import KEY_FILE, PUBLIC_KEY_FILE


def settings(dev_key: Path | None) -> ConsoleSettings:
    return ConsoleSettings(dev_signing_key_file=dev_key, auth_public_key_file=PUBLIC_KEY_FILE, nats_url=None)


async def client_of(config: ConsoleSettings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(config)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://console") as client:
            yield client


@pytest.fixture
async def local() -> AsyncIterator[httpx.AsyncClient]:
    async for client in client_of(settings(KEY_FILE)):
        yield client


@pytest.fixture
async def production() -> AsyncIterator[httpx.AsyncClient]:
    async for client in client_of(settings(None)):
        yield client


async def test_dev_login_is_404_without_the_local_signing_key(production: httpx.AsyncClient) -> None:
    answer = await production.get("/dev-login", params={"role": "bureau"})
    assert answer.status_code == 404
    assert "set-cookie" not in answer.headers
    login = await production.get("/login")
    assert "/dev-login" not in login.text


async def test_dev_login_signs_in_with_the_local_key_and_goes_to_the_overview(local: httpx.AsyncClient) -> None:
    answer = await local.get("/dev-login", params={"role": "bureau"})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/overview"
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert (await local.get("/")).headers["location"] == "/overview"


async def test_dev_login_sends_contacts_and_officers_to_the_portal(local: httpx.AsyncClient) -> None:
    answer = await local.get("/dev-login", params={"role": "enterprise_contact", "enterprise_id": "ent-1"})
    assert answer.headers["location"] == "/portal"
    answer = await local.get("/dev-login", params={"role": "officer", "officer_id": "off-1"})
    assert answer.headers["location"] == "/portal"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"role": "chief"}, "role"),
        ({"role": "officer"}, "officer_id"),
        ({"role": "enterprise_contact"}, "enterprise_id"),
        ({"role": "station_chief", "officer_id": "off-1"}, "station"),
    ],
)
async def test_dev_login_refuses_a_principal_that_cannot_be(
    local: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    answer = await local.get("/dev-login", params=params)
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["field"] == field
    assert "set-cookie" not in answer.headers


async def test_pages_ask_for_sign_in_first(local: httpx.AsyncClient) -> None:
    answer = await local.get("/appeals")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/appeals"


async def test_a_form_without_the_sessions_csrf_token_is_refused(local: httpx.AsyncClient) -> None:
    await local.get("/dev-login", params={"role": "enterprise_contact", "enterprise_id": "ent-1"})
    body = {"enterprise_id": "ent-1", "category": "other", "description": "x", "channel": "phone"}
    refused = await local.post("/portal/appeals", data=body)
    assert refused.status_code == 403
    assert "CSRF" in refused.text
    forged = await local.post("/portal/appeals", data={**body, "csrf": "guessed"})
    assert forged.status_code == 403
    assert (await local.post("/logout", data={"csrf": "guessed"})).status_code == 403
    assert (await local.get("/")).status_code == 303  # still signed in: the forged logout did nothing


async def test_every_answer_forbids_scripts_from_elsewhere(local: httpx.AsyncClient) -> None:
    answer = await local.get("/login")
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "default-src 'self'" in policy
