"""The audit trail end to end: the bureau staffs an enterprise in assignment, its contact raises an appeal
in appeals and rates the police chief in evaluation, all over HTTP with their own tokens; evaluation's
`GET /audit` then answers who did what to that enterprise and when, page by page, without any of the
personal data those events carry.
"""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from nats.aio.client import Client as NATS

from jingzhang.appeals.bootstrap import create_app as appeals_app
from jingzhang.assignment.bootstrap import create_app as assignment_app
from jingzhang.assignment.domain.events import ChiefTier, Slot
from jingzhang.evaluation.projections.audit import PROJECTION as AUDIT
from jingzhang.shared.auth import Role
from jingzhang.shared.clock import FixedClock
from jingzhang.shared.replay import rebuild
from tests.apps import running
from tests.auth import bearer
from tests.conftest import ServiceEnv
from tests.kernel.helpers import eventually

from ...assignment.e2e.scenario import staffed
from ...assignment.unit.samples import ENTERPRISE_ID, OFFICERS, REGISTER, T0
from ..conftest import Evaluation

POLICE_CHIEF = OFFICERS[(ChiefTier.POLICE_CHIEF, Slot.A)]
CONTACT = bearer(Role.ENTERPRISE_CONTACT, "contact-yafang", enterprise_id=ENTERPRISE_ID)
AUDITOR = bearer(Role.AUDITOR, "auditor-1")
BUREAU_ACTOR = "bureau:bureau-tester"  # tests.auth.BUREAU, what `running` sends by default
CONTACT_ACTOR = "enterprise_contact:contact-yafang"
DESCRIPTION = "工地门口停车纠纷, 保安李四被打"
COMMENT = "处理及时, 张三很负责"
PERSONAL = (REGISTER.contact_name, REGISTER.contact_phone, DESCRIPTION, COMMENT, "13900000000", "name of ")


@pytest.fixture
async def assignment(service_env: ServiceEnv, nc: NATS) -> AsyncIterator[httpx.AsyncClient]:
    async with running(assignment_app(await service_env.settings("assignment"), FixedClock(T0))) as client:
        yield client


@pytest.fixture
async def appeals(service_env: ServiceEnv, nc: NATS) -> AsyncIterator[httpx.AsyncClient]:
    config = await service_env.settings("appeals")  # the app makes them its own (`AppealsSettings.of`)
    async with running(appeals_app(config, FixedClock(T0 + timedelta(days=1)))) as client:
        yield client


