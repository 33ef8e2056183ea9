"""One stack per test module: a nats-server, the upstream services' event stores with their relays
(what assignment, appeals and patrols publish, sealed as they seal it), the local sinks (WeCom robot,
SMS gateway) and the notifications app in-process on a fixed clock."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import nats
import pytest
from nats.aio.client import Client as NATS

from jingzhang.app.services import SERVICES
from jingzhang.app.sinks.server import Sinks, serving
from jingzhang.appeals.domain.events import AppealRaised, AppealRouted
from jingzhang.appeals.domain.vocabulary import Category, Channel, ChiefTier, LimitClass, Slot
from jingzhang.assignment.domain.events import (
    ActingChiefChanged,
    ChiefAssigned,
    EnterpriseClass,
    EnterpriseRegistered,
    OfficerEnrolled,
    UnitKind,
)
from jingzhang.assignment.domain.events import ChiefTier as Tier
from jingzhang.assignment.domain.events import Slot as AssignmentSlot
from jingzhang.notifications.bootstrap import create_app
from jingzhang.notifications.settings import NotificationsSettings
from jingzhang.shared.clock import FixedClock
from jingzhang.shared.envelope import Metadata, NewEvent, StreamId
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.local.nats import NatsServer
from jingzhang.shared.local.postgres import EmbeddedPostgres
from jingzhang.shared.privacy.protect import Protector
from jingzhang.shared.privacy.setup import OpenedKeyStore, open_keystore
from jingzhang.shared.relay import Relay
from jingzhang.shared.store.postgres import PostgresEventStore, install_schema
from jingzhang.shared.streams import provision
from tests.apps import running
from tests.conftest import ServiceEnv
from tests.kernel.helpers import eventually

BUREAU_TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 3, 5, 10, tzinfo=BUREAU_TZ)
PHONES = {"chief-a": "13912345678", "chief-b": "13987654321", "station-a": "13700001111", "leader-a": "13600002222"}
CHIEFS = {
    Tier.BUREAU_LEADER: ("leader-a", "leader-b"),
    Tier.STATION_CHIEF: ("station-a", "station-b"),
    Tier.POLICE_CHIEF: ("chief-a", "chief-b"),
}
ENTERPRISE_NAME = "恒口物流园"


@dataclass
class Feed:
    """One upstream service's event store (sealing personal data with the shared key store) and relay."""

    store: PostgresEventStore
    versions: dict[StreamId, int] = field(default_factory=dict)

    async def emit(self, aggregate_type: str, aggregate_id: str, at: datetime, *events: DomainEvent) -> uuid.UUID:
        """Append; returns the first event's id (what a notification's id derives from)."""
        stream = StreamId(aggregate_type, aggregate_id)
        meta = Metadata(actor=f"{self.store.service}-test", correlation_id=uuid.uuid4())
        new = [NewEvent(e, at) for e in events]
        self.versions[stream] = await self.store.append(stream, self.versions.get(stream, 0), new, meta)
        return new[0].event_id


@dataclass
class World:
    env: ServiceEnv
    nc: NATS
    assignment: Feed
    appeals: Feed
    patrols: Feed
    sinks: Sinks
    sink_url: str
    keys: OpenedKeyStore
    groups: list[str] = field(default_factory=list)
    """The enterprises whose group robot this module's tests registered (`group_registered`), in order."""


@dataclass
class Service:
    client: httpx.AsyncClient
    clock: FixedClock
    pool: asyncpg.Pool
    settings: NotificationsSettings


@pytest.fixture(scope="module")
def module_nats(state_root: Path) -> Iterator[NatsServer]:
    server = NatsServer(state_root / f"nats-notifications-{uuid.uuid4().hex[:6]}").start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
async def world(pg_server: EmbeddedPostgres, module_nats: NatsServer) -> AsyncIterator[World]:
    env = ServiceEnv(pg_server, module_nats)
    nc = await nats.connect(module_nats.url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    await provision(nc.jetstream(), tuple(dict.fromkeys((*SERVICES, "notifications"))))
    pools: list[asyncpg.Pool] = []
    stop = asyncio.Event()
    relays: list[asyncio.Task[None]] = []
    first = await env.settings("keys")
    keys_pool = await asyncpg.create_pool(first.database_url, min_size=1, max_size=4)
    assert keys_pool is not None
    keys = await open_keystore(first, keys_pool)
    feeds = []
    for service in ("assignment", "appeals", "patrols"):
        settings = await env.settings(service)
        pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=4)
        assert pool is not None
        pools.append(pool)
        async with pool.acquire() as conn, conn.transaction():
            await install_schema(conn)
        store = PostgresEventStore(pool, service, Protector(keys.keystore))
        relays.append(asyncio.create_task(Relay(store, nc, window=64, poll_interval=0.05).run(stop)))
        feeds.append(Feed(store))
    sinks = Sinks.under(None)
    async with serving(sinks) as url:
        assignment, appeals, patrols = feeds
        yield World(env, nc, assignment, appeals, patrols, sinks, url, keys)
    stop.set()
    await asyncio.gather(*relays)
    for pool in pools:
        await pool.close()
    await keys.close()
    await keys_pool.close()
    await nc.close()


