"""Steady traffic for the cluster proofs, and what it must leave behind."""

import asyncio
import time
from collections import defaultdict
from dataclasses import dataclass, field

from jingzhang.shared.envelope import Envelope, StreamId
from jingzhang.shared.store.postgres import PostgresEventStore

from ..kernel.sample import AGGREGATE, meta, noted


@dataclass
class Traffic:
    """Events appended (committed in PostgreSQL: acknowledged to the writer), per aggregate in order."""

    appended: int = 0
    amounts: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))

    async def writer(self, store: PostgresEventStore, writer: int, count: int, rate: float) -> None:
        """`count` events at `rate` per second; each aggregate has one writer, so versions are known."""
        start = time.monotonic()
        for n in range(count):
            aggregate_id = f"w{writer}-{n % 5}"
            amount = writer * 100_000 + n
            version = len(self.amounts[aggregate_id])
            await store.append(StreamId(AGGREGATE, aggregate_id), version, [noted(amount)], meta())
            self.amounts[aggregate_id].append(amount)
            self.appended += 1
            await asyncio.sleep(max(0.0, start + (n + 1) / rate - time.monotonic()))


def stream_faults(messages: list[tuple[int, Envelope]], expected_ids: set[object]) -> dict[str, int]:
    """Counts of what must be zero: short figures, not a diff of thousands of UUIDs."""
    ids = [env.event_id for _, env in messages]
    versions: dict[str, list[int]] = defaultdict(list)
    for _, env in messages:
        versions[str(env.stream)].append(env.version)
    return {
        "duplicated": len(ids) - len(set(ids)),
        "missing": len(expected_ids - set(ids)),
        "unexpected": len(set(ids) - expected_ids),
        "disordered_streams": sum(seen != list(range(1, len(seen) + 1)) for seen in versions.values()),
    }
