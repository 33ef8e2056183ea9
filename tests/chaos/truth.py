"""What the system holds, read straight from its servers: each service's event store, its JetStream
streams, and how far each projection has applied the streams it follows.

Connections are opened per read (over the Unix socket, cheap) so a reader survives PostgreSQL being
stopped and started under it. Which projection follows which aggregate types of which service is read
from the services' composition roots (every projection their runtimes feed: read models, reactors and
the kernel's own), since a service's durables are per consumer group, not per projection.
"""

import asyncio
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import asyncpg
import nats
import nats.errors
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from jingzhang.app.services import SERVICES, app_factory
from jingzhang.shared.envelope import Envelope, decode
from jingzhang.shared.streams import partitioned_stream_name, stream_name
from tests.chaos.system import PARTITIONS

StreamVersions = dict[tuple[str, str], int]
"""(aggregate type, aggregate id) -> the stream's latest version."""


@dataclass(frozen=True)
class Follower:
    """One projection (or reactor) in `service`'s database, following `types` of `source`'s events."""

    service: str
    projection: str
    source: str
    types: frozenset[str]

    @property
    def name(self) -> str:
        return f"{self.service}.{self.projection}<-{self.source}"


class Truth:
    def __init__(self, database_urls: dict[str, str], nats_url: str) -> None:
        self.database_urls = database_urls
        self.nats_url = nats_url

    async def fetch(self, service: str, sql: str, *args: Any) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.database_urls[service], timeout=5)
        try:
            return list(await conn.fetch(sql, *args, timeout=30))
        finally:
            await conn.close()

    async def versions(self, service: str) -> StreamVersions:
        rows = await self.fetch(
            service, "SELECT aggregate_type, aggregate_id, max(version) AS v FROM es.events GROUP BY 1, 2"
        )
        return {(r["aggregate_type"], r["aggregate_id"]): r["v"] for r in rows}

    async def all_versions(self) -> dict[str, StreamVersions]:
        return {service: await self.versions(service) for service in SERVICES}

    async def tracking(self, follower: Follower) -> dict[str, int]:
        rows = await self.fetch(
            follower.service, f'SELECT stream_key, version FROM "proj_{follower.projection}"._tracking'
        )
        return {r["stream_key"]: r["version"] for r in rows}

    async def behind(self, follower: Follower, truth: StreamVersions) -> list[str]:
        """The followed streams whose recorded version the projection has not applied yet."""
        applied = await self.tracking(follower)
        late = []
        for (kind, ident), version in truth.items():
            key = f"{follower.source}/{kind}/{ident}"
            if kind in follower.types and applied.get(key, 0) < version:
                late.append(f"{key}: applied {applied.get(key, 0)} of {version}")
        return late

    async def followers(self) -> list[Follower]:
        found = [
            Follower(
                service,
                projection.name,
                source,
                frozenset(s.aggregate_type for s in projection.sources if s.service == source),
            )
            for service in SERVICES
            for projection in app_factory(service)().state.runtime.projections
            for source in projection.services()
        ]
        return sorted(found, key=lambda f: (f.service, f.projection, f.source))

    async def stream_messages(self, stream: str) -> list[tuple[int, str, Envelope]]:
        """Every message of `stream` as (sequence, subject, envelope), read by an ephemeral consumer."""
        nc = await nats.connect(self.nats_url, connect_timeout=5, max_reconnect_attempts=3)
        try:
            js = nc.jetstream()
            total = (await js.stream_info(stream)).state.messages
            if total == 0:
                return []
            config = ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL, inactive_threshold=60)
            sub = await js.pull_subscribe("", stream=stream, config=config)
            out: list[tuple[int, str, Envelope]] = []
            try:
                while len(out) < total:
                    try:
                        msgs = await sub.fetch(1000, timeout=5)
                    except (TimeoutError, nats.errors.TimeoutError):
                        break
                    out.extend((m.metadata.sequence.stream, m.subject, decode(m.data)) for m in msgs)
            finally:
                await sub.unsubscribe()
            return out
        finally:
            await nc.close()

    async def stream_size(self, stream: str) -> int:
        nc = await nats.connect(self.nats_url, connect_timeout=5, max_reconnect_attempts=3)
        try:
            return int((await nc.jetstream().stream_info(stream)).state.messages)
        finally:
            await nc.close()

    async def service_stream(self, service: str) -> list[tuple[int, str, Envelope]]:
        return await self.stream_messages(stream_name(service))

    async def partitioned_stream(self, service: str) -> list[tuple[int, str, Envelope]]:
        return await self.stream_messages(partitioned_stream_name(service, PARTITIONS))


async def command_events(truth: Truth, service: str, correlation_ids: Iterable[uuid.UUID]) -> list[asyncpg.Record]:
    """The events commands recorded under these correlation ids (not what reactors recorded in answer)."""
    return await truth.fetch(
        service,
        "SELECT correlation_id, causation_id, aggregate_type, aggregate_id, version, event_type, event_id, position"
        " FROM es.events WHERE correlation_id = ANY($1::uuid[]) ORDER BY position",
        list(correlation_ids),
    )


async def eventually_reachable(truth: Truth, service: str, within: float) -> None:
    """Until the service's database answers (after PostgreSQL was started again)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        try:
            await truth.fetch(service, "SELECT 1")
            return
        except (OSError, asyncpg.PostgresError, TimeoutError):
            if loop.time() > deadline:
                raise
            await asyncio.sleep(0.2)
