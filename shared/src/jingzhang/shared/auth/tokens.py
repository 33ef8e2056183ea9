"""Bearer tokens: signed JWT access tokens, verified against configured keys.

Production verifies tokens from the bureau's OIDC provider against its JWKS endpoint; the embedded
default is a local Ed25519 signing key (`jingzhang token issue` signs with it, the services only ever
hold its public half). The claims we read besides the registered ones: `role`, and the ids that scope
a role (`enterprise_id`, `officer_id`, `station`).
"""

import asyncio
import hashlib
import os
import time
import uuid
from collections.abc import Callable, Container, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from jingzhang.shared.auth.principal import Principal, PrincipalError, Role

ALGORITHMS = ("EdDSA", "RS256", "ES256", "PS256")
LOCAL_ISSUER = "jingzhang-local"
AUDIENCE = "jingzhang"
SCOPE_CLAIMS = ("enterprise_id", "officer_id", "station")
VERIFIED_TOKENS = 4096
"""How many verified tokens a verifier remembers (the oldest is forgotten first)."""
VERIFIED_SECONDS = 60.0
"""How long a verified token is taken without checking its signature again: a key withdrawn from the
provider's JWKS stops verifying the tokens it signed within this time. Expiry and revocation are
checked on every request whatever is remembered."""


class InvalidToken(Exception):
    """No usable token: missing, malformed, forged, expired, for another audience (HTTP 401)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class MissingToken(InvalidToken):
    """No bearer token at all (none, or another scheme): the challenge then names no error (RFC 6750 §3.1)."""


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


@dataclass(frozen=True)
class LocalSigningKey:
    """The embedded default issuer: an Ed25519 key on disk. Its repr never shows key material."""

    private: Ed25519PrivateKey
    issuer: str = LOCAL_ISSUER
    audience: str = AUDIENCE

    def __repr__(self) -> str:
        return f"LocalSigningKey(kid={self.kid!r}, issuer={self.issuer!r})"

    @classmethod
    def generate(cls) -> "LocalSigningKey":
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def load(cls, path: Path) -> "LocalSigningKey":
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path}: not an Ed25519 private key")
        return cls(key)

    @classmethod
    def load_or_create(cls, path: Path) -> "LocalSigningKey":
        if path.exists():
            return cls.load(path)
        key = cls.generate()
        key.save(path)
        return key

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = self.private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
        path.with_suffix(".pub").write_bytes(self.public_pem)

    @property
    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    @property
    def kid(self) -> str:
        return key_id(self.private.public_key())

    def issue(self, principal: Principal, now: datetime, ttl: timedelta = timedelta(hours=8)) -> str:
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": principal.subject,
            "role": principal.role.value,
            "iat": int(now.timestamp()),
            "nbf": int(now.timestamp()),
            "exp": int((now + ttl).timestamp()),
            "jti": str(uuid.uuid4()),
        }
        for claim in SCOPE_CLAIMS:
            if (value := getattr(principal, claim)) is not None:
                claims[claim] = value
        return jwt.encode(claims, self.private, algorithm="EdDSA", headers={"kid": self.kid})


def principal_from_claims(claims: Mapping[str, Any], role_claim: str = "role") -> Principal:
    raw_role = claims.get(role_claim)
    try:
        role = Role(str(raw_role))
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise InvalidToken(f"claim {role_claim!r} must be one of {allowed}, got {raw_role!r}") from None
    scope = {name: claims.get(name) for name in SCOPE_CLAIMS}
    for name, value in scope.items():
        if value is not None and not isinstance(value, str):
            raise InvalidToken(f"claim {name!r} must be a string")
    try:
        return Principal(subject=str(claims.get("sub") or ""), role=role, **scope)
    except PrincipalError as exc:
        raise InvalidToken(str(exc)) from None


class TokenVerifier:
    """Verifies a bearer token's signature, issuer, audience and lifetime, and reads its principal."""

    def __init__(
        self,
        *,
        public_keys: Sequence[Any] = (),
        jwks_url: str | None = None,
        issuer: str = LOCAL_ISSUER,
        audience: str = AUDIENCE,
        role_claim: str = "role",
        leeway: timedelta = timedelta(seconds=30),
        jwks_refresh_cooldown: timedelta = timedelta(seconds=30),
        wall: Callable[[], float] = time.time,
    ) -> None:
        if not public_keys and not jwks_url:
            raise ValueError(
                "no token verification key: set AUTH_PUBLIC_KEY_FILE (local signing key) or AUTH_JWKS_URL (OIDC)"
            )
        self._keys = list(public_keys)
        # keys cached 5 min; a token under an unknown key id refetches, at most once per cooldown, so a
        # provider's rotation is picked up without a restart and forged key ids cannot flood the provider
        self._jwks = (
            jwt.PyJWKClient(
                jwks_url, cache_keys=True, lifespan=300, cooldown_duration=jwks_refresh_cooldown.total_seconds()
            )
            if jwks_url
            else None
        )
        self.issuer = issuer
        self.audience = audience
        self.role_claim = role_claim
        self.leeway = leeway
        self.denylist: Container[str] = frozenset()
        """Revoked token ids (`revocations.Denylist`, set by `build_app`): refused like a forged token."""
        self._wall = wall
        self._verified: dict[str, tuple[float, dict[str, Any]]] = {}
        """Token (signature included) -> (taken until, its claims): a client sends the same token with
        every request, and checking its signature was about a tenth of a command's CPU."""
        self._principals: dict[str, Principal] = {}
        """The principal read from a remembered token's claims, forgotten with them (reading it was about
        a sixth of the edge's CPU per request)."""

    @classmethod
    def from_pem(cls, pem: bytes, **kwargs: Any) -> "TokenVerifier":
        return cls(public_keys=load_public_keys(pem), **kwargs)

    async def verify(self, token: str) -> Principal:
        claims = await self.claims(token)
        if claims.get("jti") in self.denylist:
            raise InvalidToken("token has been revoked")
        principal = self._principals.get(token)
        if principal is None:
            principal = principal_from_claims(claims, self.role_claim)
            if token in self._verified:  # read as long as its claims are remembered (a Principal is frozen)
                self._principals[token] = principal
        return principal

    async def claims(self, token: str) -> dict[str, Any]:
        """The claims of a token that verifies (signature, issuer, audience, lifetime), revoked or not."""
        remembered = self._remembered(token)
        if remembered is not None:
            return remembered
        claims = await self._verify(token)
        self._remember(token, claims)
        return dict(claims)

    def _remembered(self, token: str) -> dict[str, Any] | None:
        found = self._verified.get(token)
        if found is None:
            return None
        until, claims = found
        if self._wall() < until:
            return dict(claims)
        self._forget(token)  # expired or stale: verified again, and refused if it has expired
        return None

    def _forget(self, token: str) -> None:
        del self._verified[token]
        self._principals.pop(token, None)

    def _remember(self, token: str, claims: dict[str, Any]) -> None:
        expires = float(claims["exp"]) + self.leeway.total_seconds()
        if len(self._verified) >= VERIFIED_TOKENS:
            self._forget(next(iter(self._verified)))
        self._verified[token] = (min(expires, self._wall() + VERIFIED_SECONDS), claims)

    async def _verify(self, token: str) -> dict[str, Any]:
        keys = list(self._keys)
        if self._jwks is not None:
            try:
                signing = await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)
            except jwt.PyJWTError as exc:
                raise InvalidToken(f"no signing key for this token: {exc}") from None
            keys.append(signing.key)
        return self._decode(token, keys)

    def _decode(self, token: str, keys: Sequence[Any]) -> dict[str, Any]:
        failure = "token signature does not verify"
        for key in keys:
            try:
                claims = jwt.decode(
                    token,
                    key,
                    algorithms=_algorithms_for(key),
                    audience=self.audience,
                    issuer=self.issuer,
                    leeway=self.leeway,
                    options={"require": ["exp", "iat", "sub", "iss", "aud"]},
                )
            except jwt.InvalidSignatureError:
                continue
            except jwt.ExpiredSignatureError:
                raise InvalidToken("token has expired") from None
            except jwt.PyJWTError as exc:
                failure = f"invalid token: {exc}"
                if not isinstance(exc, jwt.InvalidAlgorithmError):
                    raise InvalidToken(failure) from None
                continue
            return dict(claims)
        raise InvalidToken(failure)


