"""Erasing a person through the assignment API: the bureau only; afterwards the person reads `[erased]`
everywhere, new personal data for them is refused, and auditors can see who erased whom and when."""

import httpx

from jingzhang.shared.auth import Role
from tests.auth import bearer

from ..handlers.world import enrol
from ..unit.samples import OFFICERS
from .scenario import getter, ok, until

OFFICER = next(iter(OFFICERS.values()))
SUBJECT = f"officer/{OFFICER}"


async def test_only_the_bureau_erases_and_the_officer_then_reads_erased(client: httpx.AsyncClient) -> None:
    enrolment = enrol(OFFICER).model_dump(mode="json")
    await ok(client.post("/officers", json=enrolment), 201)
    shown = await until(getter(client, f"/officers/{OFFICER}"), lambda o: o is not None)
    assert shown["name"] == enrolment["name"]

    for role, scope in [
        (Role.OFFICER, {"officer_id": OFFICER}),
        (Role.AUDITOR, {}),
        (Role.STATION_CHIEF, {"officer_id": "x", "station": "any"}),
    ]:
        refused = await client.post("/privacy/erasures", json={"subject": SUBJECT}, headers=bearer(role, **scope))
        assert refused.status_code == 403, refused.text
        assert "erasing a person's data needs one of the roles bureau" in refused.json()["detail"]
    assert (await client.get(f"/privacy/erasures/{SUBJECT}")).status_code == 404  # not erased by a refusal

    erased = await ok(client.post("/privacy/erasures", json={"subject": SUBJECT}))
    assert erased["erased_by"] == "bureau:bureau-tester"

    shown = (await client.get(f"/officers/{OFFICER}")).json()
    assert (shown["name"], shown["phone"]) == ("[erased]", "[erased]")
    audited = await client.get(f"/privacy/erasures/{SUBJECT}", headers=bearer(Role.AUDITOR))
    assert audited.status_code == 200
    assert audited.json()["erased_by"] == "bureau:bureau-tester"
    # a retried enrolment answers what the first did and stores nothing: the person stays erased
    again = await ok(client.post("/officers", json=enrolment), 201)
    assert (again["version"], again["events"]) == (1, ["OfficerEnrolled"])
    assert (await client.get(f"/officers/{OFFICER}")).json()["name"] == "[erased]"
    # new personal data about them is refused: erasure is final
    leave = {"starts_at": "2024-03-02T09:00:00+08:00", "ends_at": "2024-03-03T09:00:00+08:00", "reason": "年休"}
    refused = await client.post(f"/officers/{OFFICER}/absences", json=leave)
    assert (refused.status_code, refused.json()["code"]) == (409, "person_erased")


async def test_a_malformed_subject_is_a_422_naming_the_field(client: httpx.AsyncClient) -> None:
    response = await client.post("/privacy/erasures", json={"subject": "Robert'); DROP TABLE"})
    assert response.status_code == 422
    assert response.json()["field"] == "subject"
