"""Applies a batch of delivered events to one projection in one transaction, in order.

Shared by the live consumer and by replay. For every message it decides one outcome:

- APPLIED: projection updated, checkpoint moved (same transaction);
- DUPLICATE: its version is not above the stream's checkpoint: skipped and logged;
- PARKED: it failed too often (or can never be decoded), or an earlier event of its stream is
  parked: stored with the reason, and later events of the stream follow it into the park;
- DEFERRED: applying it failed for now (a transient failure): JetStream delivers it again after a
  growing backoff;
- WAITING: an earlier version of its stream has not been applied yet (out of order after a
  redelivery or a failover): delivered again shortly, at a fixed short delay, so that a stream's
  events fall back into order as soon as the missing one arrives.

Per-stream order is never broken: once one event of a stream is deferred or parked in a batch,
every later event of that stream in the batch is too.

Bad input on NATS never stops a consumer. A message that is not an event at all (not JSON, not a
jingzhang CloudEvent, an envelope that contradicts the subject it came on) belongs to no stream: it
is recorded in `_rejected` with the reason (outcome PARKED) and acked; a redelivery is recorded once.
A real event that cannot be applied belongs to its stream and parks with it: a payload that fails
its model's validation, an unknown event type, or a body over `max_event_bytes` (JetStream takes up
to 1 MiB; a projection takes 512 KiB unless configured otherwise: the HTTP edge refuses bodies over
256 KiB, and an event made from one, with its envelope and base64-sealed fields, stays below that).
Reasons name what is wrong, never the offending values, and the logs never carry a body.
"""

import enum
import json
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg
import structlog
from pydantic import ValidationError

from jingzhang.shared.envelope import Envelope, decode
from jingzhang.shared.errors import UnknownEventType
from jingzhang.shared.events import EventDecodeError
from jingzhang.shared.logging import bound_to
from jingzhang.shared.projection import BEGIN_APPLY, Applicable, Projection, Tx, stream_key
from jingzhang.shared.store.postgres import PostgresEventStore

log = structlog.get_logger(__name__)

MAX_EVENT_BYTES = 512 * 1024


