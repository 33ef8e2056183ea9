"""A hand-written fake of the chiefs view, and helpers for handler tests on the in-memory store."""

import uuid

from jingzhang.appeals.domain.routing import ChiefsSnapshot
from jingzhang.shared.envelope import Metadata
from jingzhang.shared.store.memory import InMemoryEventStore

from ..unit.samples import chiefs


class FakeChiefs:
    def __init__(self, *snapshots: ChiefsSnapshot) -> None:
        self.snapshots = {s.enterprise_id: s for s in (snapshots or (chiefs(),))}

    async def snapshot(self, enterprise_id: str) -> ChiefsSnapshot | None:
        return self.snapshots.get(enterprise_id)


def meta(actor: str = "tester") -> Metadata:
    return Metadata(actor=actor, correlation_id=uuid.uuid4())


def new_store() -> InMemoryEventStore:
    return InMemoryEventStore("appeals")
