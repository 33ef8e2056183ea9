"""Only facts about someone count (issue 13), through HTTP, NATS and PostgreSQL: work naming an
enterprise or officer that assignment never published is refused and never counted; one published an
instant ago is "not yet known" until patrols has applied it; and work dated before its enterprise was
registered or its officer enrolled, or after a closure or retirement, is refused naming the field.

The scene: `ent-1` registered on Monday 3 March without a business day (the day recorded stands in),
`ent-old` registered then with its business day 1 February; `chief-a` and `chief-b` enrolled on
3 March, `chief-old` enrolled then with its business day 10 January. The clock reads 5 March, 10:00.
"""

from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest

from jingzhang.assignment.domain.events import EnterpriseClosed, OfficerRetired
from jingzhang.patrols.domain.common import ZONE_TZ
from jingzhang.patrols.projections.subjects import PROJECTION as SUBJECTS
from tests.kernel.helpers import eventually

from .conftest import NOW, AssignmentFeed, Patrols, subjects_known

MARCH = {"from": "2025-03-01", "to": "2025-03-31"}


@pytest.fixture
async def scene(feed: AssignmentFeed, patrols: Patrols) -> Patrols:
    await feed.register_with_chiefs("ent-1")
    await feed.register_with_chiefs("ent-old", registered_on=date(2025, 2, 1))
    for officer_id in ("chief-a", "chief-b"):
        await feed.enrol(officer_id)
    await feed.enrol("chief-old", enrolled_on=date(2025, 1, 10))
    await subjects_known(patrols, ["ent-1", "ent-old"], ["chief-a", "chief-b", "chief-old"])
    await all_applied(patrols)
    return patrols


async def all_applied(patrols: Patrols) -> None:
    async def caught_up() -> bool:
        return await patrols.runtime.caught_up("assignment")

    await eventually(caught_up, timeout=20)


def leaflets(enterprise_id: str | None, *officers: str, day: str = "2025-03-05", **more: Any) -> dict[str, Any]:
    body = {"enterprise_id": enterprise_id, "officer_ids": list(officers), "occurred_on": day}
    return {**body, "count": 300, "topic": "anti-fraud", **more}


def visit(enterprise_id: str, *officers: str, started_at: str = "2025-03-05T08:00:00+08:00") -> dict[str, Any]:
    start = datetime.fromisoformat(started_at)
    return {
        "enterprise_id": enterprise_id,
        "kind": "weekly_revisit",
        "officer_ids": list(officers),
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(hours=1)).isoformat(),
        "location": "site gate",
        "person_times": len(officers),
    }


def hazard(enterprise_id: str, *officers: str, found_on: str = "2025-03-05") -> dict[str, Any]:
    return {
        "enterprise_id": enterprise_id,
        "description": "fire exit blocked",
        "found_on": found_on,
        "rectification_due": "2025-03-12",
        "officer_ids": list(officers),
    }


