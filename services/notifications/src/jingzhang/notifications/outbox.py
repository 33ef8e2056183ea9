"""The outbox the dispatch reactor writes and the delivery worker drains (`proj_dispatch.outbox`).

A sender claims due messages (released from quiet hours by the service's clock, past their retry
time by the wall clock) for a lease and commits the claim before it sends. A claim still standing
when a later sender finds the message (its sender died mid-delivery) marks it `interrupted`: the
first attempt may have reached the channel, so its delivery is recorded as possibly duplicated
unless the channel honours an idempotency key. Every outcome is written with its event, in one
transaction: `NotificationSent`, `NotificationFailed` (dead letter) or a retry time.
"""

import json
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from jingzhang.notifications.domain.vocabulary import Channel, MessageKind
from jingzhang.notifications.reactors.dispatch import NAMES, OUTBOX, ROBOT_SENDS


@dataclass(frozen=True, slots=True)
class Claimed:
    notification_id: str
    channel: Channel
    kind: MessageKind
    recipient: str
    enterprise_id: str | None
    ref: str
    variables: dict[str, str]
    attempts: int
    interrupted: bool


async def claim(pool: asyncpg.Pool, now: datetime, limit: int, lease: float) -> list[Claimed]:
    """Due messages, urgent first, each claimed for `lease` seconds and its attempt counted.

    Due by `now` (the service's clock) or by the latest event a message was decided from, whichever
    is later: the world has reached that time even if this service's clock was not moved there (a
    demo driving the other services' clocks), so quiet hours end when the events say it is morning."""
    rows = await pool.fetch(
        f"""
        WITH due AS (
            SELECT notification_id, channel FROM {OUTBOX}
            WHERE state = 'pending' AND retry_at <= clock_timestamp()
              AND release_at <= greatest($1, (SELECT max(decided_at) FROM {OUTBOX}))
              AND (claimed_until IS NULL OR claimed_until < clock_timestamp())
            ORDER BY urgent DESC, release_at, notification_id
            LIMIT $2 FOR UPDATE SKIP LOCKED
        )
        UPDATE {OUTBOX} o SET attempts = o.attempts + 1,
            interrupted = o.interrupted OR o.claimed_until IS NOT NULL,
            claimed_until = clock_timestamp() + make_interval(secs => $3)
        FROM due WHERE o.notification_id = due.notification_id AND o.channel = due.channel
        RETURNING o.*, (SELECT name FROM {NAMES} e WHERE e.enterprise_id = o.enterprise_id) AS name
        """,
        now,
        limit,
        lease,
    )
    return [
        Claimed(
            notification_id=str(r["notification_id"]),
            channel=Channel(r["channel"]),
            kind=MessageKind(r["kind"]),
            recipient=r["recipient"],
            enterprise_id=r["enterprise_id"],
            ref=r["ref"],
            variables=json.loads(r["variables"]) | {"enterprise": r["name"] or r["enterprise_id"] or ""},
            attempts=r["attempts"],
            interrupted=r["interrupted"],
        )
        for r in rows
    ]


async def robot_sends_within(pool: asyncpg.Pool, enterprise_id: str, window: float) -> tuple[int, float]:
    """Messages sent to the group's robot in the last `window` seconds, and when the oldest leaves it."""
    row = await pool.fetchrow(
        f"SELECT count(*) AS n, extract(epoch FROM min(sent_at) + make_interval(secs => $2) - clock_timestamp())"
        f" AS wait FROM {ROBOT_SENDS} WHERE enterprise_id = $1 AND sent_at > clock_timestamp()"
        " - make_interval(secs => $2)",
        enterprise_id,
        window,
    )
    assert row is not None
    return int(row["n"]), max(float(row["wait"] or 0.0), 0.0)


async def mark_sent(conn: asyncpg.Connection, item: Claimed) -> None:
    await conn.execute(
        f"UPDATE {OUTBOX} SET state = 'sent', claimed_until = NULL, finished_at = clock_timestamp()"
        " WHERE notification_id = $1::uuid AND channel = $2",
        item.notification_id,
        item.channel.value,
    )
    if item.channel is Channel.WECOM and item.enterprise_id is not None:
        await conn.execute(f"INSERT INTO {ROBOT_SENDS} VALUES ($1, clock_timestamp())", item.enterprise_id)


async def mark_dead(conn: asyncpg.Connection, item: Claimed, reason: str) -> None:
    await conn.execute(
        f"UPDATE {OUTBOX} SET state = 'dead', claimed_until = NULL, last_error = $3, finished_at = clock_timestamp()"
        " WHERE notification_id = $1::uuid AND channel = $2",
        item.notification_id,
        item.channel.value,
        reason,
    )


async def retry_later(pool: asyncpg.Pool, item: Claimed, after: float, reason: str, *, held: bool) -> None:
    """Back to pending after `after` seconds; a hold by a rate limit is no failed attempt."""
    await pool.execute(
        f"UPDATE {OUTBOX} SET claimed_until = NULL, last_error = $3,"
        " retry_at = clock_timestamp() + make_interval(secs => $4),"
        " attempts = attempts - CASE WHEN $5 THEN 1 ELSE 0 END, held = held + CASE WHEN $5 THEN 1 ELSE 0 END"
        " WHERE notification_id = $1::uuid AND channel = $2",
        item.notification_id,
        item.channel.value,
        reason,
        after,
        held,
    )


async def summary(pool: asyncpg.Pool) -> dict[str, dict[str, int]]:
    """Per channel: messages pending, sent, dead, held back by rate limits, interrupted mid-delivery."""
    rows = await pool.fetch(
        f"SELECT channel, count(*) FILTER (WHERE state = 'pending') AS pending,"
        " count(*) FILTER (WHERE state = 'sent') AS sent, count(*) FILTER (WHERE state = 'dead') AS dead,"
        " coalesce(sum(held), 0) AS held, count(*) FILTER (WHERE interrupted) AS interrupted"
        f" FROM {OUTBOX} GROUP BY channel"
    )
    return {r["channel"]: {k: int(r[k]) for k in ("pending", "sent", "dead", "held", "interrupted")} for r in rows}
