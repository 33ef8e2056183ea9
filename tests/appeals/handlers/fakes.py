"""Hand-written fakes for handler tests on the in-memory store: the chiefs and officers views, whether the
producer's events are all in, a store counting reads."""

import uuid
from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from jingzhang.appeals.domain.officers import KnownOfficer
from jingzhang.appeals.domain.routing import ChiefsSnapshot
from jingzhang.appeals.handlers import Deps
from jingzhang.shared.clock import FixedClock, sequential_ids
from jingzhang.shared.envelope import Envelope, Metadata, StreamId
from jingzhang.shared.store.memory import InMemoryEventStore

from ..unit.samples import LEADER_A, LEADER_B, POLICE_A, POLICE_B, STATION_A, STATION_B, T0, chiefs

CHIEFS = (POLICE_A, POLICE_B, STATION_A, STATION_B, LEADER_A, LEADER_B)


class FakeChiefs:
    """The same snapshot whatever the instant; records which enterprise was asked about, and as of when."""

    def __init__(self, *snapshots: ChiefsSnapshot) -> None:
        self.snapshots = {s.enterprise_id: s for s in (snapshots or (chiefs(),))}
        self.asked: list[str] = []
        self.asked_at: list[datetime] = []

    async def snapshot(self, enterprise_id: str, at: datetime) -> ChiefsSnapshot | None:
        self.asked.append(enterprise_id)
        self.asked_at.append(at)
        return self.snapshots.get(enterprise_id)


class FakeOfficers:
    """Every chief of the sample enterprise enrolled; `retire` one from a given instant."""

    def __init__(self, officer_ids: Iterable[str] = CHIEFS) -> None:
        self.known = {o: KnownOfficer(o) for o in officer_ids}

    def retire(self, officer_id: str, at: datetime) -> None:
        self.known[officer_id] = KnownOfficer(officer_id, at)

    async def officer(self, officer_id: str) -> KnownOfficer | None:
        return self.known.get(officer_id)


class CaughtUp:
    """Has the service applied everything a producer published? As the test says; records who was asked."""

    def __init__(self, answer: bool = True) -> None:
        self.answer = answer
        self.asked: list[str] = []

    async def __call__(self, producer: str) -> bool:
        self.asked.append(producer)
        return self.answer


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
    store: InMemoryEventStore | None = None,
    view: FakeChiefs | None = None,
    clock: FixedClock | None = None,
    officers: FakeOfficers | None = None,
    caught_up: CaughtUp | None = None,
) -> Deps:
    """Handler dependencies: a fresh store, every chief enrolled and at work, every event of assignment
    applied, a clock standing at T0, deterministic ids."""
    return Deps(
        store or new_store(),
        view or FakeChiefs(),
        officers or FakeOfficers(),
        caught_up or CaughtUp(),
        clock or FixedClock(T0),
        sequential_ids(7),
    )
