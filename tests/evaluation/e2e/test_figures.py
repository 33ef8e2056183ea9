"""The figure table over HTTP, as of a past date: what was recorded after it is ignored."""

import asyncio
import csv
import io
from datetime import UTC, date, datetime
from typing import Any

from ..conftest import Evaluation, Upstream, record_all
from ..samples import (
    BL,
    PC,
    SC,
    EnterpriseClass,
    Step,
    at,
    chief,
    enterprise,
    forum,
    forum_appeal_id,
    leaflets,
    office,
    officer,
    raised,
)

YEAR = {"from": "2025-01-01", "to": "2026-01-01"}


def first_batch() -> dict[str, list[Step]]:
    return {
        "assignment": [
            officer("o1"),
            officer("o2"),
            officer("o3"),
            enterprise("e1"),
            chief("e1", "o1", PC),
            chief("e1", "o2", SC),
            chief("e1", "o3", BL),
            office("e1", "office-1"),
        ],
        "patrols": [leaflets("l1", 500, date(2025, 5, 1)), forum("f1", date(2025, 6, 1), ("r1", "r2"))],
        "appeals": [raised(forum_appeal_id("f1", "r1"), at(6, 2)), raised(forum_appeal_id("f1", "r2"), at(6, 2))],
    }


def second_batch() -> dict[str, list[Step]]:
    """Recorded later, about the same year: a new enterprise with one chief only, more leaflets."""
    return {
        "assignment": [officer("o4"), enterprise("e2", EnterpriseClass.ABOVE_SCALE), chief("e2", "o4", PC)],
        "patrols": [leaflets("l2", 700, date(2025, 7, 1))],
    }


def figures_of(body: dict[str, Any]) -> dict[str, object]:
    staffed = body["enterprises_with_min_chiefs"]
    return {
        "officers": body["officers_in_scheme"]["total"],
        "city": body["city_key_projects"]["total"],
        "above_scale": body["above_scale_enterprises"]["total"],
        "offices": body["police_offices"]["total"],
        "min_chiefs": body["chiefs_per_enterprise_min"],
        "forums": body["forums_held"]["total"],
        "forum_appeals": body["forum_appeals"]["total"],
        "leaflets": body["leaflets"]["total"],
        "staffed": (staffed["numerator"], staffed["denominator"]),
    }


async def test_the_figure_table_as_of_a_past_date_ignores_later_events(
    upstreams: dict[str, Upstream], evaluation: Evaluation
) -> None:
    await evaluation.settle(first := await record_all(upstreams, first_batch()))
    between = datetime.now(UTC)
    await asyncio.sleep(0.01)  # recorded times come from the database's clock on this same host
    await evaluation.settle(first + await record_all(upstreams, second_batch()))

    then = await evaluation.client.get("/figures", params={**YEAR, "as_of": between.isoformat()})
    now = await evaluation.client.get("/figures", params=YEAR)

    assert then.status_code == now.status_code == 200, then.text
    assert figures_of(then.json()) == {
        "officers": 3,
        "city": 1,
        "above_scale": 0,
        "offices": 1,
        "min_chiefs": 3,
        "forums": 1,
        "forum_appeals": 2,
        "leaflets": 500,
        "staffed": (1, 1),
    }
    assert figures_of(now.json()) == {
        "officers": 4,
        "city": 1,
        "above_scale": 1,
        "offices": 1,
        "min_chiefs": 1,
        "forums": 1,
        "forum_appeals": 2,
        "leaflets": 1200,
        "staffed": (1, 2),
    }
    table = await evaluation.client.get("/figures.csv", params={**YEAR, "as_of": between.isoformat()})
    assert table.headers["content-type"].startswith("text/csv")
    rows = {row["figure"]: row for row in csv.DictReader(io.StringIO(table.text))}
    assert (rows["leaflets"]["value"], rows["enterprises_with_min_chiefs"]["value"]) == ("500", "100.0")
    backwards = await evaluation.client.get("/figures", params={"from": "2025-06-01", "to": "2025-01-01"})
    assert (backwards.status_code, backwards.json()["field"]) == (422, "to")
