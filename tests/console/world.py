"""A small world for the console's tests, made through the services' APIs: the sample enterprise with its
three chiefs (A and B) and a police office, a second enterprise with the same chiefs, a visit and leaflets."""

from datetime import datetime, timedelta
from typing import Any

import httpx

from jingzhang.assignment.domain.credit_code import with_check_character
from tests.assignment.e2e.scenario import SAMPLE_DAY, ok, staffed, until
from tests.assignment.unit.samples import ENTERPRISE_ID, OFFICERS, REGISTER
from tests.auth import bearer

OTHER_ID = "ent-other"
POLICE_CHIEF = "liu-jingzhang"
"""Police chief A of both enterprises: the officer the tests sign in as."""


async def build(services: dict[str, str], now: datetime) -> None:
    async with httpx.AsyncClient(headers=bearer(), timeout=30) as client:
        client.base_url = httpx.URL(services["assignment"])
        await staffed(client)
        other = {
            **REGISTER.model_dump(mode="json"),
            "enterprise_id": OTHER_ID,
            "name": "恒口示范区另一家建材有限公司",
            "credit_code": with_check_character("91610900MA7012399"),
            "enterprise_class": "district_key_project",
            "registered_on": SAMPLE_DAY,
        }
        await ok(client.post("/enterprises", json=other), 201)
        for (tier, slot), officer_id in OFFICERS.items():
            body = {"tier": tier, "slot": slot, "officer_id": officer_id, "effective_from": "2024-03-01T09:00:00+00:00"}
            await ok(client.post(f"/enterprises/{OTHER_ID}/chiefs", json=body))
        office = {
            "office_id": "po-yafang",
            "online": True,
            "offline": True,
            "location": "一号楼一层",
            "opened_on": "2025-02-01",
        }
        await ok(client.post(f"/enterprises/{ENTERPRISE_ID}/police-office", json=office), 201)
        visit = {
            "enterprise_id": ENTERPRISE_ID,
            "kind": "weekly_revisit",
            "officer_ids": [POLICE_CHIEF],
            "started_at": (now - timedelta(days=1)).isoformat(),
            "ended_at": (now - timedelta(days=1) + timedelta(hours=1)).isoformat(),
            "location": "厂区",
            "person_times": 2,
            "findings": "安全",
        }
        await ok(client.post(f"{services['patrols']}/visits", json=visit), 201)
        leaflets = {
            "officer_ids": [POLICE_CHIEF],
            "occurred_on": (now - timedelta(days=2)).date().isoformat(),
            "count": 500,
            "topic": "四防",
        }
        await ok(client.post(f"{services['patrols']}/leaflets", json=leaflets), 201)
        await until(_chiefs_known(client, services["appeals"]), bool)


def _chiefs_known(client: httpx.AsyncClient, appeals: str) -> Any:
    async def fetch() -> bool:
        answers = [await client.get(f"{appeals}/enterprises/{e}/chiefs") for e in (ENTERPRISE_ID, OTHER_ID)]
        return all(a.status_code == 200 for a in answers)

    return fetch
