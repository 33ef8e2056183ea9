"""Feature: a coverage gap is raised when an enterprise lacks chiefs, and closed when every tier is held."""

import httpx

from jingzhang.assignment.domain.events import Slot

from ..unit.samples import ENTERPRISE_ID, OFFICERS, PC
from .scenario import assign, enrol_officers, getter, ok, register, until


def gap_of(gaps: list[dict[str, object]] | None) -> dict[str, object] | None:
    return next((g for g in gaps or [] if g["enterprise_id"] == ENTERPRISE_ID), None)


async def test_a_gap_opens_on_registration_narrows_and_closes_when_the_last_tier_is_held(
    client: httpx.AsyncClient,
) -> None:
    await enrol_officers(client)
    registered = await register(client)
    opened = await until(getter(client, "/coverage-gaps"), lambda gaps: gap_of(gaps) is not None)

    for (tier, slot), officer_id in OFFICERS.items():
        if slot is Slot.A and tier is not PC:
            await ok(assign(client, tier, slot, officer_id))
    narrowed = await until(getter(client, "/coverage-gaps"), lambda gaps: gap_of(gaps)["missing"] == ["police_chief"])  # type: ignore[index]
    last = await ok(assign(client, PC, Slot.A, OFFICERS[(PC, Slot.A)]))
    await until(getter(client, "/coverage-gaps"), lambda gaps: gaps is not None and gap_of(gaps) is None)

    listed = await until(
        getter(client, "/enterprises", **{"class": "city_key_project", "status": "active"}), lambda rows: bool(rows)
    )
    assert [row["enterprise_id"] for row in listed] == [ENTERPRISE_ID]
    assert registered["events"] == ["EnterpriseRegistered", "CoverageGapOpened"]
    assert gap_of(opened)["missing"] == ["bureau_leader", "station_chief", "police_chief"]  # type: ignore[index]
    assert gap_of(narrowed)["reason"] == "station_chief A assigned"  # type: ignore[index]
    assert "CoverageGapClosed" in last["events"]
