"""Hazards from found to verified (with the overdue case), and forums carrying their appeals."""

from datetime import datetime, timedelta
from typing import Any

import nats.errors
import pytest
from nats.aio.client import Client as NATS
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from jingzhang.patrols.domain.activity import ForumHeld, collected_appeal_id
from jingzhang.patrols.domain.common import ZONE_TZ
from jingzhang.patrols.events import REGISTRY
from jingzhang.shared.envelope import StreamId, decode
from jingzhang.shared.streams import stream_name
from tests.kernel.helpers import eventually

from .conftest import IDS, AssignmentFeed, Patrols, subjects_known

OFFICERS = ["chief-a"]


@pytest.fixture(autouse=True)
async def known(feed: AssignmentFeed, patrols: Patrols) -> None:
    """Only facts about someone count: the enterprises and officers named here are registered and enrolled."""
    for enterprise_id in ("ent-1", "ent-2"):
        await feed.register_with_chiefs(enterprise_id)
    for officer_id in ("chief-a", "chief-b"):
        await feed.enrol(officer_id)
    await subjects_known(patrols, ["ent-1", "ent-2"], ["chief-a", "chief-b"])


async def get(patrols: Patrols, path: str, **params: str) -> Any:
    response = await patrols.client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def post(patrols: Patrols, path: str, body: dict[str, Any], status: int = 201) -> Any:
    response = await patrols.client.post(path, json=body)
    assert response.status_code == status, response.text
    return response.json()


async def wait_until(check: Any, name: str) -> None:
    check.__name__ = name
    await eventually(check, timeout=20)


async def test_a_hazard_goes_overdue_then_is_rectified_and_verified_on_a_later_visit(
    patrols: Patrols, nc: NATS
) -> None:
    found = {
        "hazard_id": "hz-1",
        "enterprise_id": "ent-1",
        "description": "fire exit blocked by pallets",
        "found_on": "2025-03-05",
        "rectification_due": "2025-03-07",
        "officer_ids": OFFICERS,
    }
    assert (await post(patrols, "/hazards", found))["events"] == ["HazardFound"]
    unknown = await patrols.client.post(
        "/hazards/nope/rectify", json={"rectified_on": "2025-03-05", "measures": "x", "officer_ids": OFFICERS}
    )
    assert unknown.status_code == 404

    async def listed_as(status: str) -> bool:
        return [(h["hazard_id"], h["status"]) for h in await get(patrols, "/hazards/open")] == [("hz-1", status)]

    await wait_until(lambda: listed_as("open"), "hazard listed open")
    patrols.clock.set(datetime(2025, 3, 8, 9, tzinfo=ZONE_TZ))  # the deadline day has passed
    await wait_until(lambda: listed_as("overdue"), "hazard listed overdue")

    rectified = {"rectified_on": "2025-03-08", "measures": "pallets moved, exit marked", "officer_ids": OFFICERS}
    assert (await post(patrols, "/hazards/hz-1/rectify", rectified, 200))["events"] == ["HazardRectified"]
    too_early = {"on_visit_id": "v-7", "verified_on": "2025-03-07", "officer_ids": ["chief-b"]}
    refused = await patrols.client.post("/hazards/hz-1/verify", json=too_early)
    assert (refused.status_code, refused.json()["field"]) == (422, "verified_on")
    patrols.clock.advance(timedelta(days=1))
    verified = {"on_visit_id": "v-7", "verified_on": "2025-03-09", "officer_ids": ["chief-b"], "expected_version": 3}
    assert (await post(patrols, "/hazards/hz-1/verify", verified, 200))["version"] == 4

    async def ledger_complete() -> bool:
        return len(await get(patrols, "/enterprises/ent-1/ledger")) == 4

    await wait_until(ledger_complete, "ledger has the hazard's four steps")
    ledger = await get(patrols, "/enterprises/ent-1/ledger")
    assert [line["kind"] for line in ledger] == [
        "HazardFound",
        "HazardRectificationOverdue",
        "HazardRectified",
        "HazardVerified",
    ]
    assert await get(patrols, "/hazards/open") == []
    counts = await get(patrols, "/activity-counts", **{"from": "2025-03-01", "to": "2025-03-31"})
    hazard_counts = {k: v for k, v in counts.items() if k.startswith("hazards")}
    assert hazard_counts == {"hazards_found": 1, "hazards_rectified": 1, "hazards_verified": 1, "hazards_overdue": 1}


