"""JetStream's acknowledgement latency by burst size (`sync_interval: always`), single and atomic publishes.

    python -m bench.bursts

A stream on the benchmark's own nats-server; bursts of 1-32 messages of 900 bytes at about 1,000
messages/s for 2 s each size and mode, twice; the time from the first publish of a burst to the last
acknowledgement (single publishes: every ack; atomic batches: the commit's). With `sync_interval:
always` the server syncs its file per message, so on a disk whose sync takes ~0.5-1 ms a burst's last
acknowledgement comes a sync per message later: what the relay's windows and the naive pipeline's
bursts pay on figure 4, and the floor's one-at-a-time publishes do not (see README, session 12).
"""

import asyncio
import time
import uuid

from nats.aio.client import Client as NATS
from nats.js.api import StorageType, StreamConfig
from nats.js.client import JetStreamContext

from bench.servers import Stack

BODY = b"x" * 900
SIZES = (1, 4, 8, 16, 32)


async def burst_once(nc: NATS, js: JetStreamContext, mode: str, size: int, start: int) -> float:
    """One burst of `size` messages from sequence `start`; milliseconds until the last acknowledgement."""
    began = time.monotonic()
    if mode == "single":
        await asyncio.gather(
            *(js.publish(f"b.{k}", BODY, headers={"Nats-Msg-Id": str(k)}) for k in range(start, start + size))
        )
    else:
        batch = uuid.uuid4().hex
        for n, k in enumerate(range(start, start + size), start=1):
            headers = {"Nats-Msg-Id": str(k), "Nats-Batch-Id": batch, "Nats-Batch-Sequence": str(n)}
            if n < size:
                await nc.publish(f"b.{k}", BODY, headers=headers)
            else:
                await js.publish(f"b.{k}", BODY, headers=headers | {"Nats-Batch-Commit": "1"})
    return (time.monotonic() - began) * 1000


async def main() -> None:
    stack = Stack().start()
    try:
        nc = await stack.connect_nats()
        js = nc.jetstream()
        await js.add_stream(StreamConfig(name="BURSTS", subjects=["b.>"], storage=StorageType.FILE, allow_atomic=True))
        k = 0
        for _ in range(2):
            for size in SIZES:
                for mode in ("single", "atomic") if size > 1 else ("single",):
                    ms: list[float] = []
                    until = time.monotonic() + 2
                    while time.monotonic() < until:
                        ms.append(await burst_once(nc, js, mode, size, k))
                        k += size
                        await asyncio.sleep(max(0.0, size / 1000 - ms[-1] / 1000))  # about 1,000 messages/s
                    ms.sort()
                    print(
                        f"{mode:6} burst {size:3}: n {len(ms)}, last ack p50 {ms[len(ms) // 2]:.2f} ms,"
                        f" p99 {ms[int(len(ms) * 0.99)]:.2f} ms",
                        flush=True,
                    )
        await nc.close()
    finally:
        stack.stop()


if __name__ == "__main__":
    asyncio.run(main())
