"""Runs the projection consumers of the partitions this replica owns, and hands partitions over.

Every `heartbeat` seconds the runner refreshes its membership (`partitions_claims`), counts the live
replicas M and aims at a fair share of ceil(N / M) partitions of every (projection, source) pair:
alone it owns all N; when a replica joins, each releases what exceeds its new share (stopping that
partition's consumer first, so nothing it fetched is left unsettled), and the newcomer claims what
is free; when a replica leaves or dies, its partitions are free and the others' shares grow.
Replicas prefer different partitions (by their rank among the members), so they rarely race.

A released partition's consumer settles its last batch and naks what it had not started before its
lock is given up; the next owner continues from the durable consumer's acknowledged position.
"""

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import asyncpg
import structlog

from jingzhang.shared.consumer import ProjectionConsumer
from jingzhang.shared.partitions import PARTITIONS, fair_share, plan, preference
from jingzhang.shared.partitions_claims import Claims, install

log = structlog.get_logger(__name__)


@dataclass
class _Running:
    stop: asyncio.Event
    task: asyncio.Task[None]


@dataclass
class PartitionRunner:
    replica: str
    pool: asyncpg.Pool
    consumers: Sequence[ProjectionConsumer]
    """One per (projection, source, partition): the same objects for the runtime's whole life."""
    heartbeat: float = 1.0
    ttl: float = 10.0
    partitions: int = PARTITIONS
    claims: Claims = field(init=False)
    connected: bool = field(default=False, init=False)
    _running: dict[str, _Running] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.claims = Claims(self.replica, self.ttl)
        self._groups: dict[tuple[str, str], dict[int, ProjectionConsumer]] = {}
        for consumer in self.consumers:
            if consumer.partition is None:
                raise ValueError(f"{consumer.durable} reads every partition: give the runner partitioned consumers")
            group = self._groups.setdefault((consumer.label, consumer.source_service), {})
            group[consumer.partition] = consumer

    @property
    def owned(self) -> list[ProjectionConsumer]:
        return [c for c in self.consumers if c.durable in self._running]

    @property
    def healthy(self) -> bool:
        """Taking part (a live database session) and every owned partition's consumer bound."""
        return self.connected and all(c.running for c in self.owned)

    def summary(self) -> str:
        return f"{len(self._running)}/{len(self.consumers)} partitions owned"

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                async with self.pool.acquire() as conn:
                    await install(conn)
                    await self._take_part(conn, stop)
            except Exception as exc:  # a lost session (asyncpg raises several kinds): its locks are gone
                log.warning("partitions.session_lost", replica=self.replica, error=repr(exc))
                self.claims.lost()
            finally:
                self.connected = False
                await self._stop_all()
            await _sleep_or_stop(stop, 1.0)

    async def _take_part(self, conn: asyncpg.Connection, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                await self._balance(conn, await self.claims.heartbeat(conn))
                self.connected = True
                await _sleep_or_stop(stop, self.heartbeat)
        finally:
            if stop.is_set():
                self.connected = False
                await self._stop_all()  # every consumer settles before the locks go
                with contextlib.suppress(Exception):
                    await self.claims.leave(conn)

    async def _balance(self, conn: asyncpg.Connection, members: list[str]) -> None:
        """Release what exceeds the fair share, then claim free partitions up to it (`members` holds
        this replica: its heartbeat came first)."""
        share = fair_share(self.partitions, len(members))
        preferred = preference(members.index(self.replica), share, self.partitions)
        for group in self._groups.values():
            owned = [p for p, c in group.items() if c.durable in self._running]
            decided = plan(owned, share, preferred)
            for p in decided.release:
                await self._release(conn, group[p])
            missing = share - len(owned)
            for p in decided.candidates:
                if missing <= 0:
                    break
                if await self.claims.try_claim(conn, group[p].durable):
                    self._start(group[p])
                    missing -= 1

    def _start(self, consumer: ProjectionConsumer) -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.run(stop), name=f"consumer {consumer.durable}")
        self._running[consumer.durable] = _Running(stop, task)
        log.info("partitions.claimed", replica=self.replica, consumer=consumer.durable)

    async def _release(self, conn: asyncpg.Connection, consumer: ProjectionConsumer) -> None:
        await self._stop(consumer.durable)
        await self.claims.release(conn, consumer.durable)
        log.info("partitions.released", replica=self.replica, consumer=consumer.durable)

    async def _stop(self, durable: str) -> None:
        running = self._running.pop(durable, None)
        if running is None:
            return
        running.stop.set()
        with contextlib.suppress(Exception):
            await running.task

    async def _stop_all(self) -> None:
        await asyncio.gather(*(self._stop(d) for d in list(self._running)))


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
