"""The enterprise file applied a batch at a time (set-based) ends as applied one event at a time: an
appeal's later events, which do not name the enterprise, find it from the appeal's first event, in the
same batch or an earlier one; a stream whose first event names none contributes nothing."""

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from jingzhang.evaluation.projections.enterprise_file import PROJECTION
from jingzhang.shared.applier import Applier, Delivery, Outcome
from jingzhang.shared.envelope import Envelope, StreamId, encode
from jingzhang.shared.projection import Projection, install

T0 = datetime(2025, 3, 1, 1, tzinfo=UTC)


def delivery(service: str, aggregate: str, aggregate_id: str, version: int, event_type: str, **data: Any) -> Delivery:
    env = Envelope(
        event_id=uuid.uuid4(),
        service=service,
        stream=StreamId(aggregate, aggregate_id),
        version=version,
        event_type=event_type,
        schema_version=1,
        data=data,
        occurred_at=T0 + timedelta(minutes=version),
        recorded_at=T0 + timedelta(minutes=version),
        correlation_id=uuid.uuid4(),
        causation_id=None,
        actor="police:test",
    )
    return Delivery(f"jz.{service}.evt.{aggregate}.{aggregate_id}.{event_type}", encode(env))


def history() -> list[Delivery]:
    return [
        delivery(
            "assignment",
            "enterprise",
            "e1",
            1,
            "EnterpriseRegistered",
            enterprise_id="e1",
            enterprise_class="key",
            registered_on="2025-03-01",
        ),
        delivery("appeals", "appeal", "a1", 1, "AppealRaised", enterprise_id="e1", raised_at=T0.isoformat()),
        delivery("appeals", "appeal", "a1", 2, "AppealRouted", routed_at=T0.isoformat()),
        delivery("patrols", "duty", "d1", 1, "DutyScheduled", enterprise_id="e1"),
        delivery("appeals", "appeal", "a1", 3, "AppealResolved"),
        delivery("evaluation", "spot_check", "s1", 1, "SpotCheckDrawn"),
        delivery("evaluation", "spot_check", "s1", 2, "SpotCheckAnswered", enterprise_id="e1"),
        delivery("patrols", "duty", "d1", 2, "DutyFulfilled"),
        delivery("evaluation", "spot_check", "s1", 3, "SpotCheckClosed"),
    ]


@pytest.fixture
async def conn(pool: asyncpg.Pool) -> asyncpg.Connection:
    async with pool.acquire() as connection:
        yield connection


async def timeline(conn: asyncpg.Connection, p: Projection) -> list[tuple[str, str, int, str]]:
    rows = await conn.fetch(
        f'SELECT enterprise_id, aggregate_id, version, event_type FROM "{p.schema}".timeline'
        " ORDER BY aggregate_id, version"
    )
    return [(r["enterprise_id"], r["aggregate_id"], r["version"], r["event_type"]) for r in rows]


@pytest.mark.parametrize("size", [1, 2, 4, 9])
async def test_batches_of_any_size_give_the_file_one_event_at_a_time_gives(conn: asyncpg.Connection, size: int) -> None:
    results = {}
    for batched in (True, False):
        p = dataclasses.replace(
            PROJECTION,
            name=f"file_b{size}{'b' if batched else 'e'}",
            apply_many=PROJECTION.apply_many if batched else None,
        )
        await install(conn, p)
        applier = Applier(p, None)
        events = history()
        outcomes = []
        for start in range(0, len(events), size):
            outcomes += await applier.apply_batch(conn, events[start : start + size])
        assert outcomes == [Outcome.APPLIED] * len(events)
        results[batched] = await timeline(conn, p)
    assert results[True] == results[False]
    assert results[True] == [
        ("e1", "a1", 1, "AppealRaised"),
        ("e1", "a1", 2, "AppealRouted"),
        ("e1", "a1", 3, "AppealResolved"),
        ("e1", "d1", 1, "DutyScheduled"),
        ("e1", "d1", 2, "DutyFulfilled"),
        ("e1", "e1", 1, "EnterpriseRegistered"),
        ("e1", "s1", 2, "SpotCheckAnswered"),
    ]
