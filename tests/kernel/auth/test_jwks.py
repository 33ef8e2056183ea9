"""OIDC: tokens verified against the provider's JWKS endpoint, fetched over HTTP (a loopback server
stands in for the bureau's provider), including a key the provider rotated in after start-up."""

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, generate_private_key

from jingzhang.shared.auth import InvalidToken, Role, TokenVerifier

ISSUER = "https://sso.bureau.example/realms/police"


class Provider:
    """A JWKS endpoint serving whichever keys it currently holds."""

    def __init__(self) -> None:
        self.keys: dict[str, RSAPrivateKey] = {}

    def add(self, kid: str) -> RSAPrivateKey:
        self.keys[kid] = generate_private_key(public_exponent=65537, key_size=2048)
        return self.keys[kid]

    def jwks(self) -> bytes:
        found = []
        for kid, key in self.keys.items():
            jwk: dict[str, Any] = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
            found.append({**jwk, "kid": kid, "use": "sig", "alg": "RS256"})
        return json.dumps({"keys": found}).encode()

    def token(self, kid: str, role: str = "auditor", **claims: Any) -> str:
        now = datetime.now(UTC)
        body = {
            "iss": ISSUER,
            "aud": "jingzhang",
            "sub": "u-1",
            "role": role,
            "iat": now,
            "exp": now + timedelta(hours=1),
        }
        return jwt.encode({**body, **claims}, self.keys[kid], algorithm="RS256", headers={"kid": kid})


@pytest.fixture
def provider() -> Iterator[tuple[Provider, str]]:
    served = Provider()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = served.jwks()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            return

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield served, f"http://127.0.0.1:{server.server_port}/certs"
    server.shutdown()
    server.server_close()


async def test_tokens_verify_against_the_providers_jwks_and_a_rotated_in_key(provider: tuple[Provider, str]) -> None:
    served, url = provider
    served.add("k1")
    verifier = TokenVerifier(jwks_url=url, issuer=ISSUER, jwks_refresh_cooldown=timedelta(0))

    assert (await verifier.verify(served.token("k1"))).role is Role.AUDITOR
    served.add("k2")  # the provider rotates: a token under the new key verifies without a restart
    assert (await verifier.verify(served.token("k2", role="bureau"))).role is Role.BUREAU


async def test_a_token_under_an_unknown_key_or_issuer_is_refused(provider: tuple[Provider, str]) -> None:
    served, url = provider
    served.add("k1")
    verifier = TokenVerifier(jwks_url=url, issuer=ISSUER)
    stranger = Provider()
    stranger.add("k9")

    with pytest.raises(InvalidToken, match="no signing key"):
        await verifier.verify(stranger.token("k9"))
    with pytest.raises(InvalidToken, match=r"(?i)issuer"):
        await verifier.verify(served.token("k1", iss="https://elsewhere.example"))


async def test_a_providers_token_verifies_beside_a_local_ed25519_key(provider: tuple[Provider, str]) -> None:
    """Both configured (the local signing key and the provider's JWKS): a provider's RS256 token is not
    tried against the Ed25519 key with RS256 (PyJWT raised TypeError there: a 500, not a 401)."""
    served, url = provider
    served.add("k1")
    local = Ed25519PrivateKey.generate()
    verifier = TokenVerifier(public_keys=[local.public_key()], jwks_url=url, issuer=ISSUER)

    assert (await verifier.verify(served.token("k1", role="bureau"))).role is Role.BUREAU
    stranger = Provider()
    stranger.add("k1")  # the provider's key id, another key: refused as a forgery, never a crash
    with pytest.raises(InvalidToken):
        await verifier.verify(stranger.token("k1"))