class Outcome(enum.Enum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    PARKED = "parked"
    DEFERRED = "deferred"
    WAITING = "waiting"


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message as delivered: the subject it was published on, its body, and where it sits in the
    service stream (`<stream>:<sequence>`), which identifies a rejected message across redeliveries."""

    subject: str
    body: bytes
    origin: str | None = None


@dataclass(slots=True)
class _Item:
    delivery: Delivery
    env: Envelope | None
    key: str
    error: str | None
    """Why the event cannot be applied although it names its stream (it parks with the stream)."""
    rejected: str | None = None
    """Why the message is no event at all (it is recorded in `_rejected`)."""


class ApplyFailed(Exception):
    """Raised in the fast path (no savepoints) so the batch is retried one event at a time."""


@dataclass
class Applier:
    projection: Projection
    store: PostgresEventStore | None
    max_failures: int = 5
    replaying: bool = False
    schema: str | None = None
    park_immediately: bool = False
    """No redelivery will come (replay, retry of parked events): park instead of deferring."""
    max_event_bytes: int = MAX_EVENT_BYTES

    @property
    def target_schema(self) -> str:
        return self.schema or self.projection.schema

    async def apply_batch(self, conn: asyncpg.Connection, batch: Sequence[Delivery]) -> list[Outcome]:
        """Apply `batch` in one transaction; a fast pass first, then one savepoint per event on failure."""
        return await self.apply_decoded(conn, self.decode(batch))

    def decode(self, batch: Sequence[Delivery]) -> list["_Item"]:
        """The envelopes of a batch, decoded once for every projection of a consumer group."""
        return [_decode(d, self.max_event_bytes) for d in batch]

    async def apply_decoded(self, conn: asyncpg.Connection, items: list["_Item"]) -> list[Outcome]:
        """`apply_batch` for a batch already decoded (items are only read, so groups share them)."""
        try:
            async with conn.transaction():
                outcomes = await self._run(conn, items, careful=False)
        except ApplyFailed:
            async with conn.transaction():
                outcomes = await self._run(conn, items, careful=True)
        self._log_rejected(items)
        return outcomes

    async def apply_joined(self, conn: asyncpg.Connection, items: list["_Item"]) -> list[Outcome]:
        """The fast pass of `apply_decoded` inside a transaction the caller holds (a consumer group's,
        shared by its projections); raises `ApplyFailed` when an event fails, so the caller rolls the
        whole transaction back and applies projection by projection. Call `applied_joined` once the
        caller's transaction committed."""
        return await self._run(conn, items, careful=False)

    def applied_joined(self, items: list["_Item"]) -> None:
        """After the caller's commit: what `apply_decoded` does after its own."""
        self._log_rejected(items)

    def _log_rejected(self, items: list[_Item]) -> None:
        """After the commit, so a batch retried one event at a time warns once; never with the body."""
        for item in (i for i in items if i.rejected is not None):
            log.warning(
                "projection.message_rejected",
                projection=self.projection.name,
                subject=item.delivery.subject,
                origin=item.delivery.origin,
                size=len(item.delivery.body),
                reason=item.rejected,
            )

    async def _run(self, conn: asyncpg.Connection, items: list[_Item], *, careful: bool) -> list[Outcome]:
        # one round trip for the lock, the search path and the streams' state: a batch is often one event
        events = [i for i in items if i.rejected is None]
        keys = sorted({i.key for i in events})
        tracked, parked = await _begin(conn, self.projection.lock_key, self.target_schema, keys)
        failures = await _failures(conn, [i.env.event_id for i in events if i.env]) if careful else {}
        blocked: set[str] = set()
        outcomes: list[Outcome] = []
        moved: dict[str, Envelope] = {}
        gathered: list[Applicable] | None = [] if self.projection.apply_many and not careful else None
        for item in items:
            if item.rejected is not None:
                outcomes.append(await self._reject(conn, item, item.rejected))
                continue
            outcome = await self._one(conn, item, tracked, parked, blocked, failures, careful, gathered)
            if outcome is Outcome.APPLIED and item.env is not None:
                tracked[item.key] = item.env.version
                moved[item.key] = item.env
            outcomes.append(outcome)
        if gathered and self.projection.apply_many is not None:
            try:  # set-based, once for the batch; on failure the careful pass applies event by event
                await self.projection.apply_many(Tx(conn, self.store, replaying=self.replaying), gathered)
            except Exception as exc:
                raise ApplyFailed from exc
        await _save_tracking(conn, moved)
        return outcomes

    async def _one(
        self,
        conn: asyncpg.Connection,
        item: _Item,
        tracked: dict[str, int],
        parked: set[str],
        blocked: set[str],
        failures: dict[object, int],
        careful: bool,
        gathered: list[Applicable] | None = None,
    ) -> Outcome:
        env = item.env
        if env is None or item.key in parked:
            return await self._park(conn, item, parked, "an earlier event of its stream is parked")
        if item.key in blocked:
            return await self._defer(conn, item, parked, "an earlier event of its stream was not applied")
        last = tracked.get(item.key, 0)
        if env.version <= last:
            log.info(
                "projection.duplicate_skipped",
                projection=self.projection.name,
                key=item.key,
                version=env.version,
                applied=last,
            )
            return Outcome.DUPLICATE
        if env.version > last + 1:
            blocked.add(item.key)
            return await self._defer(conn, item, parked, f"version {env.version} arrived after {last}")
        if item.error:
            return await self._park(conn, item, parked, item.error)
        return await self._apply(conn, item, env, parked, blocked, failures, careful, gathered)

    async def _apply(
        self,
        conn: asyncpg.Connection,
        item: _Item,
        env: Envelope,
        parked: set[str],
        blocked: set[str],
        failures: dict[object, int],
        careful: bool,
        gathered: list[Applicable] | None = None,
    ) -> Outcome:
        tx = Tx(conn, self.store, replaying=self.replaying)
        try:
            payload = env.payload(self.projection.registry)
        except (EventDecodeError, UnknownEventType) as exc:
            if not careful:
                raise ApplyFailed from exc
            return await self._park(conn, item, parked, f"cannot decode: {describe(exc)}")
        if gathered is not None:  # applied set-based after the loop (`apply_many`)
            gathered.append((env, payload))
            return Outcome.APPLIED
        if not careful:
            try:
                with bound_to(env):
                    await self.projection.apply(tx, env, payload)
            except Exception as exc:
                raise ApplyFailed from exc
            return Outcome.APPLIED
        try:
            with bound_to(env):
                async with conn.transaction():
                    await self.projection.apply(tx, env, payload)
        except Exception as exc:
            return await self._failed(conn, item, env, exc, parked, blocked, failures)
        return Outcome.APPLIED

    async def _failed(
        self,
        conn: asyncpg.Connection,
        item: _Item,
        env: Envelope,
        exc: Exception,
        parked: set[str],
        blocked: set[str],
        failures: dict[object, int],
    ) -> Outcome:
        attempts = failures.get(env.event_id, 0) + 1
        error = f"{type(exc).__name__}: {exc}"
        log.warning(
            "projection.apply_failed",
            projection=self.projection.name,
            key=item.key,
            version=env.version,
            attempts=attempts,
            error=error,
        )
        if self.replaying or self.park_immediately or attempts >= self.max_failures:
            return await self._park(conn, item, parked, error)
        await conn.execute(
            "INSERT INTO _failures (event_id, attempts, last_error) VALUES ($1, $2, $3)"
            " ON CONFLICT (event_id) DO UPDATE SET attempts = $2, last_error = $3, updated_at = clock_timestamp()",
            env.event_id,
            attempts,
            error,
        )
        blocked.add(item.key)
        return Outcome.DEFERRED

    async def _defer(self, conn: asyncpg.Connection, item: _Item, parked: set[str], reason: str) -> Outcome:
        if self.replaying or self.park_immediately:
            return await self._park(conn, item, parked, reason)
        return Outcome.WAITING

    async def _park(self, conn: asyncpg.Connection, item: _Item, parked: set[str], reason: str) -> Outcome:
        version = item.env.version if item.env else 0
        await conn.execute(
            "INSERT INTO _parked (stream_key, version, event_id, subject, body, error)"
            " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (stream_key, version) DO NOTHING",
            item.key,
            version,
            item.env.event_id if item.env else None,
            item.delivery.subject,
            item.delivery.body,
            reason,
        )
        if item.key not in parked:
            await conn.execute(
                "INSERT INTO _parked_streams (stream_key, reason) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                item.key,
                reason,
            )
            parked.add(item.key)
            log.error(
                "projection.stream_parked",
                projection=self.projection.name,
                key=item.key,
                version=version,
                reason=reason,
            )
        return Outcome.PARKED

    async def _reject(self, conn: asyncpg.Connection, item: _Item, reason: str) -> Outcome:
        size = len(item.delivery.body)
        await conn.execute(
            "INSERT INTO _rejected (origin, subject, size, body, error) VALUES ($1, $2, $3, $4, $5)"
            " ON CONFLICT (origin) DO NOTHING",
            item.delivery.origin,
            item.delivery.subject,
            size,
            item.delivery.body if size <= self.max_event_bytes else None,
            reason,
        )
        return Outcome.PARKED


def _decode(delivery: Delivery, max_bytes: int) -> _Item:
    size = len(delivery.body)
    over = f"oversized: {size} bytes, over the limit of {max_bytes}" if size > max_bytes else None
    try:
        env = decode(delivery.body)
    except Exception as exc:  # malformed on the wire: record it, never crash
        reason = f"not an event: {describe(exc)}"
        return _Item(delivery, None, "", None, f"{over}; {reason}" if over else reason)
    wrong = _contradiction(env, delivery.subject)
    if wrong:
        return _Item(delivery, None, "", None, f"not an event: {wrong}")
    return _Item(delivery, env, stream_key(env), over)


def _contradiction(env: Envelope, subject: str) -> str | None:
    """A decoded envelope must be the event its subject announces."""
    if env.version < 1:
        return f"aggregateversion {env.version} is below 1"
    if env.subject != subject:
        return f"the envelope names {env.subject}, not the subject it came on"
    return None


def describe(exc: BaseException) -> str:
    """What is wrong with a message, for the park and the logs: never the offending values, which may
    be personal data (pydantic's messages quote the input)."""
    cause = exc.__cause__
    if isinstance(cause, ValidationError):
        problems = "; ".join(
            f"{'.'.join(str(part) for part in e['loc']) or 'data'}: {e['msg']}"
            for e in cause.errors(include_url=False, include_input=False, include_context=False)
        )
        return f"{str(exc).split(':', 1)[0]}: {problems}"
    if isinstance(exc, json.JSONDecodeError):
        return f"not JSON ({exc.msg} at byte {exc.pos})"
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text (byte {exc.start})"
    if isinstance(exc, KeyError):
        return f"missing attribute {exc.args[0]!r}"
    return f"{type(exc).__name__}: {exc}"


async def _begin(
    conn: asyncpg.Connection, lock_key: int, schema: str, keys: list[str]
) -> tuple[dict[str, int], set[str]]:
    """The projection's lock and search path for this transaction, then each stream's applied version
    and whether it is parked (`projection.BEGIN_APPLY_SQL`, which `install` creates)."""
    rows = await conn.fetch(f"SELECT * FROM {BEGIN_APPLY}($1, $2, $3)", lock_key, schema, keys)
    return {r["stream_key"]: r["version"] for r in rows if not r["parked"]}, {
        r["stream_key"] for r in rows if r["parked"]
    }


async def _failures(conn: asyncpg.Connection, ids: list[object]) -> dict[object, int]:
    rows = await conn.fetch("SELECT event_id, attempts FROM _failures WHERE event_id = ANY($1::uuid[])", ids)
    return {r["event_id"]: r["attempts"] for r in rows}


async def _save_tracking(conn: asyncpg.Connection, moved: dict[str, Envelope]) -> None:
    if not moved:
        return
    await conn.execute(
        "INSERT INTO _tracking (stream_key, version, event_id)"
        " SELECT * FROM unnest($1::text[], $2::int[], $3::uuid[])"
        " ON CONFLICT (stream_key) DO UPDATE SET version = EXCLUDED.version, event_id = EXCLUDED.event_id,"
        " applied_at = clock_timestamp()",
        list(moved),
        [e.version for e in moved.values()],
        [e.event_id for e in moved.values()],
    )
