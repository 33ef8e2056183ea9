"""Revoked access tokens: recorded as events by one service, honoured by every service within seconds.

The bureau revokes a token by its `jti` (`revocation_api`). The revocation is an event, `TokenRevoked`,
on a kernel-owned aggregate (`token_revocation`, one stream per token) of the service that records
revocations, `RECORDED_BY`: audited like any event (actor, time) and replayable. Every service keeps
its own copy as the kernel's `revocations` projection (schema `proj_revocations`, added to every
service by `build_app`, as `access` is by each root), reading that stream as any subscriber would, and
a `Denylist` in memory refreshed from it every second, which the token verifier consults.

A revocation lasts until the token expires anyway (`expires_at`); after that it is dropped from memory.
Tokens without a `jti` cannot be revoked (the local issuer always sets one).
"""

import asyncio
import contextlib
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg
import structlog
from pydantic import AwareDatetime

from jingzhang.shared.envelope import Envelope, Metadata, NewEvent, StreamId
from jingzhang.shared.errors import ConcurrencyError
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.projection import Projection, Source, Tx
from jingzhang.shared.readers import PublishedEvent, ReaderRegistry
from jingzhang.shared.store.postgres import PostgresEventStore

log = structlog.get_logger(__name__)

RECORDED_BY = "assignment"
"""The service that records revocations (it registers the scheme's people, and erases them too)."""
AGGREGATE = "token_revocation"
REFRESH_SECONDS = 1.0
LEEWAY = timedelta(seconds=30)
"""The verifier accepts a token up to 30 s past its `exp`: its revocation lasts as long."""


class TokenRevoked(DomainEvent):
    """The bureau revoked an access token: refuse it from now until it expires."""

    jti: str
    expires_at: AwareDatetime


class RevokedToken(PublishedEvent):
    """How every service's `revocations` projection reads `TokenRevoked` (a tolerant reader)."""

    event_type = "TokenRevoked"
    jti: str
    expires_at: AwareDatetime


READS = ReaderRegistry([RevokedToken])


def stream_of(jti: str) -> StreamId:
    """One stream per token; a jti may hold any character, a subject token may not: name it by a hash."""
    return StreamId(AGGREGATE, hashlib.blake2b(jti.encode(), digest_size=16).hexdigest())


SQL = """
CREATE TABLE IF NOT EXISTS revoked (
    jti         text PRIMARY KEY,
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz NOT NULL,
    revoked_by  text NOT NULL
);
CREATE INDEX IF NOT EXISTS revoked_until ON revoked (expires_at);
"""


async def apply(tx: Tx, env: Envelope, payload: DomainEvent) -> None:
    match payload:
        case RevokedToken(jti=jti, expires_at=expires_at):
            await tx.conn.execute(
                "INSERT INTO revoked VALUES ($1, $2, $3, $4) ON CONFLICT (jti) DO NOTHING",
                jti,
                expires_at,
                env.occurred_at,
                env.actor,
            )
        case _:
            pass


def revocations_projection() -> Projection:
    """A fresh copy of the projection, for `build_app`."""
    return Projection(
        name="revocations",
        schema_sql=SQL,
        sources=(Source(RECORDED_BY, AGGREGATE),),
        registry=READS,
        apply=apply,
        description="Revoked access tokens (by jti) until they expire, for the token verifier",
    )


class Denylist:
    """The revoked token ids this process refuses, refreshed from its `revocations` projection."""

    def __init__(self, now: Callable[[], datetime]) -> None:
        self._until: dict[str, datetime] = {}
        self._now = now

    def __contains__(self, jti: object) -> bool:
        until = self._until.get(jti) if isinstance(jti, str) else None
        return until is not None and until > self._now() - LEEWAY

    def add(self, jti: str, expires_at: datetime) -> None:
        """A revocation this process recorded itself: refused at once, before its event comes back."""
        self._until[jti] = expires_at

    async def refresh(self, pool: asyncpg.Pool) -> None:
        rows = await pool.fetch(
            "SELECT jti, expires_at FROM proj_revocations.revoked WHERE expires_at > $1", self._now() - LEEWAY
        )
        self._until = {row["jti"]: row["expires_at"] for row in rows}

    async def follow(self, pool: Callable[[], asyncpg.Pool], stop: asyncio.Event) -> None:
        """Refresh every second until `stop`; an outage keeps the last list (and says so)."""
        while not stop.is_set():
            try:
                await self.refresh(pool())
            except Exception as exc:  # the database away: keep refusing what we knew, try again
                log.warning("revocations.refresh_failed", error=type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), REFRESH_SECONDS)


@dataclass(frozen=True, slots=True)
class Revocation:
    jti: str
    expires_at: datetime
    revoked_at: datetime
    revoked_by: str
    already: bool = False
    """True when the token had been revoked before: the first revocation is kept."""

    @classmethod
    def of(cls, env: Envelope, already: bool) -> "Revocation":
        revoked = READS.decode(env.event_type, env.schema_version, env.data)
        assert isinstance(revoked, RevokedToken), f"{env.stream} holds {env.event_type}"
        return cls(revoked.jti, revoked.expires_at, env.occurred_at, env.actor, already)


async def revoke(
    store: PostgresEventStore, denylist: Denylist, jti: str, expires_at: datetime, at: datetime, meta: Metadata
) -> Revocation:
    """Record that `jti` is revoked (once: a second revocation returns the first) and refuse it here at once."""
    stream = stream_of(jti)
    for _ in range(2):
        if recorded := await store.read_stream(stream):
            return Revocation.of(recorded[0], already=True)
        try:
            await store.append(stream, 0, [NewEvent(TokenRevoked(jti=jti, expires_at=expires_at), at)], meta)
        except ConcurrencyError:
            continue  # revoked concurrently: read theirs
        denylist.add(jti, expires_at)
        return Revocation(jti, expires_at, at, meta.actor)
    raise ConcurrencyError(str(stream), 0, None)
