"""Data keys remembered for a few seconds, forgotten the moment an erasure commits anywhere.

Sealing a command's personal data and revealing a response ask the key store for the keys of the
people they name: one round trip each, mostly for people it answered for a moment before. The cache
keeps what the store answered for `seconds`, and only while this process listens on the store's
erasure channel: `erase_subject` notifies it in the erasing transaction, so every listening process
forgets the key when the erasure commits. With the listening connection lost the cache is emptied and
left off until it listens again; an answer read before the last erasure notice is never kept.
"""

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from jingzhang.shared.notified import NotifiedCache

if TYPE_CHECKING:
    from jingzhang.shared.privacy.keystore import KeyState  # noqa: F401 (in a string: keystore imports this module)

CHANNEL = "jz_keystore_erased"
"""Where `erase_subject` announces an erased subject (the payload), to every process caching keys."""
SECONDS = 10.0
"""How long a key is taken from memory: a bound should a notice ever go astray while listening."""
MOST = 10_000
"""How many subjects are remembered; the oldest is forgotten first."""


class KeyCache(NotifiedCache[str, "KeyState"]):
    """Subject -> key or tombstone, for the `PostgresKeyStore` it is given to (see `notified`)."""

    def __init__(self, seconds: float = SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(CHANNEL, _subject, seconds=seconds, most=MOST, name="keystore", clock=clock)


def _subject(payload: str) -> str:
    return payload
