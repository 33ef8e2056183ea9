"""A small OpenID provider for the tests, speaking the real protocol over HTTP: discovery, authorize
(signs in a preset user at once), token (authorization code with PKCE S256, checked; an ID token
with the sign-in's nonce beside the access token) and JWKS. Its access tokens carry the role claims
the services read; `id_token_claims` overrides the ID token's claims (None: no ID token at all)."""

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Form
from fastapi.responses import JSONResponse, RedirectResponse


@dataclass
class Provider:
    issuer: str
    client_id: str
    claims: dict[str, Any]
    key: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(65537, 2048))
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    id_token_claims: dict[str, Any] | None = field(default_factory=dict)
    id_token_key: rsa.RSAPrivateKey | None = None
    """Signs the ID token instead of `key` (whose public half the JWKS shows) when set."""

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/.well-known/openid-configuration")
        async def discovery() -> dict[str, Any]:
            return {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "code_challenge_methods_supported": ["S256"],
            }

        @app.get("/authorize")
        async def authorize(
            response_type: str,
            client_id: str,
            redirect_uri: str,
            state: str,
            code_challenge: str,
            code_challenge_method: str,
            nonce: str = "",
        ) -> RedirectResponse:
            assert response_type == "code"
            assert client_id == self.client_id
            assert code_challenge_method == "S256"
            code = secrets.token_urlsafe(16)
            self.codes[code] = {"challenge": code_challenge, "redirect_uri": redirect_uri, "nonce": nonce}
            return RedirectResponse(f"{redirect_uri}?{urlencode({'code': code, 'state': state})}", status_code=302)

        @app.post("/token")
        async def token(
            grant_type: Annotated[str, Form()],
            code: Annotated[str, Form()],
            redirect_uri: Annotated[str, Form()],
            client_id: Annotated[str, Form()],
            code_verifier: Annotated[str, Form()] = "",
        ) -> JSONResponse:
            self.token_requests.append({"code": code, "code_verifier": code_verifier})
            issued = self.codes.pop(code, None)
            digest = base64.urlsafe_b64encode(hashlib.sha256(code_verifier.encode()).digest()).rstrip(b"=").decode()
            if (
                grant_type != "authorization_code"
                or issued is None
                or issued["redirect_uri"] != redirect_uri
                or client_id != self.client_id
                or digest != issued["challenge"]
            ):
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            now = int(time.time())
            claims = {"iss": self.issuer, "aud": "jingzhang", "iat": now, "nbf": now, "exp": now + 600, **self.claims}
            access = jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": "test-key"})
            answer = {"access_token": access, "token_type": "Bearer", "expires_in": 600}
            if self.id_token_claims is not None:
                identity = {
                    "iss": self.issuer,
                    "sub": self.claims["sub"],
                    "aud": self.client_id,
                    "iat": now,
                    "exp": now + 600,
                    "nonce": issued["nonce"],
                    **self.id_token_claims,
                }
                signer = self.id_token_key or self.key
                answer["id_token"] = jwt.encode(identity, signer, algorithm="RS256", headers={"kid": "test-key"})
            return JSONResponse(answer)

        @app.get("/jwks")
        async def jwks() -> dict[str, Any]:
            public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
            return {"keys": [{**public, "kid": "test-key", "use": "sig", "alg": "RS256"}]}

        return app
