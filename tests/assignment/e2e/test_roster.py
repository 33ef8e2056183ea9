"""Feature: the roster (花名册), `GET /officers`, through HTTP on real servers (issue 14 item 2).

One app for the module: a bureau leader, two officers of 恒口, two of 城关 (one retired), one brigade
officer; two enterprises, posts held by some of them. The roster lists them in id order a page at a
time with each officer's posts now, filtered by unit, kind of unit, station, tier held and status;
the bureau and auditors read it whole (auditors with phones masked), a station chief their own
station's, anyone else gets a 403 saying where to look instead.
"""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest

from jingzhang.app.services import SERVICES
from jingzhang.assignment.bootstrap import create_app
from jingzhang.assignment.domain.events import UnitKind
from jingzhang.assignment.settings import AssignmentSettings
from jingzhang.shared.auth import Role
from jingzhang.shared.clock import FixedClock
from jingzhang.shared.local.nats import NatsServer
from jingzhang.shared.local.postgres import EmbeddedPostgres
from jingzhang.shared.streams import provision
from tests.apps import running
from tests.auth import BUREAU, bearer
from tests.conftest import ServiceEnv

from ..handlers.world import enrol
from ..unit.samples import REGISTER, T0
from .scenario import ok, until

HK, CG = "恒口派出所", "城关派出所"
LEADER, HK_1, HK_2, CG_1, CG_OLD, BRIGADE_1 = "r-bl", "r-hk-1", "r-hk-2", "r-cg-1", "r-cg-old", "r-xj-1"
ENT_1, ENT_2 = "r-ent-1", "r-ent-2"
UNITS = {
    LEADER: (UnitKind.BUREAU_LEADERSHIP, "局领导"),
    HK_1: (UnitKind.STATION, HK),
    HK_2: (UnitKind.STATION, HK),
    CG_1: (UnitKind.STATION, CG),
    CG_OLD: (UnitKind.STATION, CG),
    BRIGADE_1: (UnitKind.BRIGADE, "刑侦大队"),
}
POSTS = (
    (ENT_1, "bureau_leader", "A", LEADER),
    (ENT_2, "bureau_leader", "A", LEADER),
    (ENT_1, "police_chief", "A", HK_1),
)

CHIEF_HK = bearer(Role.STATION_CHIEF, "chief-hk", officer_id="chief-hk", station=HK)
OFFICER = bearer(Role.OFFICER, "officer-hk-1", officer_id=HK_1)
CONTACT = bearer(Role.ENTERPRISE_CONTACT, "contact-1", enterprise_id=ENT_1)
AUDITOR = bearer(Role.AUDITOR, "auditor-1")


@pytest.fixture(scope="module")
async def http(pg_server: EmbeddedPostgres, state_root: Path) -> AsyncIterator[httpx.AsyncClient]:
    server = NatsServer(state_root / "nats-assignment-roster").start()
    nc = await nats.connect(server.url)
    try:
        await provision(nc.jetstream(), SERVICES)
        settings = await ServiceEnv(pg_server, server).settings("assignment")
        app = create_app(AssignmentSettings(**settings.model_dump()), FixedClock(T0))
        async with running(app) as client:
            await _populate(client)
            yield client
    finally:
        await nc.close()
        server.stop()


async def _populate(http: httpx.AsyncClient) -> None:
    day = T0.date().isoformat()
    for officer_id, (kind, unit) in UNITS.items():
        body = enrol(officer_id, kind).model_copy(update={"unit_name": unit}).model_dump(mode="json")
        await ok(http.post("/officers", json={**body, "enrolled_on": day}), 201)
    for enterprise_id in (ENT_1, ENT_2):
        body = REGISTER.model_copy(update={"enterprise_id": enterprise_id}).model_dump(mode="json")
        await ok(http.post("/enterprises", json={**body, "registered_on": day}), 201)
    for enterprise_id, tier, slot, officer_id in POSTS:
        body = {"tier": tier, "slot": slot, "officer_id": officer_id}
        await ok(http.post(f"/enterprises/{enterprise_id}/chiefs", json=body))
    await ok(http.post(f"/officers/{CG_OLD}/retire", json={}))
    await until(lambda: roster(http), lambda page: page is not None and _settled(page))


def _settled(page: dict[str, Any]) -> bool:
    rows = {o["officer_id"]: o for o in page["officers"]}
    return (
        len(rows) == len(UNITS)
        and rows[CG_OLD]["status"] == "retired"
        and sum(len(o["posts"]) for o in rows.values()) == len(POSTS)
    )


