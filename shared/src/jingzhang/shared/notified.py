"""A cache that is on only while it listens: values remembered for a few seconds, forgotten the moment a
PostgreSQL notice about them commits anywhere.

The key store's keys (`privacy.cache`) and patrols' subjects (`patrols.projections.subjects`) are read
on every command, mostly for the same few people a moment apart. What the database answered is kept
for `seconds`, and only while this process holds one of its pool's connections listening on `channel`:
whatever changes a kept value notifies the channel in the transaction that changes it, so every
listening process forgets it when that transaction commits. With the listening connection lost the
cache is emptied and left off until it listens again; an answer read before the last notice (or before
listening began or was lost) is never kept (`generation`). `seconds` bounds a value's life should a
notice ever go astray while listening (a process of an older build changing a value without notifying).
"""

import asyncio
import contextlib
import time
from collections.abc import Callable, Collection, Hashable, Mapping
from typing import Any, Generic, TypeVar

import asyncpg
import structlog

from jingzhang.shared import sessions

log = structlog.get_logger(__name__)

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

RETRY_SECONDS = 5.0
"""After a lost listening connection, how long until the next attempt to listen again (`listen_again`)."""


class NotifiedCache(Generic[K, V]):
    """Key -> (taken until, value), on while listening on `channel`; `key_of` reads a notice's payload
    (None: a notice this build does not read, so everything is forgotten rather than guessed at)."""

    def __init__(
        self,
        channel: str,
        key_of: Callable[[str], K | None],
        *,
        seconds: float,
        most: int,
        name: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.channel = channel
        self.seconds = seconds
        self.most = most
        self.name = name
        """Names the cache in log events (`<name>.cache_off`)."""
        self._key_of = key_of
        self._clock = clock
        self._entries: dict[K, tuple[float, V]] = {}
        self._generation = 0
        self._pool: asyncpg.Pool | None = None
        self._listener: Any = None  # the pool's connection holding LISTEN
        self._retry_at = 0.0

    @property
    def on(self) -> bool:
        return _alive(self._listener)

    @property
    def listener_pid(self) -> int | None:
        """The PostgreSQL backend holding LISTEN, while on."""
        return int(self._listener.get_server_pid()) if self.on else None

    @property
    def generation(self) -> int:
        """Changes with every notice and every start or loss of listening: an answer read before a change
        is not kept (what it holds may have changed meanwhile)."""
        return self._generation

    def get(self, keys: Collection[K]) -> tuple[dict[K, V], list[K]]:
        """What is remembered of `keys`, and the ones to ask the database for."""
        if not self.on:
            return {}, list(keys)
        now, found, missing = self._clock(), {}, []
        for key in keys:
            entry = self._entries.get(key)
            if entry is not None and now < entry[0]:
                found[key] = entry[1]
            else:
                missing.append(key)
        return found, missing

    def put(self, values: Mapping[K, V], generation: int) -> None:
        """Remember what the database answered, if nothing was notified (nor listening changed) since it
        was asked (`generation` as it was then); the oldest is forgotten first beyond `most`."""
        if not self.on or generation != self._generation:
            return
        until = self._clock() + self.seconds
        for key, value in values.items():
            self._entries.pop(key, None)
            if len(self._entries) >= self.most:
                del self._entries[next(iter(self._entries))]
            self._entries[key] = (until, value)

    def forget(self, key: K) -> None:
        self._generation += 1
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._generation += 1
        self._entries.clear()

    async def listen(self, pool: asyncpg.Pool) -> None:
        """Hold one of `pool`'s connections listening on the channel; the cache is on from here."""
        self._pool = pool
        conn = await pool.acquire()
        try:
            sessions.holds_session_state(conn)  # LISTEN outlives a transaction: reset it when released
            await conn.add_listener(self.channel, self._notified)
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
        except Exception as exc:  # the database answers (or fails) without the cache
            log.warning(f"{self.name}.cache_off", error=repr(exc))

    async def close(self) -> None:
        listener, self._listener = self._listener, None
        self.clear()
        if self._pool is not None and _alive(listener):
            listener.remove_termination_listener(self._lost)
            with contextlib.suppress(asyncpg.PostgresError, OSError):
                await listener.remove_listener(self.channel, self._notified)  # UNLISTEN: the pool need not reset it
            await self._pool.release(listener)

    def _notified(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        key = self._key_of(payload)
        if key is None:
            self.clear()
        else:
            self.forget(key)

    def _lost(self, _conn: object) -> None:
        self._listener = None
        self.clear()
        log.warning(f"{self.name}.cache_off", error=f"the connection listening on {self.channel} was lost")


def _alive(listener: Any) -> bool:
    """Whether the listening connection is still open. A connection the server drops is given back to its
    pool by asyncpg at once, and the termination listener (`_lost`) runs a moment later: in between, the
    proxy we hold refuses every call (`InterfaceError`, "released back to the pool"), which means lost."""
    if listener is None:
        return False
    try:
        return not listener.is_closed()
    except asyncpg.InterfaceError:
        return False
