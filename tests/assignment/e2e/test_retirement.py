"""Feature: an officer who retires is relieved of every post, and the enterprises' coverage gaps reopen."""

from datetime import datetime

import httpx
from fastapi import FastAPI

from jingzhang.assignment.domain.events import Slot
from jingzhang.shared.clock import FixedClock
from jingzhang.shared.envelope import StreamId

from ..unit.samples import ENTERPRISE_ID, OFFICERS, PC, day
from .scenario import getter, ok, staffed, until

PC_A = OFFICERS[(PC, Slot.A)]


async def recorded(app: FastAPI) -> list[str]:
    """The event types of the enterprise's stream."""
    stream = await app.state.runtime.store.read_stream(StreamId("enterprise", ENTERPRISE_ID))
    return [e.event_type for e in stream]


async def test_retiring_the_only_police_chief_relieves_them_and_opens_a_gap(
    client: httpx.AsyncClient, app: FastAPI, clock: FixedClock
) -> None:
    await staffed(client, Slot.A)
    await until(getter(client, f"/officers/{PC_A}/enterprises"), lambda posts: bool(posts))
    await until(getter(client, "/coverage-gaps"), lambda gaps: gaps == [])

    retired = await ok(client.post(f"/officers/{PC_A}/retire", json={"effective_from": day(3).isoformat()}))
    # the post is held until the retirement's date, and listed with its end until then; the tier is
    # covered until then too: the gap opens when the retirement takes effect, not when it is decided
    ending = await until(getter(client, f"/officers/{PC_A}/enterprises"), lambda posts: posts and posts[0]["until"])
    recorded_before = await recorded(app)
    clock.set(day(3))
    gaps = await until(getter(client, "/coverage-gaps"), lambda gaps: bool(gaps))
    posts = await getter(client, f"/officers/{PC_A}/enterprises")()
    # each read model follows the events on its own: wait for the enterprise file to show the term ended
    file = await until(
        getter(client, f"/enterprises/{ENTERPRISE_ID}"),
        lambda f: any(t["officer_id"] == PC_A and t["effective_until"] for t in (f or {}).get("history", [])),
    )

    assert retired["events"] == ["OfficerRetired"]
    # decided now: the relief and who acts from day 3 (nobody), nothing about coverage: covered until then
    assert recorded_before[-2:] == ["ChiefRelieved", "ActingChiefChanged"]
    # on day 3 the acting worker settles it: the gap opens and nobody acts
    assert (await recorded(app))[len(recorded_before) :] == [
        "CoverageGapOpened",
        "CoverageShortfallClosed",  # no chief at all is a gap, not a shortfall
        "NobodyActing",
    ]
    assert (gaps[0]["enterprise_id"], gaps[0]["missing"], gaps[0]["reason"]) == (
        ENTERPRISE_ID,
        ["police_chief"],
        "police_chief A relieved",  # what changed on day 3; the term itself says why (below)
    )
    assert [(p["enterprise_id"], datetime.fromisoformat(p["until"])) for p in ending] == [(ENTERPRISE_ID, day(3))]
    assert posts == []
    term = next(t for t in file["history"] if t["officer_id"] == PC_A)
    assert (term["relieved_reason"], datetime.fromisoformat(term["effective_until"])) == ("officer_retired", day(3))
    officer = await ok(client.get(f"/officers/{PC_A}"))
    assert officer["status"] == "retired"