async def roster(http: httpx.AsyncClient, headers: dict[str, str] = BUREAU, **params: str) -> dict[str, Any] | None:
    response = await http.get("/officers", params=params, headers=headers)
    return response.json() if response.status_code == 200 else None


async def ids(http: httpx.AsyncClient, **params: str) -> list[str]:
    page = await ok(http.get("/officers", params=params))
    return [o["officer_id"] for o in page["officers"]]


async def test_the_bureau_reads_every_officer_in_id_order_with_their_posts_now(http: httpx.AsyncClient) -> None:
    page = await ok(http.get("/officers"))

    assert [o["officer_id"] for o in page["officers"]] == sorted(UNITS)
    assert page["total"] == len(UNITS)
    assert page["next"] is None
    by_id = {o["officer_id"]: o for o in page["officers"]}
    assert {(p["enterprise_id"], p["tier"], p["slot"]) for p in by_id[LEADER]["posts"]} == {
        (ENT_1, "bureau_leader", "A"),
        (ENT_2, "bureau_leader", "A"),
    }
    assert [p["enterprise_name"] for p in by_id[HK_1]["posts"]] == [REGISTER.name]
    assert by_id[HK_2]["posts"] == []
    assert (by_id[HK_1]["unit_kind"], by_id[HK_1]["unit_name"], by_id[HK_1]["phone"]) == ("station", HK, "13900000000")


async def test_filters_by_unit_kind_of_unit_station_tier_and_status(http: httpx.AsyncClient) -> None:
    assert await ids(http, unit=HK) == [HK_1, HK_2]
    assert await ids(http, unit_kind="brigade") == [BRIGADE_1]
    assert await ids(http, station=CG) == [CG_1, CG_OLD]
    assert await ids(http, station=CG, active="true") == [CG_1]
    assert await ids(http, active="false") == [CG_OLD]
    assert await ids(http, role="bureau_leader") == [LEADER]
    assert await ids(http, role="police_chief", unit=HK) == [HK_1]
    assert await ids(http, role="station_chief") == []


async def test_pages_walk_the_whole_roster_once_with_the_same_total(http: httpx.AsyncClient) -> None:
    seen: list[str] = []
    after: dict[str, str] = {}
    for _ in range(len(UNITS)):
        page = await ok(http.get("/officers", params={"limit": "4", **after}))
        assert page["total"] == len(UNITS)
        seen += [o["officer_id"] for o in page["officers"]]
        if page["next"] is None:
            break
        after = {"after": page["next"]}

    assert seen == sorted(UNITS)
    assert len(await ids(http, limit="4")) == 4


async def test_a_station_chief_reads_their_own_station_and_nobody_else_reads_it(http: httpx.AsyncClient) -> None:
    own = await roster(http, CHIEF_HK, station=HK)
    other = await http.get("/officers", params={"station": CG}, headers=CHIEF_HK)
    unscoped = await http.get("/officers", headers=CHIEF_HK)
    officer = await http.get("/officers", params={"station": HK}, headers=OFFICER)
    contact = await http.get("/officers", headers=CONTACT)

    assert own is not None
    assert [o["officer_id"] for o in own["officers"]] == [HK_1, HK_2]
    for refused in (other, unscoped, officer, contact):
        assert refused.status_code == 403, refused.text
        assert "the roster covers every officer" in refused.json()["detail"]
    assert f"?station={HK}" in unscoped.json()["detail"]


async def test_auditors_read_the_roster_with_phones_and_wechat_masked(http: httpx.AsyncClient) -> None:
    page = await roster(http, AUDITOR, unit=HK)

    assert page is not None
    first = page["officers"][0]
    assert first["officer_id"] == HK_1
    assert first["name"] == f"name of {HK_1}"
    assert first["phone"] == "139****0000"
    assert first["wechat_id"] != f"wx-{HK_1}"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"role": "chief_of_everything"}, "role"),
        ({"unit_kind": "navy"}, "unit_kind"),
        ({"limit": "0"}, "limit"),
        ({"limit": "501"}, "limit"),
        ({"active": "perhaps"}, "active"),
        ({"unit": ""}, "unit"),
    ],
)
async def test_bad_filters_are_422_naming_the_parameter(
    http: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    response = await http.get("/officers", params=params)

    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
