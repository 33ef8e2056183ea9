"""What the partitioned copy costs (issue 17, item 6): bytes on disk and the publish rate.

    python -m bench.storage [--events N] [--rounds R]

Publishes N events (a patrols `DutyScheduled` CloudEvent as the relay publishes it, with its headers)
with acknowledged, pipelined `js.publish` calls (256 in flight, as the relay's window) into a service
stream provisioned as production provisions it, in alternating rounds: with its partitioned copy
`JZ_<SVC>_P8` (the server sources every message into it) and without. Reports events/s for each, the
bytes per event of the stream and of the copy once the copy has caught up, and how long the copy took
to catch up after the last acknowledged publish. Every round uses a fresh nats-server (file storage,
`sync_interval: always`, as `jingzhang.shared.local.nats` configures it), stopped by its PID."""

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nats
from nats.js import JetStreamContext

from jingzhang.shared.envelope import Envelope, StreamId, encode
from jingzhang.shared.local.nats import NatsServer
from jingzhang.shared.streams import StreamSpec, partitioned_stream_name, stream_name

SERVICE = "patrols"
WINDOW = 256


def event(i: int) -> tuple[str, bytes, dict[str, str]]:
    duty = f"d{i:08d}"
    env = Envelope(
        event_id=uuid.uuid4(),
        service=SERVICE,
        stream=StreamId("duty", duty),
        version=1,
        event_type="DutyScheduled",
        schema_version=1,
        data={
            "duty_id": duty,
            "enterprise_id": f"ent-{i % 400:04d}",
            "kind": "routine",
            "tier": "community",
            "period": {"key": "2025-W03", "start": "2025-01-13", "end": "2025-01-20"},
            "due_at": "2025-01-19T23:59:59+08:00",
            "assignee_officer_id": f"officer-{i % 60:03d}",
        },
        occurred_at=datetime(2025, 1, 13, tzinfo=UTC),
        recorded_at=datetime(2025, 1, 13, tzinfo=UTC),
        correlation_id=uuid.uuid4(),
        causation_id=None,
        actor="system:cadence",
        position=i + 1,
    )
    headers = {
        "Nats-Msg-Id": str(env.event_id),
        "Content-Type": "application/cloudevents+json",
        "traceparent": f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-01",
    }
    return env.subject, encode(env), headers


COPY_PARTITIONS = 8
"""The partitioned layout whose copy this figure measures (the default layout, one partition, has none)."""


async def one_round(events: int, with_copy: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="jz-bench-storage-") as root:
        server = NatsServer(Path(root)).start()
        try:
            nc = await nats.connect(server.url)
            js = nc.jetstream()
            spec = StreamSpec(SERVICE, partitions=COPY_PARTITIONS)
            await js.add_stream(spec.config())
            if with_copy:
                await js.add_stream(spec.partitioned_config())
            messages = [event(i) for i in range(events)]
            started = time.perf_counter()
            for start in range(0, events, WINDOW):
                await asyncio.gather(*(js.publish(s, b, headers=h) for s, b, h in messages[start : start + WINDOW]))
            published = time.perf_counter() - started
            caught_up = 0.0
            if with_copy:
                caught_up = await _copy_caught_up(js, events)
            info = await js.stream_info(stream_name(SERVICE))
            copy = await js.stream_info(partitioned_stream_name(SERVICE, COPY_PARTITIONS)) if with_copy else None
            await nc.close()
        finally:
            server.stop()
    return {
        "copy": with_copy,
        "rate": events / published,
        "stream_bytes_per_event": info.state.bytes / events,
        "copy_bytes_per_event": (copy.state.bytes / events) if copy else 0.0,
        "copy_catch_up_s": caught_up,
    }


async def _copy_caught_up(js: JetStreamContext, events: int, limit: float = 120.0) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        if (await js.stream_info(partitioned_stream_name(SERVICE, COPY_PARTITIONS))).state.messages >= events:
            return time.perf_counter() - started
        await asyncio.sleep(0.01)
    raise RuntimeError(f"the copy did not catch up within {limit:.0f} s")


async def main(events: int, rounds: int) -> dict[str, Any]:
    runs: dict[bool, list[dict[str, Any]]] = {True: [], False: []}
    for r in range(rounds):
        for with_copy in (True, False) if r % 2 == 0 else (False, True):
            result = await one_round(events, with_copy)
            runs[with_copy].append(result)
            print(f"round {r + 1} {'with' if with_copy else 'without'} copy: {json.dumps(result)}", flush=True)
    med = statistics.median
    summary = {
        "storage_events": events,
        "publish_rate_with_copy": med(x["rate"] for x in runs[True]),
        "publish_rate_without_copy": med(x["rate"] for x in runs[False]),
        "stream_bytes_per_event": med(x["stream_bytes_per_event"] for x in runs[True]),
        "copy_bytes_per_event": med(x["copy_bytes_per_event"] for x in runs[True]),
        "copy_catch_up_s": med(x["copy_catch_up_s"] for x in runs[True]),
    }
    summary["ratio_publish_copy"] = summary["publish_rate_with_copy"] / summary["publish_rate_without_copy"]
    return summary


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.events, args.rounds))))
