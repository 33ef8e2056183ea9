"""A reactor: appeals collected at forums (座谈会, recorded by the patrols service) are raised here once.

Each collected appeal carries a deterministic id (patrols' `collected_appeal_id`), and it is raised only if its
stream does not exist yet, in the same transaction as the reactor's checkpoint: a redelivery, a
retry or a second reactor instance records nothing new. Patrols' events are read through our own
tolerant reader (`upstream.patrols`).

A forum's appeals were received on the day the forum was held: at the moment patrols recorded the
forum if that was the same day, else at the end of that day (the latest moment they can have been
heard, so no chief is charged with time before it), and never before the enterprise was registered.
An enterprise not known here yet is no reason to wait: the appeal is held by the duty desk.
"""

import json
from dataclasses import replace
from datetime import datetime

import asyncpg
import structlog

from jingzhang.appeals.domain.calendar import bureau_day, day_end, day_start
from jingzhang.appeals.domain.commands import RaiseAppeal
from jingzhang.appeals.domain.intake import decide_raise
from jingzhang.appeals.domain.policy import DEFAULT_TIME_LIMITS, TimeLimits
from jingzhang.appeals.domain.state import APPEAL
from jingzhang.appeals.domain.time_limit_policy import POLICY_ID, TIME_LIMITS, TimeLimitSchedule
from jingzhang.appeals.domain.vocabulary import Category, Channel
from jingzhang.appeals.events import REGISTRY
from jingzhang.appeals.projections.chiefs import snapshot_in
from jingzhang.appeals.upstream.patrols import PRODUCER, READS, ForumHeld
from jingzhang.shared.aggregate import fold
from jingzhang.shared.envelope import Envelope, Metadata, NewEvent
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.projection import Apply, Projection, Source, Tx

log = structlog.get_logger(__name__)

ACTOR = "appeals:forum-intake"

# The reactor keeps no tables of its own: the event store is its memory.
SQL = "SELECT 1;"


def forum_commands(forum: ForumHeld, recorded_at: datetime) -> list[RaiseAppeal]:
    """The appeals a forum collected, as raise commands under the deterministic ids the event carries,
    received on the forum's day (patrols recorded the forum at `recorded_at`)."""
    received = forum_receipt(forum, recorded_at)
    return [
        RaiseAppeal(
            appeal_id=c.appeal_id,
            enterprise_id=c.enterprise_id,
            channel=Channel.FORUM,
            category=_category(c.category),
            description=c.description,
            raised_by=f"forum:{forum.forum_id}",
            received_at=received,
        )
        for c in forum.collected_appeals
    ]


def forum_receipt(forum: ForumHeld, recorded_at: datetime) -> datetime:
    """The recording, if on the forum's day; else the end of that day."""
    if forum.occurred_on is None or bureau_day(recorded_at) <= forum.occurred_on:
        return recorded_at
    return day_end(forum.occurred_on)


def _category(value: str) -> Category:
    """Patrols records the category as free text; anything outside the five direct services is `other`."""
    try:
        return Category(value)
    except ValueError:
        return Category.OTHER


def _apply(policy: TimeLimits) -> Apply:
    async def apply(tx: Tx, env: Envelope, payload: DomainEvent) -> None:
        match payload:
            case ForumHeld():
                for cmd in forum_commands(payload, env.occurred_at):
                    await _raise_once(tx, env, cmd, policy)
            case _:
                return

    return apply


async def _raise_once(tx: Tx, env: Envelope, cmd: RaiseAppeal, policy: TimeLimits) -> None:
    assert cmd.appeal_id is not None  # the forum's record names every appeal it collected
    stream = APPEAL.stream(cmd.appeal_id)
    exists = await tx.conn.fetchval(
        "SELECT 1 FROM es.events WHERE aggregate_type = $1 AND aggregate_id = $2 LIMIT 1",
        stream.aggregate_type,
        stream.aggregate_id,
    )
    if exists:
        log.info("forum_intake.already_raised", appeal_id=cmd.appeal_id)
        return
    # Domain time of the forum's record, so a retry decides exactly as the first try did: the chiefs too
    # are read as of it (a relief recorded for later leaves the appeal with the chief who held it then).
    now = env.occurred_at
    chiefs = await snapshot_in(tx.conn, cmd.enterprise_id, now)  # None: not known here yet, held at the duty desk
    if chiefs is not None and chiefs.registered_on is not None and cmd.received_at is not None:
        cmd = replace(cmd, received_at=max(cmd.received_at, day_start(chiefs.registered_on)))
    events = decide_raise(APPEAL.initial, cmd, now, chiefs, policy, await _schedule(tx.conn))
    meta = Metadata(actor=ACTOR, correlation_id=env.correlation_id, causation_id=env.event_id)
    await tx.append(stream, 0, [NewEvent(e, now) for e in events], meta)


async def _schedule(conn: asyncpg.Connection) -> TimeLimitSchedule:
    """The bureau's time limits as this service's store holds them, read in the reactor's transaction."""
    stream = TIME_LIMITS.stream(POLICY_ID)
    rows = await conn.fetch(
        "SELECT event_type, schema_version, data::text AS data FROM es.events"
        " WHERE aggregate_type = $1 AND aggregate_id = $2 ORDER BY version",
        stream.aggregate_type,
        stream.aggregate_id,
    )
    decoded = (REGISTRY.decode(r["event_type"], r["schema_version"], json.loads(r["data"])) for r in rows)
    return fold(TIME_LIMITS.evolve, TIME_LIMITS.initial, decoded)


def reactor(policy: TimeLimits) -> Projection:
    """The reactor raising with `policy`: the composition root's, from the settings."""
    return Projection(
        name="forum_intake",
        schema_sql=SQL,
        sources=(Source(PRODUCER, "activity"),),
        registry=READS,
        apply=_apply(policy),
        reactor=True,
        description="Raises each appeal collected at a forum exactly once",
    )


REACTOR = reactor(DEFAULT_TIME_LIMITS)
"""With the default time limits; the composition root builds it with the configured ones (`reactor`)."""
