"""Production sign-in: authorization code with PKCE against an OpenID provider started here (real
HTTP), the provider's access token verified against its JWKS as the services verify it."""

import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from jingzhang.console.app import create_app
from jingzhang.console.settings import ConsoleSettings
from tests.console.oidc_provider import Provider
from tests.console.stack import HOST, free_port, serving


@pytest.fixture
async def provider() -> AsyncIterator[Provider]:
    port = free_port()
    found = Provider(f"http://{HOST}:{port}", "jz-console", {"sub": "leader-1", "role": "bureau"})
    async with serving(found.app(), port):
        yield found


@pytest.fixture
async def console(provider: Provider) -> AsyncIterator[httpx.AsyncClient]:
    config = ConsoleSettings(
        public_url="http://console",
        nats_url=None,
        auth_public_key_file=None,  # the provider's keys only (the session's AUTH_PUBLIC_KEY_FILE is Ed25519)
        auth_jwks_url=f"{provider.issuer}/jwks",
        auth_issuer=provider.issuer,
        oidc_discovery_url=f"{provider.issuer}/.well-known/openid-configuration",
        oidc_client_id=provider.client_id,
    )
    app = create_app(config)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://console") as client:
            yield client


async def begin(console: httpx.AsyncClient) -> str:
    answer = await console.get("/login/oidc")
    assert answer.status_code == 303
    return answer.headers["location"]


async def test_code_flow_with_pkce_signs_in_with_the_providers_token(
    console: httpx.AsyncClient, provider: Provider
) -> None:
    authorize = await begin(console)
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) >= 43
    assert len(query["nonce"][0]) >= 32  # the ID token must carry it back
    assert query["redirect_uri"] == ["http://console/auth/callback"]
    async with httpx.AsyncClient() as browser:
        back = await browser.get(authorize)
    assert back.status_code == 302
    signed = await console.get(back.headers["location"])
    assert signed.status_code == 303, signed.text
    assert signed.headers["location"] == "/overview"
    assert "httponly" in signed.headers["set-cookie"].lower()
    assert provider.token_requests[0]["code_verifier"]  # the verifier went to the token endpoint
    assert (await console.get("/")).headers["location"] == "/overview"


async def test_a_callback_with_another_state_signs_nobody_in(console: httpx.AsyncClient) -> None:
    authorize = await begin(console)
    async with httpx.AsyncClient() as browser:
        back = await browser.get(authorize)
    code = parse_qs(urlsplit(back.headers["location"]).query)["code"][0]
    refused = await console.get("/auth/callback", params={"code": code, "state": "forged"})
    assert refused.status_code == 401
    assert (await console.get("/")).headers["location"].startswith("/login")


async def test_a_second_sign_in_in_the_same_browser_voids_the_first(
    console: httpx.AsyncClient, provider: Provider
) -> None:
    authorize = await begin(console)
    await begin(console)  # a second sign-in began: the session now holds another verifier and state
    async with httpx.AsyncClient() as browser:
        back = await browser.get(authorize)
    answer = await console.get(back.headers["location"])
    assert answer.status_code == 401  # the first sign-in's state no longer matches
    assert (await console.get("/")).headers["location"].startswith("/login")


async def called_back(console: httpx.AsyncClient) -> httpx.Response:
    """One whole sign-in: the console's redirect, the provider's, and the console's callback."""
    authorize = await begin(console)
    async with httpx.AsyncClient() as browser:
        back = await browser.get(authorize)
    return await console.get(back.headers["location"])


@pytest.mark.parametrize(
    ("claims", "why"),
    [
        ({"nonce": "minted-for-another-sign-in"}, "nonce"),
        ({"aud": "another-client"}, "audience"),
        ({"iss": "http://another-provider"}, "issuer"),
        ({"iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600}, "expired"),
        (None, "no ID token"),
    ],
)
async def test_an_id_token_that_is_not_for_this_sign_in_signs_nobody_in(
    console: httpx.AsyncClient, provider: Provider, claims: dict[str, Any] | None, why: str
) -> None:
    provider.id_token_claims = claims

    refused = await called_back(console)

    assert refused.status_code == 401, why
    assert (await console.get("/")).headers["location"].startswith("/login")  # nobody is signed in


async def test_an_id_token_signed_by_a_key_not_in_the_providers_jwks_signs_nobody_in(
    console: httpx.AsyncClient, provider: Provider
) -> None:
    provider.id_token_key = rsa.generate_private_key(65537, 2048)  # the access token stays genuine

    refused = await called_back(console)

    assert refused.status_code == 401
    assert (await console.get("/")).headers["location"].startswith("/login")


async def test_without_a_provider_there_is_no_oidc_sign_in() -> None:
    app = create_app(ConsoleSettings(nats_url=None, auth_jwks_url="http://127.0.0.1:9/jwks"))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://console") as client:
            assert (await client.get("/login/oidc")).status_code == 404
