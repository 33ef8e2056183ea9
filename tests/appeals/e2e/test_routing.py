"""Raised via each channel, an appeal goes to the acting chief of the channel's tier (B while A is away)."""

import uuid

from jingzhang.appeals.domain.routing import CHANNEL_TIER
from jingzhang.appeals.domain.vocabulary import Channel, ChiefTier

from ..unit.samples import LEADER_A, POLICE_A, POLICE_B, STATION_A
from .conftest import IDS, Appeals
from .feeds import Feed, register_enterprise
from .samples import raise_body, types

ACTING = {ChiefTier.POLICE_CHIEF: POLICE_B, ChiefTier.STATION_CHIEF: STATION_A, ChiefTier.BUREAU_LEADER: LEADER_A}


async def test_each_channel_reaches_the_acting_chief_of_its_tier(assignment: Feed, appeals: Appeals) -> None:
    await register_enterprise(assignment, police_a_away=True)
    await appeals.chiefs_known(police_acting=POLICE_B)
    for channel in Channel:
        accepted = await appeals.post("/appeals", raise_body(f"ap-{channel}", channel), status=201)
        assert accepted["events"] == ["AppealRaised", "AppealRouted"]
    for channel in Channel:
        tier = CHANNEL_TIER[channel]
        view = await appeals.appeal_when(f"ap-{channel}", lambda v: v["officer_id"] is not None)
        assert (view["channel"], view["tier"], view["officer_id"]) == (channel, tier, ACTING[tier])
        assert ACTING[tier] not in view["informed_officer_ids"]
    police_side = [c for c in Channel if CHANNEL_TIER[c] is ChiefTier.POLICE_CHIEF]
    queue = await appeals.get(f"/officers/{POLICE_B}/queue")
    assert sorted(a["appeal_id"] for a in queue) == sorted(f"ap-{c}" for c in police_side)
    assert await appeals.get(f"/officers/{POLICE_A}/queue") == []


async def test_an_emergency_is_diverted_to_110_and_still_routed(assignment: Feed, appeals: Appeals) -> None:
    await register_enterprise(assignment, police_a_away=False)
    await appeals.chiefs_known(police_acting=POLICE_A)
    await appeals.post("/appeals", raise_body("ap-fire", "phone", emergency=True), status=201)
    view = await appeals.appeal_when("ap-fire", lambda v: v["officer_id"] == POLICE_A)
    assert types(view) == ["AppealRaised", "AppealDivertedTo110", "AppealRouted"]
    assert view["limit_class"] == "emergency"


async def test_an_appeal_raised_without_an_id_is_named_by_the_services_id_factory(
    assignment: Feed, appeals: Appeals
) -> None:
    await register_enterprise(assignment, police_a_away=False)
    await appeals.chiefs_known(police_acting=POLICE_A)
    unnamed = {k: v for k, v in raise_body("ap-unused").items() if k != "appeal_id"}

    first = await appeals.post("/appeals", unnamed, status=201)
    second = await appeals.post("/appeals", {**unnamed, "appeal_id": ""}, status=201)

    named = [str(uuid.UUID(int=(IDS << 64) | n)) for n in (1, 2)]
    assert [first["id"], second["id"]] == named
    view = await appeals.appeal_when(named[1], lambda v: v["officer_id"] == POLICE_A)
    assert view["raised_at"] == "2026-03-02T09:00:00Z"
