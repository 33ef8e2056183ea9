"""Inputs bounded by what every reader can hold (issue 18), through HTTP, NATS and PostgreSQL.

Leaflet counts of 2^31, 2^63 or 10^400 and a visit's 10^30 person-times used to be recorded, then
parked every consumer storing them in an `integer`; a visit in year 1 at +14:00 could not even be
converted to bureau time. Now each is a 422 problem naming the field, and
nothing is written or counted; the bounds are declared in the OpenAPI document, and the largest
realistic value is still recorded and counted exactly.
"""

import json
from typing import Any

import pytest

from jingzhang.patrols.bootstrap import create_app
from jingzhang.patrols.domain.limits import MAX_ATTENDEES, MAX_LEAFLETS, MAX_PERSON_TIMES, MAX_YUAN
from tests.kernel.helpers import eventually

from .conftest import AssignmentFeed, Patrols, subjects_known

MARCH = {"from": "2025-03-01", "to": "2025-03-31"}
OFFICERS = ["chief-a"]
LEAFLETS = {"enterprise_id": "ent-1", "officer_ids": OFFICERS, "occurred_on": "2025-03-05", "topic": "anti-fraud"}
TRAINING = {"officer_ids": OFFICERS, "occurred_on": "2025-03-05", "kind": "legal", "topic": "labour law"}
FORUM = {"enterprise_id": "ent-1", "officer_ids": OFFICERS, "occurred_on": "2025-03-05", "attendees": 9}
VISIT = {
    "enterprise_id": "ent-1",
    "kind": "joint_patrol",
    "officer_ids": OFFICERS,
    "started_at": "2025-03-05T08:00:00+08:00",
    "ended_at": "2025-03-05T09:00:00+08:00",
    "location": "site gate",
    "person_times": 3,
}
HAZARD = {
    "enterprise_id": "ent-1",
    "description": "fire exit blocked",
    "found_on": "2025-03-05",
    "rectification_due": "2025-03-12",
    "officer_ids": OFFICERS,
}
DISPUTE = {
    "enterprise_id": "ent-1",
    "officer_ids": OFFICERS,
    "occurred_on": "2025-03-05",
    "parties": ["contractor", "villagers"],
    "outcome": "wages paid",
    "agreement_reached": True,
}
CASE = {
    "enterprise_id": "ent-1",
    "officer_ids": OFFICERS,
    "occurred_on": "2025-03-05",
    "police_case_number": "HK-2025-0042",
    "kind": "disruption_of_production",
}

OVERSIZED: list[tuple[str, dict[str, Any], str]] = [
    ("/leaflets", {**LEAFLETS, "count": 2**31}, "count"),
    ("/leaflets", {**LEAFLETS, "count": 2**63}, "count"),
    ("/leaflets", {**LEAFLETS, "count": 10**400}, "count"),
    ("/leaflets", {**LEAFLETS, "count": MAX_LEAFLETS + 1}, "count"),
    ("/leaflets", {**LEAFLETS, "count": 300, "expected_version": 2**31}, "expected_version"),
    ("/visits", {**VISIT, "person_times": 10**30}, "person_times"),
    ("/visits", {**VISIT, "person_times": MAX_PERSON_TIMES + 1}, "person_times"),
    ("/trainings", {**TRAINING, "attendees": 2**63}, "attendees"),
    ("/forums", {**FORUM, "attendees": MAX_ATTENDEES + 1}, "attendees"),
    ("/visits", {**VISIT, "started_at": "0001-01-01T00:00:00+14:00"}, "started_at"),
    (
        "/visits",
        {**VISIT, "started_at": "9999-12-31T20:00:00-10:00", "ended_at": "9999-12-31T21:00:00-10:00"},
        "started_at",
    ),
    ("/leaflets", {**LEAFLETS, "count": 300, "topic": "x" * 201}, "topic"),
    ("/visits", {**VISIT, "findings": "x" * 2001}, "findings"),
    ("/visits", {**VISIT, "proof": {"photo_ref": "x" * 2001}}, "proof.photo_ref"),
    ("/visits", {**VISIT, "proof": {"geo": {"lat": 91, "lon": 108.9}}}, "proof.geo.lat"),
    ("/hazards", {**HAZARD, "description": "x" * 2001}, "description"),
    ("/hazards", {**HAZARD, "officer_ids": [f"o-{n}" for n in range(101)]}, "officer_ids"),
    ("/hazards", {**HAZARD, "officer_ids": ["chief-a", "o" * 129]}, "officer_ids.1"),
    ("/disputes", {**DISPUTE, "parties": [f"party {n}" for n in range(21)]}, "parties"),
    ("/disputes", {**DISPUTE, "parties": ["x" * 201, "villagers"]}, "parties.0"),
    # issue 14: a risk level not in the list, losses recovered that are none, negative or beyond any case
    ("/disputes", {**DISPUTE, "risk_level": "catastrophic"}, "risk_level"),
    ("/cases", {**CASE, "losses_recovered_yuan": 0}, "losses_recovered_yuan"),
    ("/cases", {**CASE, "losses_recovered_yuan": -5}, "losses_recovered_yuan"),
    ("/cases", {**CASE, "losses_recovered_yuan": MAX_YUAN + 1}, "losses_recovered_yuan"),
    ("/cases", {**CASE, "losses_recovered_yuan": 2**63}, "losses_recovered_yuan"),
    ("/forums", {**FORUM, "appeals": [{"description": "x", "category": "other"}] * 101}, "appeals"),
    (
        "/forums",
        {**FORUM, "appeals": [{"description": "x" * 2001, "category": "other"}]},
        "appeals.0.description",
    ),
]


