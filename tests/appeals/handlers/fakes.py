"""Hand-written fakes for handler tests on the in-memory store: the chiefs view, a store counting reads."""

import uuid
from collections import Counter

from jingzhang.appeals.domain.routing import ChiefsSnapshot
from jingzhang.appeals.handlers import Deps
from jingzhang.shared.clock import FixedClock, sequential_ids
from jingzhang.shared.envelope import Envelope, Metadata, StreamId
from jingzhang.shared.store.memory import InMemoryEventStore

from ..unit.samples import T0, chiefs


class FakeChiefs:
    def __init__(self, *snapshots: ChiefsSnapshot) -> None:
        self.snapshots = {s.enterprise_id: s for s in (snapshots or (chiefs(),))}
        self.asked: list[str] = []

    async def snapshot(self, enterprise_id: str) -> ChiefsSnapshot | None:
        self.asked.append(enterprise_id)
        return self.snapshots.get(enterprise_id)


class CountingStore(InMemoryEventStore):
    """The in-memory store, counting how often each stream is read."""

    def __init__(self) -> None:
        super().__init__("appeals")
        self.reads: Counter[str] = Counter()

    async def read_stream(self, stream: StreamId) -> list[Envelope]:
        self.reads[stream.aggregate_id] += 1
        return await super().read_stream(stream)


def meta(actor: str = "tester") -> Metadata:
    return Metadata(actor=actor, correlation_id=uuid.uuid4())


def new_store() -> CountingStore:
    return CountingStore()


def deps(
    store: InMemoryEventStore | None = None, view: FakeChiefs | None = None, clock: FixedClock | None = None
) -> Deps:
    """Handler dependencies: a fresh store, every chief at work, a clock standing at T0, deterministic ids."""
    return Deps(store or new_store(), view or FakeChiefs(), clock or FixedClock(T0), sequential_ids(7))
