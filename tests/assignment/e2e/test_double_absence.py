"""Feature: A and B of one tier are never away together; of two declaring at once, one is refused."""

import asyncio

import httpx

from jingzhang.assignment.domain.events import Slot

from ..unit.samples import ENTERPRISE_ID, OFFICERS, PC, day
from .scenario import getter, staffed, until

PC_A, PC_B = OFFICERS[(PC, Slot.A)], OFFICERS[(PC, Slot.B)]


def leave(absence_id: str, start: float, end: float) -> dict[str, str]:
    return {
        "absence_id": absence_id,
        "starts_at": day(start).isoformat(),
        "ends_at": day(end).isoformat(),
        "reason": "年休",
    }


async def test_two_partners_declaring_overlapping_absences_at_once_get_one_201_and_one_409(
    client: httpx.AsyncClient,
) -> None:
    await staffed(client, Slot.A, Slot.B)
    await until(getter(client, f"/officers/{PC_B}/enterprises"), lambda posts: bool(posts))

    answers = await asyncio.gather(
        client.post(f"/officers/{PC_A}/absences", json=leave("leave-a", 1, 5)),
        client.post(f"/officers/{PC_B}/absences", json=leave("leave-b", 3, 8)),
    )

    assert sorted(a.status_code for a in answers) == [201, 409]
    refused = next(a.json() for a in answers if a.status_code == 409)
    assert refused["code"] == "double_absence"
    assert "A and B may not be away at the same time" in refused["detail"]
    assert ENTERPRISE_ID in refused["detail"]
