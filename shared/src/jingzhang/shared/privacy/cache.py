"""Data keys remembered for a few seconds, forgotten the moment an erasure commits anywhere.

Sealing a command's personal data and revealing a response ask the key store for the keys of the
people they name: one round trip each, mostly for people it answered for a moment before. The cache
keeps what the store answered for `seconds`, and only while this process listens on the store's
erasure channel: `erase_subject` notifies it in the erasing transaction, so every listening process
forgets the key when the erasure commits. With the listening connection lost the cache is emptied and
left off until it listens again; an answer read before the last erasure notice is never kept.
"""

import asyncio
import time
from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, Any

import asyncpg
import structlog

from jingzhang.shared import sessions

if TYPE_CHECKING:
    from jingzhang.shared.privacy.keystore import KeyState

log = structlog.get_logger(__name__)

CHANNEL = "jz_keystore_erased"
"""Where `erase_subject` announces an erased subject (the payload), to every process caching keys."""
SECONDS = 10.0
"""How long a key is taken from memory: a bound should a notice ever go astray while listening."""
MOST = 10_000
"""How many subjects are remembered; the oldest is forgotten first."""
RETRY_SECONDS = 5.0
"""After a lost listening connection, how long until the next attempt to listen again."""


class KeyCache:
    """Subject -> (taken until, key or tombstone), for the `PostgresKeyStore` it is given to."""

    def __init__(self, seconds: float = SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._entries: dict[str, tuple[float, KeyState]] = {}
        self._generation = 0
        self._pool: asyncpg.Pool | None = None
        self._listener: Any = None  # the pool's connection holding LISTEN
        self._retry_at = 0.0

    @property
    def on(self) -> bool:
        return self._listener is not None and not self._listener.is_closed()

    @property
    def generation(self) -> int:
        """Changes with every erasure notice and every start or loss of listening: an answer read
        before a change is not kept (it may hold a key erased meanwhile)."""
        return self._generation

    def get(self, subjects: Collection[str]) -> tuple[dict[str, "KeyState"], list[str]]:
        """What is remembered of `subjects`, and the ones to ask the store for."""
        if not self.on:
            return {}, list(subjects)
        now, found, missing = self._clock(), {}, []
        for subject in subjects:
            entry = self._entries.get(subject)
            if entry is not None and now < entry[0]:
                found[subject] = entry[1]
            else:
                missing.append(subject)
        return found, missing

    def put(self, states: Mapping[str, "KeyState"], generation: int) -> None:
        """Remember what the store answered, if nothing was erased since it was asked (`generation`)."""
        if not self.on or generation != self._generation:
            return
        until = self._clock() + self.seconds
        for subject, state in states.items():
            self._entries.pop(subject, None)
            if len(self._entries) >= MOST:
                del self._entries[next(iter(self._entries))]
            self._entries[subject] = (until, state)

    def forget(self, subject: str) -> None:
        self._generation += 1
        self._entries.pop(subject, None)

    def clear(self) -> None:
        self._generation += 1
        self._entries.clear()

    async def listen(self, pool: asyncpg.Pool) -> None:
        """Hold one of `pool`'s connections listening for erasures; the cache is on from here."""
        self._pool = pool
        conn = await pool.acquire()
        try:
            sessions.holds_session_state(conn)  # LISTEN outlives a transaction: reset it when released
            await conn.add_listener(CHANNEL, self._erased)
            conn.add_termination_listener(self._lost)
        except BaseException:
            await pool.release(conn)
            raise
        self._listener = conn
        self.clear()  # nothing read before listening is kept

    async def listen_again(self) -> None:
        """After a lost connection: try to listen again, at most once per `RETRY_SECONDS`."""
        if self._pool is None or self.on or self._clock() < self._retry_at:
            return
        self._retry_at = self._clock() + RETRY_SECONDS
        try:
            await asyncio.wait_for(self.listen(self._pool), RETRY_SECONDS)
        except Exception as exc:  # the store itself answers (or fails) without the cache
            log.warning("keystore.cache_off", error=repr(exc))

    async def close(self) -> None:
        listener, self._listener = self._listener, None
        self.clear()
        if listener is not None and self._pool is not None and not listener.is_closed():
            listener.remove_termination_listener(self._lost)
            await listener.remove_listener(CHANNEL, self._erased)  # UNLISTEN: the pool need not reset it
            await self._pool.release(listener)

    def _erased(self, _conn: object, _pid: int, _channel: str, subject: str) -> None:
        self.forget(subject)

    def _lost(self, _conn: object) -> None:
        self._listener = None
        self.clear()
        log.warning("keystore.cache_off", error="the connection listening for erasures was lost")
