"""Who may do what in evaluation, through HTTP on the real pipeline: each role's allowed and refused
calls, a 403 that names the reason, nothing recorded on a refusal, and the token's actor on every event.

o1, o2 and o3 serve at Hengkou station and are e1's chiefs (see `samples.small_year`); o9 serves at
Ankang station and is nobody's chief.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from jingzhang.shared.auth import LocalSigningKey, Principal, Role
from jingzhang.shared.auth.links import PostgresAccess
from tests.auth import bearer
from tests.kernel.helpers import eventually

from ..conftest import Evaluation, Upstream, record_all
from ..samples import HENGKOU, officer, small_year

ANKANG = "Ankang station"
CONTACT = bearer(Role.ENTERPRISE_CONTACT, "contact-e1", enterprise_id="e1")
OFFICER = bearer(Role.OFFICER, "officer-o1", officer_id="o1")
CHIEF_HERE = bearer(Role.STATION_CHIEF, "chief-hengkou", officer_id="o2", station=HENGKOU)
CHIEF_THERE = bearer(Role.STATION_CHIEF, "chief-ankang", officer_id="o9", station=ANKANG)
AUDITOR = bearer(Role.AUDITOR, "auditor-1")
BUREAU = bearer(Role.BUREAU, "bureau-1")

YEAR = {"period": "2025"}
FIGURES = {"from": "2025-01-01", "to": "2026-01-01"}
RATE_O1 = {"enterprise_id": "e1", "officer_id": "o1", "tier": "police_chief", "period": "2025", "level": 5}
RATE_O2 = {**RATE_O1, "officer_id": "o2", "tier": "station_chief", "level": 4}
RATE_E2 = {**RATE_O1, "enterprise_id": "e2"}
DRAW = {"spot_check_id": "sc1", "seed": 1, "sample_size": 1}


@dataclass(frozen=True)
class Call:
    who: dict[str, str]
    method: str
    path: str
    status: int
    reason: str = ""
    json: dict[str, Any] | None = None
    params: dict[str, str] | None = None

    async def check(self, client: httpx.AsyncClient) -> None:
        answer = await client.request(self.method, self.path, headers=self.who, json=self.json, params=self.params)
        assert answer.status_code == self.status, (self, answer.text)
        if self.status == 403:
            assert answer.json()["code"] == "forbidden"
            assert self.reason in answer.json()["detail"], (self, answer.text)


async def given_the_small_year_and_o9(upstreams: dict[str, Upstream], evaluation: Evaluation) -> None:
    year = small_year()
    year["assignment"].append(officer("o9", ANKANG))
    await evaluation.settle(await record_all(upstreams, year))
    access = PostgresAccess(lambda: evaluation.pool)

    async def access_known() -> bool:
        links = await access.enterprise("e1")
        return links.officer_ids == {"o1", "o2", "o3"} and await access.officer_station("o9") == ANKANG

    await eventually(access_known, timeout=20)


async def recorded(evaluation: Evaluation) -> list[tuple[str, str]]:
    rows = await evaluation.pool.fetch("SELECT event_type, actor FROM es.events ORDER BY position")
    return [(r["event_type"], r["actor"]) for r in rows]


REFUSED = [
    # enterprise contacts: their own enterprise's ratings, nothing else
    Call(CONTACT, "POST", "/ratings", 403, "only act for their own enterprise (e1)", json=RATE_E2),
    Call(CONTACT, "GET", "/officers/o1/scorecard", 403, "no access to officers' records", params=YEAR),
    Call(CONTACT, "GET", "/rankings/2025", 403, "the ranking needs one of the roles officer, station_chief"),
    Call(CONTACT, "GET", "/rankings/2025/officers/o1", 403, "no access to officers' records"),
    Call(CONTACT, "GET", "/figures", 403, "you are enterprise_contact", params=FIGURES),
    Call(CONTACT, "GET", "/figures.csv", 403, "you are enterprise_contact", params=FIGURES),
    Call(CONTACT, "GET", "/audit", 403, "the audit trail needs one of the roles bureau, auditor"),
    Call(CONTACT, "POST", "/spot-checks", 403, "drawing a spot check needs one of the roles bureau", json=DRAW),
    # officers: their own scorecard and the aggregates; no commands, no other officer's record
    Call(OFFICER, "GET", "/officers/o2/scorecard", 403, "only read for themselves (o1), not o2", params=YEAR),
    Call(
        OFFICER,
        "GET",
        "/officers/o2/scorecard/evidence",
        403,
        "not o2",
        params={**YEAR, "metric": "response_rate"},
    ),
    Call(OFFICER, "POST", "/ratings", 403, "rating a chief needs one of the roles enterprise_contact, bureau", RATE_O1),
    Call(OFFICER, "GET", "/spot-checks/sc1", 403, "reading a spot check needs one of the roles bureau, auditor"),
    Call(OFFICER, "GET", "/rankings/2025/officers/o2", 403, "only read for themselves (o1), not o2"),
    Call(OFFICER, "GET", "/audit", 403, "you are officer"),
    Call(OFFICER, "POST", "/rankings/2025/publish", 403, "publishing the ranking needs one of the roles bureau"),
    # station chiefs: their station's officers only
    Call(CHIEF_THERE, "GET", "/officers/o1/scorecard", 403, "o1 does not serve at station Ankang", params=YEAR),
    Call(CHIEF_HERE, "POST", "/spot-checks/sc1/close", 403, "closing a spot check needs one of the roles bureau"),
    # auditors read everything and write nothing
    Call(AUDITOR, "POST", "/ratings", 403, "you are auditor", json=RATE_O1),
    Call(AUDITOR, "POST", "/spot-checks", 403, "you are auditor", json=DRAW),
    Call(
        AUDITOR,
        "POST",
        "/spot-checks/sc1/answers",
        403,
        "recording a spot-check answer needs one of the roles bureau",
        json={"enterprise_id": "e1", "satisfied": True, "level": 5},
    ),
    Call(AUDITOR, "POST", "/rankings/2025/publish", 403, "you are auditor"),
]

ALLOWED = [
    Call(CONTACT, "POST", "/ratings", 201, json=RATE_O1),
    Call(BUREAU, "POST", "/ratings", 201, json=RATE_O2),
    Call(BUREAU, "POST", "/spot-checks", 201, json=DRAW),
    Call(OFFICER, "GET", "/officers/o1/scorecard", 200, params=YEAR),
    Call(OFFICER, "GET", "/officers/o1/scorecard/evidence", 200, params={**YEAR, "metric": "response_rate"}),
    Call(OFFICER, "GET", "/rankings/2025", 200),
    Call(OFFICER, "GET", "/rankings/2025/officers/o1", 200),
    Call(CHIEF_HERE, "GET", "/rankings/2025/officers/o3", 200),
    Call(OFFICER, "GET", "/figures", 200, params=FIGURES),
    Call(CHIEF_HERE, "GET", "/officers/o1/scorecard", 200, params=YEAR),
    Call(CHIEF_HERE, "GET", "/officers/o3/scorecard", 200, params=YEAR),
    Call(CHIEF_THERE, "GET", "/officers/o9/scorecard", 200, params=YEAR),
    Call(CHIEF_THERE, "GET", "/figures.csv", 200, params=FIGURES),
    Call(AUDITOR, "GET", "/officers/o2/scorecard", 200, params=YEAR),
    Call(AUDITOR, "GET", "/rankings/2025", 200),
    Call(AUDITOR, "GET", "/rankings/2025/officers/o2", 200),
    Call(AUDITOR, "GET", "/spot-checks/sc1", 200),
    Call(AUDITOR, "GET", "/audit", 200),
    Call(BUREAU, "GET", "/audit", 200),
]


async def test_each_role_is_allowed_its_part_and_refused_the_rest_with_a_reason_and_nothing_recorded(
    upstreams: dict[str, Upstream], evaluation: Evaluation
) -> None:
    await given_the_small_year_and_o9(upstreams, evaluation)

    await unauthenticated(evaluation)
    for call in REFUSED:
        await call.check(evaluation.client)
    assert await recorded(evaluation) == [], "a refused command recorded an event"
    for call in ALLOWED:
        await call.check(evaluation.client)

    assert await recorded(evaluation) == [
        ("ChiefRated", "enterprise_contact:contact-e1"),
        ("ChiefRated", "bureau:bureau-1"),
        ("SpotCheckDrawn", "bureau:bureau-1"),
    ]


async def unauthenticated(evaluation: Evaluation) -> None:
    """No token, or one signed by a key the service does not trust: 401, before any rule is looked at."""
    stranger = LocalSigningKey.generate().issue(Principal("b", Role.BUREAU), datetime.now(UTC))
    transport = httpx.ASGITransport(app=evaluation.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as anonymous:
        for headers in ({}, {"Authorization": f"Bearer {stranger}"}):
            for method, path in (("GET", "/officers/o1/scorecard"), ("POST", "/ratings"), ("GET", "/audit")):
                answer = await anonymous.request(method, path, headers=headers)
                assert (answer.status_code, answer.json()["code"]) == (401, "unauthenticated"), (path, headers)
