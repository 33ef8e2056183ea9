"""AES-256-GCM for values (data keys) and for wrapping data keys (the master key).

Key bytes live only inside these objects: `repr` and `str` never show them.
"""

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from jingzhang.shared.privacy.errors import TamperedToken, WrongMasterKey

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16


class DataKey:
    """One data subject's key: seals and opens that person's values."""

    __slots__ = ("_aead", "_raw")

    def __init__(self, raw: bytes) -> None:
        if len(raw) != KEY_BYTES:
            raise ValueError(f"a data key is {KEY_BYTES} bytes")
        self._raw = raw
        self._aead = AESGCM(raw)

    @classmethod
    def generate(cls) -> "DataKey":
        return cls(os.urandom(KEY_BYTES))

    def seal(self, plaintext: bytes, aad: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)  # random 96-bit nonces: a person's key seals few values
        return nonce + self._aead.encrypt(nonce, plaintext, aad)

    def open(self, sealed: bytes, aad: bytes) -> bytes:
        try:
            return self._aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad)
        except (InvalidTag, ValueError):
            raise TamperedToken(
                "a personal value does not authenticate: altered, or sealed for another subject"
            ) from None

    def __repr__(self) -> str:
        return "DataKey(<hidden>)"

    __str__ = __repr__


class MasterKey:
    """The key-encryption key (KEYSTORE_MASTER_KEY): wraps data keys, each bound to its subject."""

    __slots__ = ("_aead",)

    def __init__(self, raw: bytes) -> None:
        if len(raw) != KEY_BYTES:
            raise ValueError(f"KEYSTORE_MASTER_KEY must be {KEY_BYTES} bytes, base64-encoded (got {len(raw)} bytes)")
        self._aead = AESGCM(raw)

    @classmethod
    def from_base64(cls, text: str) -> "MasterKey":
        try:
            raw = base64.b64decode(text.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("KEYSTORE_MASTER_KEY is not valid base64 (expected 32 random bytes)") from None
        return cls(raw)

    @staticmethod
    def new_base64() -> str:
        """A fresh master key in the form KEYSTORE_MASTER_KEY takes (for the local stack and tests)."""
        return base64.b64encode(os.urandom(KEY_BYTES)).decode()

    def wrap(self, key: DataKey, subject: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, key._raw, _wrap_aad(subject))

    def unwrap(self, wrapped: bytes, subject: str) -> DataKey:
        return DataKey(self.open(wrapped, _wrap_aad(subject)))

    def seal(self, plaintext: bytes, aad: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext, aad)

    def open(self, sealed: bytes, aad: bytes) -> bytes:
        try:
            return self._aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad)
        except (InvalidTag, ValueError):
            raise WrongMasterKey(
                "KEYSTORE_MASTER_KEY does not open the key store's keys: it was created with another master key"
            ) from None

    def __repr__(self) -> str:
        return "MasterKey(<hidden>)"

    __str__ = __repr__


def _wrap_aad(subject: str) -> bytes:
    # binds a wrapped key to its row: a key copied onto another subject's row does not open
    return f"jz-keystore:1:{subject}".encode()
