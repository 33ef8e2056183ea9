"""The patrols app in-process, fed by a real assignment event store and relay in its own database."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import asyncpg
import httpx
import pytest
from nats.aio.client import Client as NATS

from jingzhang.assignment.domain.events import (
    ChiefAssigned,
    ChiefTier,
    EnterpriseClass,
    EnterpriseRegistered,
    OfficerEnrolled,
    Slot,
    UnitKind,
)
from jingzhang.patrols.bootstrap import create_app
from jingzhang.patrols.domain.common import ZONE_TZ
from jingzhang.patrols.settings import PatrolsSettings
from jingzhang.shared.clock import FixedClock, IdFactory, sequential_ids
from jingzhang.shared.envelope import Metadata, NewEvent, StreamId
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.relay import Relay
from jingzhang.shared.runtime import Runtime
from jingzhang.shared.store.postgres import PostgresEventStore, install_schema
from tests.apps import running
from tests.conftest import ServiceEnv
from tests.kernel.helpers import eventually

# Wednesday 5 March 2025, in ISO week 2025-W10; the enterprise registers on Monday the 3rd.
NOW = datetime(2025, 3, 5, 10, tzinfo=ZONE_TZ)
REGISTERED_AT = datetime(2025, 3, 3, 9, tzinfo=ZONE_TZ)
CHIEFS = {
    ChiefTier.BUREAU_LEADER: ("leader-a", "leader-b"),
    ChiefTier.STATION_CHIEF: ("station-a", "station-b"),
    ChiefTier.POLICE_CHIEF: ("chief-a", "chief-b"),
}


@dataclass
class AssignmentFeed:
    """Writes the assignment service's events into its own store; a relay publishes them."""

    store: PostgresEventStore
    versions: dict[StreamId, int] = field(default_factory=dict)

    async def emit(self, aggregate_type: str, aggregate_id: str, at: datetime, *events: DomainEvent) -> None:
        stream = StreamId(aggregate_type, aggregate_id)
        meta = Metadata(actor="assignment-test", correlation_id=uuid.uuid4())
        version = self.versions.get(stream, 0)
        self.versions[stream] = await self.store.append(stream, version, [NewEvent(e, at) for e in events], meta)

    async def register_with_chiefs(
        self,
        enterprise_id: str = "ent-1",
        chiefs: dict[ChiefTier, tuple[str, str]] = CHIEFS,
        registered_on: date | None = None,
    ) -> None:
        """Registered at `REGISTERED_AT`, with `registered_on` as its business day if given."""
        registered = EnterpriseRegistered(
            enterprise_id=enterprise_id,
            name="Hengkou logistics park",
            credit_code="91610900MA70000000",
            address="Hengkou",
            industry="logistics",
            contact_name="Wang",
            contact_phone="13800000000",
            enterprise_class=EnterpriseClass.CITY_KEY_PROJECT,
            registered_on=registered_on,
        )
        assigned = [
            ChiefAssigned(
                enterprise_id=enterprise_id, tier=tier, slot=slot, officer_id=officer, effective_from=REGISTERED_AT
            )
            for tier, pair in chiefs.items()
            for slot, officer in zip((Slot.A, Slot.B), pair, strict=True)
        ]
        await self.emit("enterprise", enterprise_id, REGISTERED_AT, registered, *assigned)

    async def enrol(self, officer_id: str, station: str = "Hengkou station", enrolled_on: date | None = None) -> None:
        """An officer serving at `station` (the unit name a station chief's token names), enrolled at
        `REGISTERED_AT` with `enrolled_on` as the business day if given."""
        enrolled = OfficerEnrolled(
            officer_id=officer_id,
            name=f"Officer {officer_id}",
            unit_kind=UnitKind.STATION,
            unit_name=station,
            position="community police",
            rank="first-class inspector",
            phone="13900000000",
            wechat_id=f"wx-{officer_id}",
            photo_ref=None,
            enrolled_on=enrolled_on,
        )
        await self.emit("officer", officer_id, REGISTERED_AT, enrolled)


@pytest.fixture
async def feed(service_env: ServiceEnv, nc: NATS) -> AsyncIterator[AssignmentFeed]:
    settings = await service_env.settings("assignment")
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=4)
    assert pool is not None
    async with pool.acquire() as conn, conn.transaction():
        await install_schema(conn)
    store = PostgresEventStore(pool, "assignment")
    stop = asyncio.Event()
    relay = asyncio.create_task(Relay(store, nc, window=64, poll_interval=0.05).run(stop))
    yield AssignmentFeed(store)
    stop.set()
    await relay
    await pool.close()


@dataclass(frozen=True)
class Ids:
    """The ids the app draws for new streams the caller names no id for: a sequence, so tests know them."""

    prefix: int = 7

    def factory(self) -> IdFactory:
        return sequential_ids(self.prefix)

    def nth(self, n: int) -> str:
        return str(uuid.UUID(int=(self.prefix << 64) | n))


IDS = Ids()


@dataclass
class Patrols:
    client: httpx.AsyncClient
    clock: FixedClock
    runtime: Runtime


@pytest.fixture
async def patrols(service_env: ServiceEnv, nc: NATS) -> AsyncIterator[Patrols]:
    base = await service_env.settings("patrols")
    settings = PatrolsSettings(**{**base.model_dump(), "cadence_poll_interval": 0.05})
    clock = FixedClock(NOW)
    app = create_app(settings, clock, IDS.factory())
    async with running(app) as client:
        yield Patrols(client, clock, app.state.runtime)


async def subjects_known(patrols: Patrols, enterprises: Iterable[str] = (), officers: Iterable[str] = ()) -> None:
    """Wait until patrols' subjects projection knows every enterprise and officer named."""
    wanted = (sorted(set(enterprises)), sorted(set(officers)))

    async def known() -> bool:
        pool = patrols.runtime.pool
        found_enterprises = await pool.fetch(
            "SELECT enterprise_id FROM proj_patrols_subjects.enterprise WHERE enterprise_id = any($1::text[])",
            wanted[0],
        )
        found_officers = await pool.fetch(
            "SELECT officer_id FROM proj_patrols_subjects.officer WHERE officer_id = any($1::text[])", wanted[1]
        )
        return (len(found_enterprises), len(found_officers)) == (len(wanted[0]), len(wanted[1]))

    known.__name__ = f"patrols knows {wanted}"
    await eventually(known, timeout=20)


def day_after(at: datetime, days: int = 1) -> datetime:
    return at + timedelta(days=days)
