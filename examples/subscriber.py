"""A subscribing government system, in one file: reads jingzhang's events from JetStream.

Run it (nats-py only, no jingzhang import):

    python examples/subscriber.py --server nats://localhost:4222 --stream JZ_APPEALS \
        --subject 'jz.appeals.evt.>' --durable gov-archive --db archive.sqlite3 --max 100 --timeout 5

What it shows (see docs/subscribers.md):
- a durable pull consumer with explicit acks: after a crash or restart it resumes where it acked;
- deduplication by the CloudEvents `id`, recorded in the same SQLite transaction as the effect, so a
  redelivery or a republish (after JetStream's duplicate window) is applied once;
- per-aggregate order by `aggregateversion`: an event at or below the version already applied is stale;
- acking only after the effect is committed.
It stops after `--max` applied events, or when no message came for `--timeout` seconds.
"""

import argparse
import asyncio
import json
import sqlite3
import sys
from dataclasses import dataclass
from typing import Any

import nats
import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

SCHEMA = """
CREATE TABLE IF NOT EXISTS processed (event_id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS aggregate_version (aggregate TEXT PRIMARY KEY, version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS archive (event_id TEXT PRIMARY KEY, type TEXT, subject TEXT, time TEXT, data TEXT);
"""


@dataclass
class Options:
    server: str
    stream: str
    subject: str
    durable: str
    db: str
    max: int
    timeout: float
    batch: int
    inbox_prefix: str


def parse(argv: list[str]) -> Options:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--server", default="nats://localhost:4222")
    p.add_argument("--stream", default="JZ_APPEALS", help="JZ_ASSIGNMENT, JZ_APPEALS, JZ_PATROLS or JZ_EVALUATION")
    p.add_argument("--subject", default="jz.appeals.evt.>", help="a filter inside the stream's subjects")
    p.add_argument("--durable", default="gov-example", help="your consumer's name: keep it stable")
    p.add_argument("--db", default="subscriber.sqlite3", help="where processed ids and the effect live")
    p.add_argument("--max", type=int, default=100, help="stop after this many applied events")
    p.add_argument("--timeout", type=float, default=5.0, help="stop after this many idle seconds")
    p.add_argument("--batch", type=int, default=50)
    p.add_argument(
        "--inbox-prefix", default="_INBOX_external", help="the `external` NATS user receives replies only here"
    )
    return Options(**vars(p.parse_args(argv)))


class Archive:
    """The subscriber's own store: the effect and the processed id commit together, or not at all."""

    def __init__(self, path: str) -> None:
        self.db = sqlite3.connect(path)
        self.db.executescript(SCHEMA)

    def apply(self, event: dict[str, Any]) -> str:
        """Returns `applied`, `duplicate` (id seen) or `stale` (an older version of its aggregate)."""
        aggregate = f"{event['aggregatetype']}-{event['aggregateid']}"
        with self.db:  # one transaction
            if self.db.execute("SELECT 1 FROM processed WHERE event_id = ?", (event["id"],)).fetchone():
                return "duplicate"
            row = self.db.execute("SELECT version FROM aggregate_version WHERE aggregate = ?", (aggregate,)).fetchone()
            if row and int(event["aggregateversion"]) <= row[0]:
                return "stale"
            self.db.execute("INSERT INTO processed VALUES (?)", (event["id"],))
            self.db.execute(
                "INSERT INTO aggregate_version VALUES (?, ?)"
                " ON CONFLICT (aggregate) DO UPDATE SET version = excluded.version",
                (aggregate, int(event["aggregateversion"])),
            )
            self.db.execute(
                "INSERT INTO archive VALUES (?, ?, ?, ?, ?)",
                (event["id"], event["type"], event["subject"], event["time"], json.dumps(event["data"])),
            )
        return "applied"


async def consumer(js: JetStreamContext, opts: Options) -> JetStreamContext.PullSubscription:
    """Create the durable consumer once (idempotent with the same config), then bind to it."""
    config = ConsumerConfig(
        durable_name=opts.durable,
        filter_subject=opts.subject,
        ack_policy=AckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        ack_wait=30,
        max_deliver=20,
        max_ack_pending=opts.batch,
    )
    await js.add_consumer(opts.stream, config)
    return await js.pull_subscribe_bind(opts.durable, stream=opts.stream)


async def handle(msg: Msg, archive: Archive) -> str:
    if msg.headers and msg.headers.get("Content-Type") not in (None, "application/cloudevents+json"):
        await msg.term()  # not a CloudEvent: never retried
        return "refused"
    event = json.loads(msg.data)
    outcome = archive.apply(event)
    await msg.ack()  # only after the effect committed: a crash before this means a redelivery, deduplicated
    print(f"{outcome} {event['type']} {event['subject']} v{event['aggregateversion']} id={event['id']}", flush=True)
    return outcome


async def run(opts: Options) -> int:
    nc = await nats.connect(
        opts.server, connect_timeout=opts.timeout, max_reconnect_attempts=3, inbox_prefix=opts.inbox_prefix
    )
    archive = Archive(opts.db)
    applied = 0
    try:
        sub = await consumer(nc.jetstream(), opts)
        while applied < opts.max:
            try:
                msgs = await sub.fetch(min(opts.batch, opts.max - applied), timeout=opts.timeout)
            except (TimeoutError, nats.errors.TimeoutError):
                break  # idle for --timeout seconds
            for msg in msgs:  # one by one, in stream order: keeps each aggregate in order
                applied += await handle(msg, archive) == "applied"
    finally:
        await nc.close()
    print(f"done: {applied} applied", flush=True)
    return applied


def main(argv: list[str] | None = None) -> int:
    asyncio.run(run(parse(sys.argv[1:] if argv is None else argv)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
