"""Handler-level: decisions run through `shared.aggregate.execute` on the in-memory event store."""

import asyncio
import uuid
from functools import partial

import pytest

from jingzhang.assignment.domain.chiefs import assign_chief
from jingzhang.assignment.domain.commands import AssignChief
from jingzhang.assignment.domain.events import ChiefAssigned, ChiefRelieved, Slot
from jingzhang.assignment.domain.lifecycle import register_enterprise
from jingzhang.assignment.events import ENTERPRISE, REGISTRY, SERVICE
from jingzhang.shared.aggregate import execute, load
from jingzhang.shared.envelope import Envelope, Metadata, StreamId
from jingzhang.shared.errors import ConcurrencyError
from jingzhang.shared.store.memory import InMemoryEventStore

from .samples import ENTERPRISE_ID, OFFICERS, PC, REGISTER, SPARE_STATION_OFFICER, day, serving

META = Metadata(actor="test", correlation_id=uuid.UUID(int=1))
PC_A = OFFICERS[(PC, Slot.A)]


class InterleavingStore(InMemoryEventStore):
    """Yields after every read, so two commands gathered together both read before either writes."""

    async def read_stream(self, stream: StreamId) -> list[Envelope]:
        history = await super().read_stream(stream)
        await asyncio.sleep(0)
        return history


def reassign(officer_id: str) -> AssignChief:
    return AssignChief(enterprise_id=ENTERPRISE_ID, tier=PC, slot=Slot.A, officer_id=officer_id)


async def registered_in(store: InMemoryEventStore) -> int:
    decided = await execute(
        store,
        REGISTRY,
        ENTERPRISE,
        ENTERPRISE_ID,
        partial(register_enterprise, cmd=REGISTER, now=day(0)),
        meta=META,
        now=day(0),
    )
    return decided.version


async def run_assign(store: InMemoryEventStore, officer_id: str, expected_version: int | None) -> int:
    decide = partial(assign_chief, cmd=reassign(officer_id), officer=serving(officer_id), at=day(1))
    decided = await execute(
        store, REGISTRY, ENTERPRISE, ENTERPRISE_ID, decide, meta=META, now=day(1), expected_version=expected_version
    )
    return decided.version


async def test_registering_through_the_store_records_the_enterprise_and_its_gap() -> None:
    store = InMemoryEventStore(SERVICE)

    version = await registered_in(store)

    state, loaded = await load(store, REGISTRY, ENTERPRISE, ENTERPRISE_ID)
    assert (version, loaded) == (2, 2)
    assert [env.event_type for env in store.log] == ["EnterpriseRegistered", "CoverageGapOpened"]
    assert store.log[0].subject == f"jz.assignment.evt.enterprise.{ENTERPRISE_ID}.EnterpriseRegistered"
    assert state.gap


async def test_two_reassignments_of_one_tier_at_the_same_expected_version_let_exactly_one_through() -> None:
    store = InMemoryEventStore(SERVICE)
    version = await registered_in(store)

    await run_assign(store, PC_A, expected_version=version)
    with pytest.raises(ConcurrencyError):
        await run_assign(store, SPARE_STATION_OFFICER, expected_version=version)

    state, _ = await load(store, REGISTRY, ENTERPRISE, ENTERPRISE_ID)
    assert [t.officer_id for t in state.terms] == [PC_A]


async def test_racing_reassignments_that_read_the_same_version_conflict_in_the_store() -> None:
    store = InterleavingStore(SERVICE)
    await registered_in(store)

    results = await asyncio.gather(
        run_assign(store, PC_A, expected_version=None),
        run_assign(store, SPARE_STATION_OFFICER, expected_version=None),
        return_exceptions=True,
    )

    assert sum(isinstance(r, ConcurrencyError) for r in results) == 1
    assigned = [env for env in store.log if env.event_type == ChiefAssigned.event_type]
    assert len(assigned) == 1


async def test_a_reassignment_after_rereading_relieves_the_first_chief() -> None:
    store = InMemoryEventStore(SERVICE)
    await registered_in(store)
    await run_assign(store, PC_A, expected_version=None)

    await run_assign(store, SPARE_STATION_OFFICER, expected_version=None)

    relieved = [env.payload(REGISTRY) for env in store.log if env.event_type == ChiefRelieved.event_type]
    assert [(e.officer_id, e.reason) for e in relieved if isinstance(e, ChiefRelieved)] == [(PC_A, "reassigned")]


async def test_every_recorded_event_decodes_back_to_the_same_payload() -> None:
    store = InMemoryEventStore(SERVICE)
    await registered_in(store)
    await run_assign(store, PC_A, expected_version=None)

    for env in store.log:
        assert env.payload(REGISTRY).model_dump(mode="json") == env.data
