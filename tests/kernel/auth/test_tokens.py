"""Bearer tokens: what verifies, and every way a token is refused, with the reason the caller gets."""

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.rsa import generate_private_key

from jingzhang.shared.auth import InvalidToken, LocalSigningKey, Principal, Role, TokenVerifier
from jingzhang.shared.auth.tokens import load_public_keys, principal_from_claims

NOW = datetime.now(UTC)  # tokens stay valid for 8 h, far longer than the suite runs
KEY = LocalSigningKey.generate()
OFFICER = Principal("u-7", Role.OFFICER, officer_id="off-7")


def _b64(doc: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(doc).encode()).rstrip(b"=").decode()


def verifier(*keys: LocalSigningKey, **kwargs: object) -> TokenVerifier:
    return TokenVerifier.from_pem(b"".join(k.public_pem for k in keys or (KEY,)), **kwargs)  # type: ignore[arg-type]


async def test_a_signed_token_yields_its_principal() -> None:
    principal = await verifier().verify(KEY.issue(OFFICER, NOW))
    assert principal == OFFICER
    assert principal.actor == "officer:u-7"
    assert principal.person == "officer/off-7"


async def test_a_token_signed_by_another_key_is_forged() -> None:
    forged = LocalSigningKey.generate().issue(OFFICER, NOW)
    with pytest.raises(InvalidToken, match="signature"):
        await verifier().verify(forged)


async def test_an_altered_payload_breaks_the_signature() -> None:
    header, _, signature = KEY.issue(OFFICER, NOW).split(".")
    bureau_claims = _b64({"sub": "u-7", "role": "bureau", "iss": KEY.issuer, "aud": KEY.audience})
    with pytest.raises(InvalidToken):
        await verifier().verify(f"{header}.{bureau_claims}.{signature}")


async def test_an_expired_token_is_refused_beyond_the_leeway() -> None:
    now = datetime.now(UTC)  # not the import-time NOW: leeway is 30 s, the suite may run longer
    old = KEY.issue(OFFICER, now - timedelta(hours=2), ttl=timedelta(hours=1))
    with pytest.raises(InvalidToken, match="expired"):
        await verifier().verify(old)
    just_expired = KEY.issue(OFFICER, now - timedelta(minutes=60, seconds=10), ttl=timedelta(hours=1))
    assert await verifier().verify(just_expired) == OFFICER  # 10 s past expiry is inside the 30 s leeway


@pytest.mark.parametrize(
    ("issuer", "audience", "reason"), [("someone-else", "jingzhang", "(?i)issuer"), (None, "x", "(?i)audience")]
)
async def test_issuer_and_audience_must_match(issuer: str | None, audience: str, reason: str) -> None:
    other = LocalSigningKey(KEY.private, issuer=issuer or KEY.issuer, audience=audience)
    with pytest.raises(InvalidToken, match=reason):
        await verifier().verify(other.issue(OFFICER, NOW))


async def test_the_none_algorithm_and_garbage_are_refused() -> None:
    unsigned = jwt.encode(
        {"sub": "x", "role": "bureau", "iss": KEY.issuer, "aud": KEY.audience}, None, algorithm="none"
    )
    for token in (unsigned, "not-a-jwt", ""):
        with pytest.raises(InvalidToken):
            await verifier().verify(token)


async def test_an_hs256_token_keyed_with_the_public_key_is_refused() -> None:
    """The algorithm-confusion attack: signing HS256 with the public PEM as the shared secret."""
    claims = {"sub": "x", "role": "bureau", "iss": KEY.issuer, "aud": KEY.audience, "iat": 1, "exp": 2**31}
    segments = [_b64({"alg": "HS256", "typ": "JWT"}), _b64(claims)]
    mac = hmac.new(KEY.public_pem, ".".join(segments).encode(), hashlib.sha256).digest()
    confused = ".".join([*segments, base64.urlsafe_b64encode(mac).rstrip(b"=").decode()])
    with pytest.raises(InvalidToken):
        await verifier().verify(confused)


def test_claims_must_describe_a_valid_principal() -> None:
    with pytest.raises(InvalidToken, match="role"):
        principal_from_claims({"sub": "x", "role": "superuser"})
    with pytest.raises(InvalidToken, match="enterprise_id"):
        principal_from_claims({"sub": "x", "role": "enterprise_contact"})
    with pytest.raises(InvalidToken, match="station"):
        principal_from_claims({"sub": "x", "role": "station_chief", "officer_id": "off-1"})
    with pytest.raises(InvalidToken, match="officer_id"):
        principal_from_claims({"sub": "x", "role": "officer", "officer_id": 17})