def _algorithms_for(key: Any) -> list[str]:
    """The algorithms a key of its kind verifies: PyJWT raises TypeError (not a JWT error) when a token's
    algorithm needs another kind of key, e.g. an RS256 token from the provider tried against the local
    Ed25519 key when both are configured."""
    if isinstance(key, Ed25519PublicKey):
        return ["EdDSA"]
    if isinstance(key, rsa.RSAPublicKey):
        return ["RS256", "PS256"]
    if isinstance(key, ec.EllipticCurvePublicKey):
        return ["ES256"]
    return list(ALGORITHMS)


def load_public_keys(pem: bytes) -> list[Any]:
    """Every public key in a PEM bundle: during a rotation the file holds the old key and the new one."""
    marker = b"-----BEGIN PUBLIC KEY-----"
    blocks = [marker + part for part in pem.split(marker)[1:]]
    if not blocks:
        raise ValueError("no PEM public key found")
    return [serialization.load_pem_public_key(block) for block in blocks]


def verifier_for(settings: Any) -> TokenVerifier:
    """The verifier a service's settings describe (AUTH_PUBLIC_KEY_FILE and/or AUTH_JWKS_URL)."""
    keys: list[Any] = []
    if settings.auth_public_key_file is not None:
        path = Path(settings.auth_public_key_file)
        try:
            keys = load_public_keys(path.read_bytes())
        except (OSError, ValueError) as exc:
            raise ValueError(f"AUTH_PUBLIC_KEY_FILE {path}: {exc}") from None
    return TokenVerifier(
        public_keys=keys,
        jwks_url=settings.auth_jwks_url,
        issuer=settings.auth_issuer,
        audience=settings.auth_audience,
        role_claim=settings.auth_role_claim,
    )
