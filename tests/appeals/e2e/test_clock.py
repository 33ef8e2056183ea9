"""The time-driven passes are the kernel's `Periodic` workers on the service's clock: under the demo's
controlled clock, `PUT /clock` runs the duty desk and the deadline pass once at the new time."""

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from jingzhang.appeals.bootstrap import create_app
from jingzhang.appeals.projections import deadlines
from jingzhang.appeals.settings import AppealsSettings
from jingzhang.shared.clock import ShiftedClock

from ...apps import running
from ...conftest import ServiceEnv
from ...kernel.helpers import eventually
from ..unit.samples import CONTACT, DAY, ENTERPRISE, POLICE_A, T0
from .feeds import CHIEFS, Feed, chiefs_appointed, enrol, registered


@pytest.fixture
async def app(service_env: ServiceEnv, assignment: Feed) -> FastAPI:
    """At T0 on a controlled clock, with passes far apart: only `PUT /clock` makes them run."""
    base = await service_env.settings("appeals", clock_control=True, clock_start=T0)
    config = AppealsSettings.of(base).model_copy(update={"deadline_poll_interval": 3600.0})
    return create_app(config, ShiftedClock(T0))


@pytest.fixture
async def driven(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app) as client:
        yield client


async def shown(client: httpx.AsyncClient, path: str) -> Any:
    response = await client.get(path)
    return response.json() if response.status_code == 200 else None


async def move(client: httpx.AsyncClient, to: datetime) -> dict[str, int]:
    moved = await client.put("/clock", json={"now": to.isoformat()})
    assert moved.status_code == 200, moved.text
    passes: dict[str, int] = moved.json()["passes"]
    return passes


async def test_moving_the_clock_runs_the_duty_desk_and_the_deadline_pass(
    assignment: Feed, app: FastAPI, driven: httpx.AsyncClient
) -> None:
    for tier, officers in CHIEFS.items():
        for officer_id in officers:
            await enrol(assignment, officer_id, tier)
    await assignment.write("enterprise", ENTERPRISE, registered())

    async def enterprise_known() -> bool:
        return await shown(driven, f"/enterprises/{ENTERPRISE}/chiefs") is not None

    await eventually(enterprise_known, timeout=15)
    body = {
        "appeal_id": "ap-held",
        "enterprise_id": ENTERPRISE,
        "channel": "wechat_group",
        "category": "dispute",
        "description": "trucks at the gate",
        "raised_by": CONTACT,
    }
    assert (await driven.post("/appeals", json=body)).status_code == 201

    async def listed() -> bool:
        return [a["appeal_id"] for a in await shown(driven, "/appeals/unrouted") or []] == ["ap-held"]

    async def scheduled() -> bool:
        return await deadlines.next_check(app.state.runtime.pool, "ap-held") is not None

    await eventually(listed, timeout=15)
    await eventually(scheduled, timeout=15)
    passes = {"duty_desk": 0, "deadlines": 0, "matters": 0, "recurring": 0}
    assert await move(driven, T0 + 2 * DAY) == {**passes, "deadlines": 1}  # the first answer was due

    await assignment.write("enterprise", ENTERPRISE, *chiefs_appointed())

    async def acting() -> bool:
        tiers = await shown(driven, f"/enterprises/{ENTERPRISE}/chiefs") or []
        return any(t["acting_officer_id"] == POLICE_A for t in tiers)

    await eventually(acting, timeout=15)
    assert await move(driven, T0 + 2 * DAY + timedelta(minutes=1)) == {**passes, "duty_desk": 1}

    async def routed() -> bool:
        view = await shown(driven, "/appeals/ap-held")
        return view is not None and view["officer_id"] == POLICE_A and len(view["history"]) == view["version"]

    await eventually(routed, timeout=15)
    view = await shown(driven, "/appeals/ap-held")
    assert [e["event_type"] for e in view["history"]] == [
        "AppealRaised",
        "AppealHeldAtDutyDesk",
        "DeadlinePassedAtDutyDesk",
        "AppealRouted",
    ]
    assert view["breached"] is True  # on record, and charged to nobody: no DeadlineBreached names a chief
