"""A small world for handler tests: the in-memory store, a fixed clock, fakes of the read models."""

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime

from jingzhang.assignment import handlers
from jingzhang.assignment.domain.commands import AssignChief, DeclareAbsence, EnrolOfficer
from jingzhang.assignment.domain.events import ChiefTier, Slot, UnitKind
from jingzhang.assignment.events import ENTERPRISE, REGISTRY, SERVICE
from jingzhang.assignment.locks import MemoryOfficerLocks
from jingzhang.shared.aggregate import load
from jingzhang.shared.clock import FixedClock, sequential_ids
from jingzhang.shared.envelope import Envelope, Metadata, StreamId
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.store.memory import InMemoryEventStore

from ..unit.samples import BL, ENTERPRISE_ID, OFFICERS, REGISTER, SPARE_STATION_OFFICER, T0, day

META = Metadata(actor="test", correlation_id=uuid.UUID(int=7))


class InterleavingStore(InMemoryEventStore):
    """Yields after every read, so commands gathered together all read before any of them writes."""

    async def read_stream(self, stream: StreamId) -> list[Envelope]:
        history = await super().read_stream(stream)
        await asyncio.sleep(0)
        return history


class LogPosts:
    """`PostsIndex` from the store's log: who holds which slot at `at` or from later, as the projection would say."""

    def __init__(self, store: InMemoryEventStore) -> None:
        self._store = store

    async def enterprises_of(self, officer_id: str, at: datetime) -> list[str]:
        held: dict[tuple[str, str, str], str] = {}
        for env in self._store.log:
            key = (env.data.get("enterprise_id", ""), env.data.get("tier", ""), env.data.get("slot", ""))
            if env.event_type == "ChiefAssigned":
                held[key] = env.data["officer_id"]
            elif env.event_type == "ChiefRelieved" and datetime.fromisoformat(env.data["effective_from"]) <= at:
                held.pop(key, None)
        return sorted({key[0] for key, holder in held.items() if holder == officer_id})


@dataclass
class World:
    store: InMemoryEventStore
    clock: FixedClock
    deps: handlers.Deps

    def events(self, stream_type: str, stream_id: str) -> list[DomainEvent]:
        return [
            env.payload(REGISTRY)
            for env in self.store.log
            if (env.stream.aggregate_type, env.stream.aggregate_id) == (stream_type, stream_id)
        ]


def world(store: InMemoryEventStore | None = None) -> World:
    store = store or InMemoryEventStore(SERVICE)
    clock = FixedClock(T0)
    deps = handlers.Deps(
        store=store, clock=clock, ids=sequential_ids(), posts=LogPosts(store), locks=MemoryOfficerLocks(store)
    )
    return World(store, clock, deps)


def enrol(officer_id: str, unit_kind: UnitKind = UnitKind.STATION) -> EnrolOfficer:
    return EnrolOfficer(
        officer_id=officer_id,
        name=f"name of {officer_id}",
        unit_kind=unit_kind,
        unit_name="恒口派出所",
        position="警长",
        rank="一级警长",
        phone="13900000000",
        wechat_id=f"wx-{officer_id}",
    )


async def staffed(w: World, *slots: Slot) -> None:
    """Six officers enrolled, the sample enterprise registered and its tiers held in `slots`."""
    for (tier, _), officer_id in OFFICERS.items():
        await handlers.enrol_officer(w.deps, enrol(officer_id, _unit(tier)), META)
    await handlers.enrol_officer(w.deps, enrol(SPARE_STATION_OFFICER), META)
    await handlers.register_enterprise(w.deps, REGISTER, META)
    for (tier, slot), officer_id in OFFICERS.items():
        if slot in (slots or (Slot.A, Slot.B)):
            cmd = AssignChief(
                enterprise_id=ENTERPRISE_ID, tier=tier, slot=slot, officer_id=officer_id, effective_from=T0
            )
            await handlers.assign_chief(w.deps, cmd, META)


def _unit(tier: ChiefTier) -> UnitKind:
    return UnitKind.BUREAU_LEADERSHIP if tier is BL else UnitKind.STATION


def absence(
    officer_id: str, absence_id: str | None, start: float, end: float, expected_version: int | None = None
) -> DeclareAbsence:
    return DeclareAbsence(
        officer_id=officer_id,
        absence_id=absence_id,
        starts_at=day(start),
        ends_at=day(end),
        reason="training",
        expected_version=expected_version,
    )


async def acting_now(w: World, tier: ChiefTier) -> str | None:
    """Who the latest acting change of `tier` names (the handler tests record none for later)."""
    state, _ = await load(w.store, REGISTRY, ENTERPRISE, ENTERPRISE_ID)
    changes = state.acting_timeline.get(tier, ())
    return changes[-1][1] if changes else None
