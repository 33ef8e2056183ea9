"""AES-256-GCM for values (data keys) and for wrapping data keys (the master key).

Key bytes live only inside these objects: `repr` and `str` never show them.
"""

import base64
import binascii
import hashlib
import os
import re
from collections.abc import Iterator, Sequence

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


KEY_ID_PATTERN = re.compile(r"^[0-9a-f]{16}$")


class MasterKey:
    """The key-encryption key (KEYSTORE_MASTER_KEY): wraps data keys, each bound to its subject.

    `key_id` names it without revealing it (a hash of the key, domain-separated): the key store
    records which master key wrapped each data key, so several can be in use during a rotation."""

    __slots__ = ("_aead", "key_id")

    def __init__(self, raw: bytes, setting: str = "KEYSTORE_MASTER_KEY") -> None:
        if len(raw) != KEY_BYTES:
            raise ValueError(f"{setting} must be {KEY_BYTES} bytes, base64-encoded (got {len(raw)} bytes)")
        self._aead = AESGCM(raw)
        self.key_id = hashlib.sha256(b"jz-master-key-id:1:" + raw).hexdigest()[:16]

    @classmethod
    def from_base64(cls, text: str, setting: str = "KEYSTORE_MASTER_KEY") -> "MasterKey":
        try:
            raw = base64.b64decode(text.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"{setting} is not valid base64 (expected 32 random bytes)") from None
        return cls(raw, setting)

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
        return f"MasterKey(id={self.key_id}, <hidden>)"

    __str__ = __repr__


class MasterKeyRing:
    """The master key that wraps new data keys, and the others still accepted for unwrapping them
    (the previous ones, while a rotation re-wraps every data key under the current one)."""

    __slots__ = ("_by_id", "current")

    def __init__(self, current: MasterKey, others: Sequence[MasterKey] = ()) -> None:
        self.current = current
        self._by_id = {key.key_id: key for key in (current, *others)}

    @classmethod
    def of(cls, keys: "MasterKey | MasterKeyRing") -> "MasterKeyRing":
        return keys if isinstance(keys, MasterKeyRing) else cls(keys)

    @classmethod
    def from_settings(cls, current: str, previous: str = "") -> "MasterKeyRing":
        """KEYSTORE_MASTER_KEY and KEYSTORE_PREVIOUS_MASTER_KEYS (comma-separated) as the settings hold them."""
        others = [
            MasterKey.from_base64(text, f"KEYSTORE_PREVIOUS_MASTER_KEYS (key {n})")
            for n, text in enumerate((t for t in previous.split(",") if t.strip()), start=1)
        ]
        return cls(MasterKey.from_base64(current), others)

    def get(self, key_id: str) -> MasterKey | None:
        return self._by_id.get(key_id)

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(self._by_id)

    def __iter__(self) -> Iterator[MasterKey]:
        """The current key first, then the others."""
        return iter(self._by_id.values())

    def __repr__(self) -> str:
        return f"MasterKeyRing(current={self.current.key_id}, ids={sorted(self._by_id)})"


def _wrap_aad(subject: str) -> bytes:
    # binds a wrapped key to its row: a key copied onto another subject's row does not open
    return f"jz-keystore:1:{subject}".encode()
