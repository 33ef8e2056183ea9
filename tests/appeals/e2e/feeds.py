"""Other services' events for the e2e tests, written as those services would and sent through the real relay.

Each feed is its own database with the kernel's event store and a `Relay` publishing to JetStream,
so the appeals service consumes them exactly as in production.
"""

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import asyncpg
from nats.aio.client import Client as NATS

from jingzhang.assignment.domain.events import (
    AbsenceDeclared,
    ActingChiefChanged,
    ChiefAssigned,
    ChiefTier,
    EnterpriseClass,
    EnterpriseRegistered,
    OfficerEnrolled,
    Slot,
    UnitKind,
)
from jingzhang.patrols.domain.activity import ForumHeld, collect_appeal
from jingzhang.shared.envelope import Metadata, NewEvent, StreamId
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.relay import Relay
from jingzhang.shared.store.postgres import PostgresEventStore

from ...conftest import ServiceEnv
from ...kernel.helpers import install_store
from ..unit.samples import ENTERPRISE, LEADER_A, LEADER_B, POLICE_A, POLICE_B, STATION_A, STATION_B, T0

CHIEFS = {
    ChiefTier.POLICE_CHIEF: (POLICE_A, POLICE_B),
    ChiefTier.STATION_CHIEF: (STATION_A, STATION_B),
    ChiefTier.BUREAU_LEADER: (LEADER_A, LEADER_B),
}


@dataclass
class Feed:
    store: PostgresEventStore

    async def write(self, aggregate_type: str, aggregate_id: str, *events: DomainEvent) -> None:
        stream = StreamId(aggregate_type, aggregate_id)
        version = len(await self.store.read_stream(stream))
        meta = Metadata(actor="feed", correlation_id=uuid.uuid4())
        await self.store.append(stream, version, [NewEvent(e, T0) for e in events], meta)


@contextlib.asynccontextmanager
async def feed(service_env: ServiceEnv, nc: NATS, service: str) -> AsyncIterator[Feed]:
    settings = await service_env.settings(service)
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=4)
    assert pool is not None
    await install_store(pool)
    store = PostgresEventStore(pool, service)
    stop = asyncio.Event()
    relay = asyncio.create_task(Relay(store, nc, poll_interval=0.05).run(stop))
    try:
        yield Feed(store)
    finally:
        stop.set()
        await relay
        await pool.close()


async def enrol(assignment: Feed, officer_id: str, tier: ChiefTier) -> None:
    await assignment.write("officer", officer_id, _enrolled(officer_id, tier))


def _enrolled(officer_id: str, tier: ChiefTier) -> OfficerEnrolled:
    unit = UnitKind.BUREAU_LEADERSHIP if tier is ChiefTier.BUREAU_LEADER else UnitKind.STATION
    return OfficerEnrolled(
        officer_id=officer_id,
        name=officer_id,
        unit_kind=unit,
        unit_name="恒口",
        position=str(tier),
        rank="",
        phone="",
        wechat_id="",
        photo_ref=None,
    )


async def register_enterprise(assignment: Feed, police_a_away: bool) -> None:
    """The enterprise and its six chiefs; with `police_a_away`, A's absence has made B the acting police chief."""
    for tier, officers in CHIEFS.items():
        for officer_id in officers:
            await enrol(assignment, officer_id, tier)
    events: list[DomainEvent] = [registered(), *chiefs_appointed()]
    if police_a_away:
        away = AbsenceDeclared(
            officer_id=POLICE_A, absence_id="leave-1", starts_at=T0, ends_at=T0 + timedelta(days=5), reason="leave"
        )
        await assignment.write("officer", POLICE_A, away)
        events.append(_acting(ChiefTier.POLICE_CHIEF, POLICE_B, POLICE_A))
    await assignment.write("enterprise", ENTERPRISE, *events)


def registered() -> EnterpriseRegistered:
    """Recorded at T0 (see `Feed.write`): without a business date, registered on T0's day in Shanghai."""
    return EnterpriseRegistered(
        enterprise_id=ENTERPRISE,
        name="亚方",
        credit_code="91610900MA70000000",
        address="恒口",
        industry="manufacturing",
        contact_name="Yuan",
        contact_phone="0915",
        enterprise_class=EnterpriseClass.DISTRICT_KEY_PROJECT,
    )


def chiefs_appointed() -> list[DomainEvent]:
    """The six chiefs assigned, every A acting."""
    events: list[DomainEvent] = []
    for tier, (a, b) in CHIEFS.items():
        events += [_assigned(tier, Slot.A, a), _assigned(tier, Slot.B, b), _acting(tier, a, None)]
    return events


def _assigned(tier: ChiefTier, slot: Slot, officer_id: str) -> ChiefAssigned:
    return ChiefAssigned(enterprise_id=ENTERPRISE, tier=tier, slot=slot, officer_id=officer_id, effective_from=T0)


def _acting(tier: ChiefTier, officer_id: str, previous: str | None) -> ActingChiefChanged:
    return ActingChiefChanged(
        enterprise_id=ENTERPRISE,
        tier=tier,
        officer_id=officer_id,
        previous_officer_id=previous,
        reason="sync",
        effective_from=T0,
    )


def forum_held(forum_id: str, refs: Sequence[str], at: datetime = T0) -> ForumHeld:
    return ForumHeld(
        activity_id=forum_id,
        enterprise_id=ENTERPRISE,
        officer_ids=(POLICE_A,),
        occurred_on=date(at.year, at.month, at.day),
        attendees=12,
        collected_appeals=tuple(
            collect_appeal(forum_id, ref, ENTERPRISE, f"forum appeal {ref}", "dispute") for ref in refs
        ),
    )
