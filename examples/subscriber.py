"""A subscribing government system, in one file: reads jingzhang's events from JetStream with FastStream.

Run it (FastStream and nats-py only, no jingzhang import):

    python examples/subscriber.py --server nats://localhost:4222 --stream JZ_APPEALS \
        --subject 'jz.appeals.evt.>' --durable gov-archive --db archive.sqlite3 --max 100 --timeout 5

What it shows (see docs/subscribers.md):
- FastStream with a safe ack policy: `NACK_ON_ERROR`, so a handler that fails hands the message back to
  JetStream for redelivery (FastStream's default, `REJECT_ON_ERROR`, would terminate it: never again);
  one message at a time (`PullSub(batch_size=1)`), in stream order, so each aggregate stays in order;
  the stream is only bound, never declared (`JStream(declare=False)`: FastStream would otherwise
  rewrite a stream whose settings differ from its own);
- a durable pull consumer with explicit acks: after a crash or restart it resumes where it acked;
- deduplication by the CloudEvents `id`, recorded in the same SQLite transaction as the effect, so a
  redelivery or a republish (after JetStream's duplicate window) is applied once;
- per-aggregate order by `aggregateversion`: an event at or below the version already applied is stale;
- acking only after the effect is committed (the handler returns, then FastStream acks).
It stops after `--max` applied events, or when no event was handled for `--timeout` seconds.
"""

import argparse
import asyncio
import json
import sqlite3
import sys
import time
from dataclasses import dataclass
from typing import Any

from faststream import AckPolicy
from faststream.nats import JStream, NatsBroker, NatsMessage, PullSub
from nats.js.api import ConsumerConfig, DeliverPolicy

SCHEMA = """
CREATE TABLE IF NOT EXISTS processed (event_id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS aggregate_version (aggregate TEXT PRIMARY KEY, version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS archive (event_id TEXT PRIMARY KEY, type TEXT, subject TEXT, time TEXT, data TEXT);
"""
CLOUDEVENTS = "application/cloudevents+json"
RETRY_DELAY = 1.0
"""Seconds before a failed event comes back: never given up on (`max_deliver=-1`), never hot-looped."""


@dataclass
class Options:
    server: str
    stream: str
    subject: str
    durable: str
    db: str
    max: int
    timeout: float
    ack_wait: float
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
    p.add_argument(
        "--ack-wait",
        type=float,
        default=30.0,
        help="seconds before JetStream redelivers what was fetched and not acked (e.g. in flight when we stopped)",
    )
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


def subscriber(opts: Options) -> tuple[NatsBroker, asyncio.Event, dict[str, float]]:
    """The broker with one handler; the event is set when `--max` events were applied."""
    timeout = max(1, int(opts.timeout))  # whole seconds for FastStream
    broker = NatsBroker(opts.server, inbox_prefix=opts.inbox_prefix, connect_timeout=timeout, logger=None)
    archive = Archive(opts.db)
    enough = asyncio.Event()
    state = {"applied": 0.0, "last": time.monotonic()}
    consumer = ConsumerConfig(
        deliver_policy=DeliverPolicy.ALL, ack_wait=opts.ack_wait, max_deliver=-1, max_ack_pending=1
    )

    @broker.subscriber(
        opts.subject,
        stream=JStream(opts.stream, declare=False),
        durable=opts.durable,
        config=consumer,
        pull_sub=PullSub(batch_size=1, timeout=1.0),
        ack_policy=AckPolicy.NACK_ON_ERROR,
    )
    async def handle(event: Any, msg: NatsMessage) -> None:  # FastStream has decoded the JSON body
        if enough.is_set():  # past --max: give it back untouched for the next run
            await msg.nack()
            return
        if not isinstance(event, dict) or msg.headers.get("Content-Type", CLOUDEVENTS) != CLOUDEVENTS:
            await msg.reject()  # not a CloudEvent: never retried
            return
        try:
            outcome = archive.apply(event)
        except sqlite3.Error as exc:  # our store is away: hand the event back, redelivered in a moment
            print(f"failed {event.get('type')} {exc}", file=sys.stderr, flush=True)
            await msg.nack(delay=RETRY_DELAY)
            return
        state["last"] = time.monotonic()  # progress: failures alone do not keep it running
        version = event["aggregateversion"]
        print(f"{outcome} {event['type']} {event['subject']} v{version} id={event['id']}", flush=True)
        state["applied"] += outcome == "applied"
        if state["applied"] >= opts.max:
            enough.set()

    return broker, enough, state


async def run(opts: Options) -> int:
    broker, enough, state = subscriber(opts)
    async with broker:
        await broker.start()
        while not enough.is_set() and time.monotonic() - state["last"] < opts.timeout:
            try:
                await asyncio.wait_for(enough.wait(), 0.2)
            except TimeoutError:
                continue
    applied = int(state["applied"])
    print(f"done: {applied} applied", flush=True)
    return applied


def main(argv: list[str] | None = None) -> int:
    asyncio.run(run(parse(sys.argv[1:] if argv is None else argv)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
