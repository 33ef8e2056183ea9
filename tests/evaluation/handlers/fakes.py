"""Hand-written fakes: the facts read model answering from an in-memory `Facts`, and an event store
that counts its reads."""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from jingzhang.evaluation.domain.facts import Facts
from jingzhang.evaluation.domain.vocabulary import ChiefTier
from jingzhang.evaluation.reads import Position, Reading, Scope
from jingzhang.shared.envelope import Envelope, Metadata, NewEvent, StreamId
from jingzhang.shared.store.memory import InMemoryEventStore


@dataclass
class FakeFacts:
    """Reads of a period get every fact (the tables' scoping is tested against PostgreSQL); the position
    follows the facts, as the tables' does when an event is applied."""

    known: Facts = field(default_factory=Facts)

    async def facts(self) -> Facts:
        return self.known

    async def reading(self, scope: Scope, now: datetime) -> Reading:
        return Reading(self.known, await self.position(), self.known.latest_learned())

    async def position(self) -> Position:
        return (0, hash(self.known))

    async def enterprise_known(self, enterprise_id: str) -> bool:
        return any(e.enterprise_id == enterprise_id for e in self.known.enterprises)

    async def officer_known(self, officer_id: str) -> bool:
        return any(o.officer_id == officer_id for o in self.known.officers)

    async def chief_tiers(self, enterprise_id: str, officer_id: str, start: datetime, end: datetime) -> set[ChiefTier]:
        return {
            t.tier
            for t in self.known.chief_terms
            if t.enterprise_id == enterprise_id
            and t.officer_id == officer_id
            and t.span.active_from < end
            and (t.span.active_until is None or t.span.active_until > start)
        }

    async def active_enterprises(self, at: datetime) -> list[str]:
        return sorted({e.enterprise_id for e in self.known.enterprises if e.span.holds_at(at)})


class CountingStore:
    """The in-memory event store, counting how often each stream is read."""

    def __init__(self, store: InMemoryEventStore) -> None:
        self.service = store.service
        self._store = store
        self.reads: Counter[StreamId] = Counter()

    async def append(self, stream: StreamId, expected_version: int, events: Sequence[NewEvent], meta: Metadata) -> int:
        return await self._store.append(stream, expected_version, events, meta)

    async def read_stream(self, stream: StreamId) -> list[Envelope]:
        self.reads[stream] += 1
        return await self._store.read_stream(stream)


@dataclass
class FakeProducers:
    """Whether evaluation has applied everything each producer published: all, unless told otherwise."""

    behind: set[str] = field(default_factory=set)

    async def caught_up(self, producer: str) -> bool:
        return producer not in self.behind
