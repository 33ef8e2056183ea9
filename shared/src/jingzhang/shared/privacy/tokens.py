"""Tokens: a personal value sealed under its subject's key, as one self-describing JSON string.

`pii:1:<kind>:<subject>:<base64url(nonce | ciphertext | tag)>`. The kind and subject are the
additional data of AES-GCM, so a token cannot be relabelled to another person or kind.
"""

import base64
import binascii
import re
from dataclasses import dataclass

from jingzhang.shared.privacy.crypto import NONCE_BYTES, TAG_BYTES, DataKey
from jingzhang.shared.privacy.errors import TamperedToken
from jingzhang.shared.privacy.fields import PersonalKind, check_subject

PREFIX = "pii:1:"
MARKER = PREFIX.encode()
_MIN_SEALED = (4 * (NONCE_BYTES + TAG_BYTES) + 2) // 3
_KINDS = "|".join(kind.value for kind in PersonalKind)
_SUBJECT = r"[a-z][a-z0-9_]{0,31}(?:/[A-Za-z0-9_.\-]{1,128}){1,3}"
TOKEN_PATTERN = re.compile(rf"pii:1:({_KINDS}):({_SUBJECT}):([A-Za-z0-9_\-]{{{_MIN_SEALED},}})")


@dataclass(frozen=True, slots=True)
class Token:
    kind: PersonalKind
    subject: str
    sealed: bytes

    def __str__(self) -> str:
        return f"{PREFIX}{self.kind.value}:{self.subject}:{_b64(self.sealed)}"


def parse(text: str) -> Token | None:
    """The token `text` is, or None when it is not one (plain text, or a token's look-alike)."""
    match = TOKEN_PATTERN.fullmatch(text)
    return _from_match(match) if match else None


def find(text: str) -> list[tuple[re.Match[str], Token]]:
    """Every token inside `text` (a JSON document, say), in order."""
    found = []
    for match in TOKEN_PATTERN.finditer(text):
        token = _from_match(match)
        if token is not None:
            found.append((match, token))
    return found


def seal(key: DataKey, kind: PersonalKind, subject: str, value: str) -> str:
    check_subject(subject)
    return str(Token(kind, subject, key.seal(value.encode(), _aad(kind, subject))))


def open_token(key: DataKey, token: Token) -> str:
    try:
        return key.open(token.sealed, _aad(token.kind, token.subject)).decode()
    except UnicodeDecodeError:
        raise TamperedToken("a personal value is not text after decryption") from None


def _from_match(match: re.Match[str]) -> Token | None:
    kind, subject, sealed = match.groups()
    try:
        raw = base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
    except (binascii.Error, ValueError):
        return None
    return Token(PersonalKind(kind), subject, raw)


def _aad(kind: PersonalKind, subject: str) -> bytes:
    return f"{PREFIX}{kind.value}:{subject}".encode()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