async def published_forums(nc: NATS) -> list[ForumHeld]:
    js = nc.jetstream()
    config = ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL, inactive_threshold=30)
    sub = await js.pull_subscribe("jz.patrols.evt.activity.>", stream=stream_name("patrols"), config=config)
    try:
        msgs = await sub.fetch(100, timeout=0.5)
    except (TimeoutError, nats.errors.TimeoutError):
        msgs = []
    finally:
        await sub.unsubscribe()
    envelopes = [decode(m.data) for m in msgs]
    return [p for p in (e.payload(REGISTRY) for e in envelopes) if isinstance(p, ForumHeld)]


async def test_a_forum_publishes_every_collected_appeal_with_its_deterministic_id_and_sealed_text(
    patrols: Patrols, nc: NATS
) -> None:
    forum = {
        "activity_id": "forum-1",
        "enterprise_id": "ent-1",
        "officer_ids": OFFICERS,
        "occurred_on": "2025-03-05",
        "attendees": 12,
        "appeals": [
            {"ref_id": "gate", "description": "trucks blocked at the gate", "category": "traffic"},
            {"enterprise_id": "ent-2", "description": "copper cable theft", "category": "theft"},
        ],
    }
    first = await post(patrols, "/forums", forum)
    assert first["events"] == ["ForumHeld"]
    again = await post(patrols, "/forums", forum)
    assert again == first  # a retried request records nothing twice and answers what the first did
    other = await patrols.client.post("/forums", json={**forum, "attendees": 13})
    assert (other.status_code, other.json()["code"], other.json()["field"]) == (409, "duplicate", "activity_id")

    forums: list[ForumHeld] = []

    async def published() -> bool:
        forums[:] = await published_forums(nc)
        return bool(forums)

    await wait_until(published, "ForumHeld reached JetStream")
    [held] = forums
    assert [(a.appeal_id, a.enterprise_id) for a in held.collected_appeals] == [
        (collected_appeal_id("forum-1", "gate"), "ent-1"),
        (collected_appeal_id("forum-1", "2"), "ent-2"),
    ]
    # each description travels sealed as its enterprise contact's free text, never in the clear
    sealed = [a.description for a in held.collected_appeals]
    assert [d.rsplit(":", 1)[0] for d in sealed] == ["pii:1:free_text:contact/ent-1", "pii:1:free_text:contact/ent-2"]

    async def counted() -> bool:
        counts = await get(patrols, "/activity-counts", **{"from": "2025-03-05", "to": "2025-03-05"})
        return (counts["forums"], counts["appeals_collected"]) == (1, 2)

    await wait_until(counted, "forum counted")


async def test_work_reported_without_an_id_is_recorded_under_the_next_id_the_service_draws(patrols: Patrols) -> None:
    found = {
        "enterprise_id": "ent-1",
        "description": "loose cable over the loading bay",
        "found_on": "2025-03-05",
        "rectification_due": "2025-03-10",
        "officer_ids": OFFICERS,
    }
    hazard = await post(patrols, "/hazards", found)
    assert (hazard["id"], hazard["version"], hazard["events"]) == (IDS.nth(1), 1, ["HazardFound"])
    leaflets = {"officer_ids": OFFICERS, "occurred_on": "2025-03-05", "count": 200, "topic": "anti-fraud"}
    assert (await post(patrols, "/leaflets", leaflets))["id"] == IDS.nth(2)

    rectified = {"rectified_on": "2025-03-05", "measures": "cable tied up", "officer_ids": OFFICERS}
    done = await post(patrols, f"/hazards/{IDS.nth(1)}/rectify", rectified, 200)
    assert (done["id"], done["version"], done["events"]) == (IDS.nth(1), 2, ["HazardRectified"])
    recorded = await patrols.runtime.store.read_stream(StreamId("hazard", IDS.nth(1)))
    assert [(e.event_type, e.data["hazard_id"]) for e in recorded] == [
        ("HazardFound", IDS.nth(1)),
        ("HazardRectified", IDS.nth(1)),
    ]