async def test_key_rotation_accepts_old_and_new_keys_and_rs256_from_an_oidc_provider() -> None:
    new = LocalSigningKey.generate()
    both = verifier(KEY, new)
    assert await both.verify(KEY.issue(OFFICER, NOW)) == OFFICER
    assert await both.verify(new.issue(OFFICER, NOW)) == OFFICER
    rsa = generate_private_key(public_exponent=65537, key_size=2048)
    claims = {"sub": "a", "role": "auditor", "iss": "https://sso.example", "aud": "jingzhang", "iat": 1, "exp": 2**31}
    oidc = TokenVerifier(public_keys=[rsa.public_key()], issuer="https://sso.example")
    assert (await oidc.verify(jwt.encode(claims, rsa, algorithm="RS256"))).role is Role.AUDITOR


def test_a_verifier_needs_a_key_and_a_key_file_can_hold_several(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="AUTH_PUBLIC_KEY_FILE"):
        TokenVerifier()
    assert len(load_public_keys(KEY.public_pem + LocalSigningKey.generate().public_pem)) == 2
    with pytest.raises(ValueError, match="no PEM"):
        load_public_keys(b"hello")


def test_the_signing_key_is_saved_private_and_reloads(tmp_path: Path) -> None:
    path = tmp_path / "auth" / "key.pem"
    key = LocalSigningKey.load_or_create(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert LocalSigningKey.load_or_create(path).kid == key.kid
    assert "PRIVATE" not in repr(key)
    assert key.kid in repr(key)


class TestRememberedTokens:
    """A verified token is not verified again for a while; its expiry and revocation still count."""

    async def test_a_token_is_remembered_no_longer_than_it_is_valid(self) -> None:
        now = datetime.now(UTC)
        token = KEY.issue(OFFICER, now - timedelta(minutes=59, seconds=50), ttl=timedelta(hours=1))  # 10 s left
        wall = [now.timestamp()]
        remembering = verifier(wall=lambda: wall[0])
        assert await remembering.verify(token) == OFFICER
        remembering._keys = [LocalSigningKey.generate().private.public_key()]  # whatever verifies it again fails

        wall[0] += 10 + 29  # inside the 30 s leeway: still remembered
        assert await remembering.verify(token) == OFFICER
        wall[0] += 2  # past it (well before a minute): verified again
        with pytest.raises(InvalidToken):
            await remembering.verify(token)

    async def test_a_remembered_token_is_verified_again_after_a_minute(self) -> None:
        token = KEY.issue(OFFICER, NOW)
        wall = [datetime.now(UTC).timestamp()]
        remembering = verifier(wall=lambda: wall[0])
        await remembering.verify(token)
        remembering._keys = [LocalSigningKey.generate().private.public_key()]  # the key was withdrawn

        assert await remembering.verify(token) == OFFICER  # remembered
        wall[0] += 61
        with pytest.raises(InvalidToken, match="signature"):
            await remembering.verify(token)

    async def test_a_remembered_token_revoked_meanwhile_is_refused(self) -> None:
        token = KEY.issue(OFFICER, NOW)
        remembering = verifier()
        claims = await remembering.claims(token)
        await remembering.verify(token)

        remembering.denylist = frozenset({claims["jti"]})

        with pytest.raises(InvalidToken, match="revoked"):
            await remembering.verify(token)

    async def test_only_the_very_token_is_remembered(self) -> None:
        remembering = verifier()
        header, payload, signature = KEY.issue(OFFICER, NOW).split(".")
        await remembering.verify(f"{header}.{payload}.{signature}")
        bureau_claims = _b64({"sub": "u-7", "role": "bureau", "iss": KEY.issuer, "aud": KEY.audience})

        with pytest.raises(InvalidToken):
            await remembering.verify(f"{header}.{bureau_claims}.{signature}")

    async def test_a_remembered_token_s_principal_is_read_once_and_forgotten_with_it(self) -> None:
        token = KEY.issue(OFFICER, NOW)
        wall = [datetime.now(UTC).timestamp()]
        remembering = verifier(wall=lambda: wall[0])
        first = await remembering.verify(token)
        assert await remembering.verify(token) is first  # not read from its claims again

        wall[0] += 61  # verified again: read again
        again = await remembering.verify(token)
        assert again == first
        assert again is not first
        remembering.denylist = frozenset({(await remembering.claims(token))["jti"]})
        with pytest.raises(InvalidToken, match="revoked"):
            await remembering.verify(token)  # revocation is still asked on every request