async def notifications_settings(world: World, **overrides: object) -> NotificationsSettings:
    base = await world.env.settings("notifications")
    values = {
        **base.model_dump(),
        "sms_gateway_url": f"{world.sink_url}/sms/",
        "delivery_poll_interval": 0.05,
        "delivery_backoff": 0.2,
        "delivery_lease": 1.0,
        "delivery_max_attempts": 3,
        "robot_rate_window": 1.5,
        "console_url": "https://console.example/jz",
        **overrides,
    }
    return NotificationsSettings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
async def service(world: World) -> AsyncIterator[Service]:
    settings = await notifications_settings(world)
    clock = FixedClock(NOW)
    app = create_app(settings, clock)
    async with running(app) as client:
        yield Service(client, clock, app.state.runtime.pool, settings)


async def enrol(world: World, officer_id: str, at: datetime = NOW) -> None:
    enrolled = OfficerEnrolled(
        officer_id=officer_id,
        name=f"警官{officer_id}",
        unit_kind=UnitKind.STATION,
        unit_name="恒口派出所",
        position="社区民警",
        rank="一级警长",
        phone=PHONES.get(officer_id, "13800000000"),
        wechat_id=f"wx-{officer_id}",
        photo_ref=None,
    )
    await world.assignment.emit("officer", officer_id, at - timedelta(days=30), enrolled)


async def register_enterprise(world: World, enterprise_id: str, at: datetime = NOW) -> None:
    registered = EnterpriseRegistered(
        enterprise_id=enterprise_id,
        name=ENTERPRISE_NAME,
        credit_code="91610900MA70000000",
        address="恒口示范区",
        industry="物流",
        contact_name="王经理",
        contact_phone="13811112222",
        enterprise_class=EnterpriseClass.CITY_KEY_PROJECT,
    )
    since = at - timedelta(days=20)
    assigned = [
        ChiefAssigned(enterprise_id=enterprise_id, tier=tier, slot=slot, officer_id=officer, effective_from=since)
        for tier, pair in CHIEFS.items()
        for slot, officer in zip((AssignmentSlot.A, AssignmentSlot.B), pair, strict=True)
    ]
    acting = [
        ActingChiefChanged(
            enterprise_id=enterprise_id,
            tier=tier,
            officer_id=pair[0],
            previous_officer_id=None,
            reason="assigned",
            effective_from=since,
        )
        for tier, pair in CHIEFS.items()
    ]
    await world.assignment.emit("enterprise", enterprise_id, since, registered, *assigned, *acting)


async def raise_and_route(
    world: World, enterprise_id: str, appeal_id: str, at: datetime = NOW, officer_id: str = "chief-a"
) -> tuple[uuid.UUID, uuid.UUID]:
    """An appeal raised and routed to the acting police chief in one recording, as appeals records it;
    the ids of the two events."""
    raised = AppealRaised(
        appeal_id=appeal_id,
        enterprise_id=enterprise_id,
        channel=Channel.WECHAT_GROUP,
        category=Category.DISPUTE,
        description="工地门口有人堵路，影响施工",
        raised_by="王经理",
        emergency=False,
        raised_at=at,
        limit_class=LimitClass.GENERAL,
        time_limit=timedelta(days=5),
        first_response_within=timedelta(hours=24),
        warning_fraction=0.8,
        received_at=at,
    )
    routed = AppealRouted(
        tier=ChiefTier.POLICE_CHIEF,
        officer_id=officer_id,
        slot_acting=Slot.A,
        informed_officer_ids=("chief-b",),
        routed_at=at,
    )
    stream = StreamId("appeal", appeal_id)
    meta = Metadata(actor="appeals-test", correlation_id=uuid.uuid4())
    new = [NewEvent(raised, at), NewEvent(routed, at)]
    world.appeals.versions[stream] = await world.appeals.store.append(stream, 0, new, meta)
    return new[0].event_id, new[1].event_id


async def group_registered(world: World, service: Service, enterprise_id: str) -> None:
    """Register the enterprise's group robot (the local sink) once the service knows the enterprise, and
    wait until the dispatch reactor has it."""
    url = f"{world.sink_url}/cgi-bin/webhook/send?key={enterprise_id}"

    async def in_directory() -> bool:
        return bool(
            await service.pool.fetchval(
                "SELECT count(*) FROM proj_directory.enterprises WHERE enterprise_id = $1", enterprise_id
            )
        )

    await eventually(in_directory, timeout=20)

    async def registered() -> bool:
        answer = await service.client.put(f"/enterprises/{enterprise_id}/group-webhook", json={"webhook_url": url})
        assert answer.status_code in (200, 409), answer.text
        return answer.status_code == 200

    await eventually(registered, timeout=20, every=0.1)
    world.groups.append(enterprise_id)

    async def known() -> bool:
        found = await service.pool.fetchval(
            "SELECT count(*) FROM proj_dispatch.groups WHERE enterprise_id = $1", enterprise_id
        )
        return bool(found)

    await eventually(known, timeout=20)