async def accepted_once_known(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST as the enterprise's contact until the service has learnt the chiefs from assignment's events
    (until then it answers 404 or 409 and records nothing)."""
    answers: list[httpx.Response] = []

    async def accepted() -> bool:
        answers.append(await client.post(path, json=body, headers=CONTACT))
        assert answers[-1].status_code in (201, 404, 409), answers[-1].text
        return answers[-1].status_code == 201

    await eventually(accepted, timeout=20, every=0.1)
    result: dict[str, Any] = answers[-1].json()
    return result


async def audit(evaluation: Evaluation, **params: str) -> dict[str, Any]:
    answer = await evaluation.client.get("/audit", params=params, headers=AUDITOR)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def whole_trail(evaluation: Evaluation, **params: str) -> list[dict[str, Any]]:
    """Every page of a query, following `next`."""
    rows: list[dict[str, Any]] = []
    page = await audit(evaluation, **params)
    rows += page["events"]
    while page["next"] is not None:
        page = await audit(evaluation, **params, after=page["next"])
        rows += page["events"]
    return rows


async def test_the_audit_trail_says_who_did_what_to_an_enterprise_and_when_across_services(
    evaluation: Evaluation, assignment: httpx.AsyncClient, appeals: httpx.AsyncClient
) -> None:
    await staffed(assignment, Slot.A)
    appeal = {
        "appeal_id": "ap-audited",
        "enterprise_id": ENTERPRISE_ID,
        "channel": "police_chief_service_point",
        "category": "dispute",
        "description": DESCRIPTION,
        "raised_by": REGISTER.contact_name,
    }
    appeal_id = (await accepted_once_known(appeals, "/appeals", appeal))["id"]
    rating = {"enterprise_id": ENTERPRISE_ID, "officer_id": POLICE_CHIEF, "tier": "police_chief", "period": "2025"}
    await accepted_once_known(evaluation.client, "/ratings", {**rating, "level": 5, "comment": COMMENT})

    async def trail_complete() -> bool:
        services = {row["service"] for row in (await audit(evaluation, enterprise_id=ENTERPRISE_ID))["events"]}
        return services == {"assignment", "appeals", "evaluation"}

    await eventually(trail_complete, timeout=20)
    rows = (await audit(evaluation, enterprise_id=ENTERPRISE_ID, limit="500"))["events"]

    done = {(r["service"], r["event_type"], r["actor"]) for r in rows}
    assert {
        ("assignment", "EnterpriseRegistered", BUREAU_ACTOR),
        ("assignment", "ChiefAssigned", BUREAU_ACTOR),
        ("appeals", "AppealRaised", CONTACT_ACTOR),
        ("evaluation", "ChiefRated", CONTACT_ACTOR),
    } <= done
    assert {r["enterprise_id"] for r in rows} == {ENTERPRISE_ID}
    raised = next(r for r in rows if r["event_type"] == "AppealRaised")
    assert (raised["aggregate_type"], raised["aggregate_id"]) == ("appeal", appeal_id)
    assert all(r["recorded_at"] and r["occurred_at"] and r["correlation_id"] for r in rows)
    newest_first = [(r["recorded_at"], r["event_id"]) for r in rows]
    assert newest_first == sorted(newest_first, reverse=True)

    # the contact's own doings, and everything about the police chief (enrolment, posts, rating)
    by_contact = await whole_trail(evaluation, actor=CONTACT_ACTOR)
    assert {r["event_type"] for r in by_contact} >= {"AppealRaised", "ChiefRated"}
    assert {r["actor"] for r in by_contact} == {CONTACT_ACTOR}
    about_chief = {r["event_type"] for r in await whole_trail(evaluation, officer_id=POLICE_CHIEF)}
    assert {"OfficerEnrolled", "ChiefAssigned", "ChiefRated"} <= about_chief

    # pages of two add up to the whole trail, nothing twice; a window after the last event is empty
    paged = await whole_trail(evaluation, enterprise_id=ENTERPRISE_ID, limit="2")
    assert [r["event_id"] for r in paged] == [r["event_id"] for r in rows]
    after_last = (await audit(evaluation, enterprise_id=ENTERPRISE_ID, **{"from": rows[0]["recorded_at"]}))["events"]
    assert [r["event_id"] for r in after_last] == [rows[0]["event_id"]]

    # a token revoked in assignment (the kernel's TokenRevoked, published on its token_revocation stream)
    expires = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    revoked = await assignment.post("/tokens/revocations", json={"jti": "jti-audited", "expires_at": expires})
    assert revoked.status_code == 200, revoked.text

    async def revocation_audited() -> bool:
        rows = await whole_trail(evaluation, actor=BUREAU_ACTOR)
        return any(r["event_type"] == "TokenRevoked" for r in rows)

    await eventually(revocation_audited, timeout=20)
    by_bureau = await whole_trail(evaluation, actor=BUREAU_ACTOR)
    revocation = next(r for r in by_bureau if r["event_type"] == "TokenRevoked")
    assert (revocation["service"], revocation["aggregate_type"]) == ("assignment", "token_revocation")
    assert (revocation["enterprise_id"], revocation["officer_id"]) == (None, None)

    # no personal value of any event reached the trail
    dump = await evaluation.pool.fetchval(f'SELECT json_agg(a)::text FROM "{AUDIT.schema}".audit_events a')
    assert [value for value in PERSONAL if value in dump] == []

    # rebuilt from the streams, the trail is the same
    before = await whole_trail(evaluation)
    nc: NATS = evaluation.app.state.runtime.nc
    await rebuild(evaluation.pool, nc, AUDIT)
    assert await whole_trail(evaluation) == before

    # a query it cannot answer names the parameter
    unanswerable = {
        "after": {"after": "00000000-0000-0000-0000-000000000001"},
        "to": {"from": "2025-02-01", "to": "2025-01-01"},
        "limit": {"limit": "0"},
    }
    for field, params in unanswerable.items():
        answer = await evaluation.client.get("/audit", params=params)
        assert (answer.status_code, answer.json()["field"]) == (422, field), answer.text
