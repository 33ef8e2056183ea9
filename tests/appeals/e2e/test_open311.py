"""Open311 GeoReport v2's requests.json over HTTP: its filters (service_request_id, service_code, status,
start_date, end_date) as the specification's examples use them, and its errors as `[{code, description}]`.

The specification (wiki.open311.org/GeoReport_v2) asks, e.g.,
`requests.json?start_date=2010-05-24T00:00:00Z&end_date=2010-06-24T00:00:00Z&status=open`; without
dates it answers the most recent 90 days; `service_request_id` (comma-delimited) overrides every other
filter; an error is `[{"code": 403, "description": "Invalid api_key"}]`.
"""

from datetime import timedelta
from typing import Any

import httpx

from jingzhang.shared.auth import Role
from tests.auth import bearer

from ..unit.samples import CONTACT, ENTERPRISE, POLICE_A, T0
from .conftest import Appeals
from .feeds import Feed, register_enterprise
from .samples import raise_body

DAY = timedelta(days=1)
CONTACT_TOKEN = bearer(Role.ENTERPRISE_CONTACT, CONTACT, enterprise_id=ENTERPRISE)


def w3c(at: Any) -> str:
    return str(at.isoformat()).replace("+00:00", "Z")


async def ids(appeals: Appeals, query: str) -> list[str]:
    return [r["service_request_id"] for r in await appeals.get(f"/open311/v2/requests.json?{query}")]


async def georeport_error(appeals: Appeals, path: str, status: int, *words: str, **headers: str) -> None:
    answer = await appeals.client.get(path, headers=headers or None)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/json"
    [error] = answer.json()
    assert set(error) == {"code", "description"}
    assert error["code"] == status
    for word in words:
        assert word in error["description"], error["description"]


async def test_requests_json_filters_and_errors_as_georeport_v2_defines_them(
    assignment: Feed, appeals: Appeals
) -> None:
    await register_enterprise(assignment, police_a_away=False)
    await appeals.chiefs_known(police_acting=POLICE_A)
    await appeals.post("/appeals", raise_body("ap-1"), status=201)  # a dispute, received at T0
    appeals.clock.set(T0 + 50 * DAY)
    await appeals.post("/appeals", raise_body("ap-2", category="other"), status=201)
    appeals.clock.set(T0 + 120 * DAY)
    await appeals.post("/appeals", raise_body("ap-3"), status=201)
    await appeals.appeal_when("ap-3", lambda v: v["officer_id"] == POLICE_A)

    # without dates: the most recent 90 days, newest first
    assert await ids(appeals, "") == ["ap-3", "ap-2"]
    assert await ids(appeals, "status=open") == ["ap-3", "ap-2"]
    assert await ids(appeals, "status=closed") == []
    assert await ids(appeals, "status=open,closed&service_code=other") == ["ap-2"]
    # the specification's example: a date range and a status
    spec = f"start_date={w3c(T0 - DAY)}&end_date={w3c(T0 + 60 * DAY)}&status=open"
    assert await ids(appeals, spec) == ["ap-2", "ap-1"]
    assert await ids(appeals, f"start_date={w3c(T0 + 49 * DAY)}&end_date={w3c(T0 + 51 * DAY)}") == ["ap-2"]
    assert await ids(appeals, f"start_date={w3c(T0 - DAY)}&service_code=dispute") == ["ap-1"]  # 90 days from it
    assert await ids(appeals, f"end_date={w3c(T0 + 121 * DAY)}&service_code=dispute,other") == ["ap-3", "ap-2"]
    # ids override every other filter
    assert await ids(appeals, "service_request_id=ap-1,ap-3&status=closed&service_code=other") == ["ap-3", "ap-1"]
    [one] = await appeals.get("/open311/v2/requests/ap-1.json")
    assert (one["service_request_id"], one["status"], one["service_code"]) == ("ap-1", "open", "dispute")
    assert one["requested_datetime"] == "2026-03-02T09:00:00Z"

    # errors: GeoReport's list of {code, description}, naming the filter
    base = "/open311/v2/requests.json"
    await georeport_error(appeals, f"{base}?status=pending", 400, "status", "pending")
    await georeport_error(appeals, f"{base}?start_date=yesterday", 400, "start_date", "W3C")
    await georeport_error(appeals, f"{base}?start_date=2026-03-02T00:00:00", 400, "start_date", "time zone")
    await georeport_error(appeals, f"{base}?start_date={w3c(T0)}&end_date={w3c(T0 + 91 * DAY)}", 400, "90 days")
    await georeport_error(appeals, f"{base}?start_date={w3c(T0)}&end_date={w3c(T0 - DAY)}", 400, "end_date")
    await georeport_error(appeals, f"{base}?service_code=parking", 400, "service_code", "parking")
    await georeport_error(appeals, f"{base}?limit=0", 422, "limit")
    await georeport_error(appeals, "/open311/v2/requests/ap-none.json", 404, "ap-none")
    await georeport_error(appeals, base, 403, "bureau, auditor", **CONTACT_TOKEN)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=appeals.app), base_url="http://service") as anon:
        unauthenticated = await anon.get(base)
    assert unauthenticated.status_code == 401
    assert unauthenticated.json()[0]["code"] == 401
    assert unauthenticated.headers["www-authenticate"].startswith("Bearer")
