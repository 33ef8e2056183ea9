"""Production sign-in: the bureau's OpenID Connect provider, authorization code flow with PKCE (S256).

The provider's access token (a JWT the services verify against the provider's JWKS, with the role
and scope claims) is what the console keeps in the session and sends to the services. The ID token
that comes with it is checked first: signed by a key of the provider's JWKS (an asymmetric algorithm,
never `none` or a shared secret), issued by the provider for this client, not expired, and carrying
the nonce this browser's sign-in began with, so a token minted for another sign-in (a replayed or
injected code) signs nobody in.
"""

import secrets
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from authlib.integrations.httpx_client import AsyncOAuth2Client

ID_TOKEN_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
"""What an ID token may be signed with: the provider's public keys only."""
LEEWAY = 30
"""Seconds of clock difference allowed with the provider."""


class OidcError(Exception):
    """The provider refused, or answered something we cannot use."""


@dataclass
class Oidc:
    discovery_url: str
    client_id: str
    client_secret: str | None
    redirect_uri: str
    scope: str
    _metadata: dict[str, Any] | None = None

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            async with httpx.AsyncClient(timeout=10) as http:
                answer = await http.get(self.discovery_url)
            if answer.status_code != 200:
                raise OidcError(f"discovery {self.discovery_url}: {answer.status_code}")
            self._metadata = dict(answer.json())
        return self._metadata

    def _client(self) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=self.client_id,
            client_secret=self.client_secret,
            redirect_uri=self.redirect_uri,
            scope=self.scope,
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_post" if self.client_secret else "none",
        )

    async def begin(self) -> tuple[str, dict[str, str]]:
        """The provider's authorization URL, and what the session must keep until the callback."""
        meta = await self.metadata()
        verifier = secrets.token_urlsafe(64)
        state = secrets.token_urlsafe(24)
        nonce = secrets.token_urlsafe(24)
        async with self._client() as client:
            url, _ = client.create_authorization_url(
                meta["authorization_endpoint"], state=state, code_verifier=verifier, nonce=nonce
            )
        return url, {"state": state, "verifier": verifier, "nonce": nonce}

    async def finish(self, pending: dict[str, str], state: str | None, code: str | None) -> str:
        """The access token for the code the provider sent back, after checking the state."""
        if not code or not state or not secrets.compare_digest(state, pending.get("state", "")):
            raise OidcError("state does not match the sign-in this browser began")
        meta = await self.metadata()
        async with self._client() as client:
            try:
                token = await client.fetch_token(
                    meta["token_endpoint"],
                    code=code,
                    code_verifier=pending["verifier"],
                    grant_type="authorization_code",
                )
            except Exception as exc:  # authlib raises its OAuthError or httpx's: both a refusal here
                raise OidcError(f"token endpoint: {exc}") from None
        access = token.get("access_token")
        if not isinstance(access, str):
            raise OidcError("the provider sent no access token")
        await self._check_identity(token.get("id_token"), pending.get("nonce", ""))
        return access

    async def _check_identity(self, id_token: object, nonce: str) -> None:
        """The ID token: the provider's signature, issuer, audience, lifetime and this sign-in's nonce."""
        if not isinstance(id_token, str):
            raise OidcError("the provider sent no ID token")
        meta = await self.metadata()
        try:
            header = jwt.get_unverified_header(id_token)
            key = (await self._keys()).get(str(header.get("kid", "")))
        except (jwt.PyJWTError, ValueError) as exc:
            raise OidcError(f"ID token refused: {exc}") from None
        if key is None or header.get("alg") not in ID_TOKEN_ALGORITHMS:
            raise OidcError("ID token refused: not signed by a key of the provider's JWKS")
        try:
            claims = jwt.decode(
                id_token,
                key.key,
                algorithms=[str(header["alg"])],
                audience=self.client_id,
                issuer=str(meta.get("issuer", "")),
                leeway=LEEWAY,
                options={"require": ["iss", "aud", "exp", "iat", "nonce"]},
            )
        except jwt.PyJWTError as exc:
            raise OidcError(f"ID token refused: {exc}") from None
        if not nonce or not secrets.compare_digest(str(claims["nonce"]), nonce):
            raise OidcError("ID token refused: its nonce is not the one this browser's sign-in began with")

    async def _keys(self) -> dict[str, jwt.PyJWK]:
        """The provider's signing keys by key id, read from its JWKS at each sign-in (keys rotate)."""
        meta = await self.metadata()
        async with httpx.AsyncClient(timeout=10) as http:
            answer = await http.get(str(meta["jwks_uri"]))
        if answer.status_code != 200:
            raise OidcError(f"JWKS {meta['jwks_uri']}: {answer.status_code}")
        keys = jwt.PyJWKSet.from_dict(answer.json()).keys
        return {str(k.key_id or ""): k for k in keys}