@pytest.fixture
async def scene(feed: AssignmentFeed, patrols: Patrols) -> Patrols:
    await feed.register_with_chiefs("ent-1")
    await feed.enrol("chief-a")
    await subjects_known(patrols, ["ent-1"], OFFICERS)
    return patrols


async def test_oversized_numbers_texts_and_lists_are_refused_naming_the_field_and_nothing_is_written(
    scene: Patrols,
) -> None:
    for path, body, field in OVERSIZED:
        # big integers as JSON numbers, exactly as a client would send them
        response = await scene.client.post(path, content=json.dumps(body), headers={"content-type": "application/json"})
        assert response.status_code == 422, (path, field, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert (response.json()["code"], response.json()["field"]) == ("invalid", field), (path, response.text)
    assert await scene.runtime.pool.fetchval("SELECT count(*) FROM es.events WHERE aggregate_type <> 'duty'") == 0


async def test_the_largest_realistic_figures_are_recorded_and_counted_exactly(scene: Patrols) -> None:
    client = scene.client
    largest = [
        ("/leaflets", {**LEAFLETS, "count": MAX_LEAFLETS}),
        ("/visits", {**VISIT, "person_times": MAX_PERSON_TIMES}),
        ("/trainings", {**TRAINING, "attendees": MAX_ATTENDEES}),
        ("/forums", {**FORUM, "attendees": MAX_ATTENDEES}),
        ("/disputes", {**DISPUTE, "risk_level": "major"}),
        ("/cases", {**CASE, "losses_recovered_yuan": MAX_YUAN}),
    ]
    for path, body in largest:
        response = await client.post(path, json=body)
        assert response.status_code == 201, (path, response.text)
    recorded = await scene.runtime.pool.fetch(
        "SELECT event_type, data FROM es.events WHERE event_type IN ('DisputeMediated', 'CaseHandled')"
        " ORDER BY event_type"
    )
    assert [
        (r["event_type"], json.loads(r["data"]).get(k))
        for r, k in zip(recorded, ("losses_recovered_yuan", "risk_level"), strict=True)
    ] == [
        ("CaseHandled", MAX_YUAN),
        ("DisputeMediated", "major"),
    ]

    async def counted() -> bool:
        counts = (await client.get("/activity-counts", params=MARCH)).json()
        return (counts["leaflets"], counts["person_times"], counts["forums"]) == (MAX_LEAFLETS, MAX_PERSON_TIMES, 1)

    await eventually(counted, timeout=20)


def test_the_openapi_document_declares_every_bound() -> None:
    schemas = create_app().openapi()["components"]["schemas"]

    def bound(body: str, name: str, key: str) -> Any:
        return schemas[body]["properties"][name][key]

    assert bound("LeafletsBody", "count", "maximum") == MAX_LEAFLETS
    assert bound("VisitBody", "person_times", "maximum") == MAX_PERSON_TIMES
    assert bound("TrainingBody", "attendees", "maximum") == MAX_ATTENDEES
    assert bound("ForumBody", "attendees", "maximum") == MAX_ATTENDEES
    assert bound("VisitBody", "officer_ids", "maxItems") == 100
    assert bound("VisitBody", "location", "maxLength") == 200
    assert bound("HazardBody", "description", "maxLength") == 2000
    assert bound("VisitBody", "enterprise_id", "pattern") == "^[A-Za-z0-9_-]{1,128}$"
    version = schemas["LeafletsBody"]["properties"]["expected_version"]["anyOf"][0]
    assert (version["minimum"], version["maximum"]) == (0, 2**31 - 1)