def refused(response: httpx.Response, status: int, code: str, field: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert (response.json()["code"], response.json()["field"]) == (code, field), response.text


async def recorded(patrols: Patrols) -> list[str]:
    rows = await patrols.runtime.pool.fetch(
        "SELECT event_type FROM es.events WHERE aggregate_type <> 'duty' ORDER BY position"
    )
    return [r["event_type"] for r in rows]


async def counted(patrols: Patrols, figure: str, expected: int) -> None:
    async def shows() -> bool:
        response = await patrols.client.get("/activity-counts", params=MARCH)
        return bool(response.json()[figure] == expected)

    shows.__name__ = f"{figure} counted {expected}"
    await eventually(shows, timeout=20)


async def test_as_the_bureau_work_naming_nobody_is_refused_naming_the_field_and_never_counted(scene: Patrols) -> None:
    client = scene.client
    refused(
        await client.post("/leaflets", json=leaflets("ent-9", "chief-a")), 422, "unknown_enterprise", "enterprise_id"
    )
    refused(
        await client.post("/leaflets", json=leaflets(None, "chief-a", "chief-b", "ghost")),
        422,
        "unknown_officer",
        "officer_ids.2",
    )
    refused(await client.post("/visits", json=visit("ent-9", "chief-a")), 422, "unknown_enterprise", "enterprise_id")
    refused(await client.post("/hazards", json=hazard("ent-1", "ghost")), 422, "unknown_officer", "officer_ids.0")
    forum = {
        "enterprise_id": "ent-1",
        "officer_ids": ["chief-a"],
        "occurred_on": "2025-03-05",
        "attendees": 9,
        "appeals": [{"enterprise_id": "ent-9", "description": "theft", "category": "theft"}],
    }
    refused(await client.post("/forums", json=forum), 422, "unknown_enterprise", "appeals.0.enterprise_id")
    assert await recorded(scene) == []

    assert (await client.post("/hazards", json={**hazard("ent-1", "chief-a"), "hazard_id": "hz-1"})).status_code == 201
    rectify = {"rectified_on": "2025-03-05", "measures": "exit cleared", "officer_ids": ["chief-a", "ghost"]}
    refused(await client.post("/hazards/hz-1/rectify", json=rectify), 422, "unknown_officer", "officer_ids.1")
    counted_leaflets = await client.post("/leaflets", json=leaflets("ent-1", "chief-a", "chief-b"))
    assert counted_leaflets.status_code == 201, counted_leaflets.text
    assert await recorded(scene) == ["HazardFound", "LeafletsDistributed"]
    await counted(scene, "leaflets", 300)
    await counted(scene, "hazards_found", 1)


async def test_an_enterprise_registered_an_instant_ago_is_not_yet_known_until_patrols_has_applied_it(
    feed: AssignmentFeed, scene: Patrols
) -> None:
    # hold the subjects projection's lock: its consumer receives the registration and cannot apply it yet
    async with scene.runtime.pool.acquire() as blocker:
        held = blocker.transaction()
        await held.start()
        await blocker.execute("SELECT pg_advisory_xact_lock($1)", SUBJECTS.lock_key)
        await feed.register_with_chiefs("ent-new")

        async def arriving() -> bool:
            return not await scene.runtime.caught_up("assignment")

        await eventually(arriving, timeout=20)
        late = await scene.client.post("/leaflets", json=leaflets("ent-new", "chief-a"))
        refused(late, 409, "not_yet_known", "enterprise_id")
        assert late.headers["retry-after"] == "2"
        await held.rollback()

    async def accepted() -> bool:
        retried = await scene.client.post("/leaflets", json=leaflets("ent-new", "chief-a", activity_id="late-1"))
        return retried.status_code == 201

    await eventually(accepted, timeout=20)
    assert await recorded(scene) == ["LeafletsDistributed"]


async def test_work_is_dated_within_its_subjects_lives_by_their_business_days(scene: Patrols) -> None:
    client = scene.client
    # ent-1 has no business day: the day assignment recorded it (3 March) stands in
    refused(
        await client.post("/leaflets", json=leaflets("ent-1", "chief-a", day="2025-03-02")),
        422,
        "invalid",
        "occurred_on",
    )
    refused(
        await client.post("/visits", json=visit("ent-1", "chief-a", started_at="2025-03-02T09:00:00+08:00")),
        422,
        "invalid",
        "started_at",
    )
    # ent-old was registered on 1 February, recorded later: work there in February counts, by whoever was enrolled
    refused(
        await client.post("/hazards", json=hazard("ent-old", "chief-old", "chief-a", found_on="2025-02-15")),
        422,
        "invalid",
        "found_on",
    )
    february = await client.post("/hazards", json=hazard("ent-old", "chief-old", found_on="2025-02-15"))
    assert february.status_code == 201, february.text
    refused(
        await client.post("/leaflets", json=leaflets("ent-old", "chief-old", day="2025-01-31")),
        422,
        "invalid",
        "occurred_on",
    )
    # and nothing is dated after the clock's day
    tomorrow = await client.post("/leaflets", json=leaflets("ent-1", "chief-a", day="2025-03-06"))
    refused(tomorrow, 422, "invalid", "occurred_on")
    assert "in the future" in tomorrow.json()["detail"]
    assert await recorded(scene) == ["HazardFound"]


async def test_work_after_an_enterprise_closed_or_an_officer_retired_is_a_conflict(
    feed: AssignmentFeed, scene: Patrols
) -> None:
    closing = datetime(2025, 3, 4, 15, tzinfo=ZONE_TZ)
    await feed.emit("enterprise", "ent-old", closing, EnterpriseClosed(enterprise_id="ent-old", reason="moved away"))
    retiring = datetime(2025, 3, 5, tzinfo=ZONE_TZ)
    await feed.emit("officer", "chief-b", NOW, OfficerRetired(officer_id="chief-b", effective_from=retiring))

    async def both_applied() -> bool:
        pool = scene.runtime.pool
        closed = await pool.fetchval(
            "SELECT closed_at FROM proj_patrols_subjects.enterprise WHERE enterprise_id = 'ent-old'"
        )
        retired = await pool.fetchval(
            "SELECT retired_at FROM proj_patrols_subjects.officer WHERE officer_id = 'chief-b'"
        )
        return (closed, retired) == (closing, retiring)

    await eventually(both_applied, timeout=20)
    client = scene.client

    refused(
        await client.post("/leaflets", json=leaflets("ent-old", "chief-a")), 409, "enterprise_closed", "enterprise_id"
    )
    refused(
        await client.post("/visits", json=visit("ent-1", "chief-a", "chief-b")), 409, "officer_retired", "officer_ids.1"
    )
    # reported late, the work of the days before still counts
    before_closing = await client.post("/leaflets", json=leaflets("ent-old", "chief-a", "chief-b", day="2025-03-04"))
    assert before_closing.status_code == 201, before_closing.text
    await counted(scene, "leaflets", 300)


async def test_when_jetstream_cannot_tell_whether_everything_was_applied_an_unknown_id_is_not_yet_known(
    scene: Patrols,
) -> None:
    runtime = scene.runtime
    consumer = next(c for c in runtime.consumers if c.source_service == "assignment")
    await runtime.nc.jetstream().delete_consumer(consumer.stream, consumer.durable)  # as an operator might
    unknown = await scene.client.post("/leaflets", json=leaflets("ent-9", "chief-a"))
    refused(unknown, 409, "not_yet_known", "enterprise_id")
    known = await scene.client.post("/leaflets", json=leaflets("ent-1", "chief-a"))
    assert known.status_code == 201, known.text
