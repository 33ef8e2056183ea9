"""The figure table over HTTP for any business period, as of any instant: business time says which
period a fact belongs to, knowledge time (the producer's clock when it recorded the event, never the
database's) says whether the bureau knew it yet."""

import csv
import io
from datetime import date
from typing import Any

from ..conftest import Evaluation, Upstream, record_all
from ..samples import (
    BL,
    PC,
    SC,
    CaseKind,
    EnterpriseClass,
    RiskLevel,
    Step,
    at,
    case,
    chief,
    dispute,
    enterprise,
    forum,
    forum_appeal_id,
    leaflets,
    office,
    officer,
    problem,
    raised,
    recorded_on,
)

YEAR = {"from": "2025-01-01", "to": "2026-01-01"}
H1 = {"from": "2025-01-01", "to": "2025-07-01"}
H2 = {"from": "2025-07-01", "to": "2026-01-01"}
AUGUST = at(8, 1, 0).isoformat()


def first_batch() -> dict[str, list[Step]]:
    """Recorded as it happened, in the first half of 2025; the forum's appeals raised two days after it."""
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
        "patrols": [leaflets("l1", 500, date(2025, 5, 1)), forum("f1", date(2025, 6, 30), ("r1", "r2"))],
        "appeals": [raised(forum_appeal_id("f1", "r1"), at(7, 2)), raised(forum_appeal_id("f1", "r2"), at(7, 2))],
    }


def second_batch() -> dict[str, list[Step]]:
    """Entered on 1 September: a new enterprise with one chief (appointed in January, on paper), and
    leaflets handed out on 1 July."""
    september = at(9, 1)
    return {
        "assignment": recorded_on(
            september, [officer("o4"), enterprise("e2", EnterpriseClass.ABOVE_SCALE), chief("e2", "o4", PC)]
        ),
        "patrols": recorded_on(september, [leaflets("l2", 700, date(2025, 7, 1))]),
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


async def figures(evaluation: Evaluation, **params: str) -> dict[str, object]:
    response = await evaluation.client.get("/figures", params=params)
    assert response.status_code == 200, response.text
    return figures_of(response.json())


KNOWN_IN_AUGUST = {
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


async def given_both_batches(upstreams: dict[str, Upstream], evaluation: Evaluation) -> None:
    first = await record_all(upstreams, first_batch())
    await evaluation.settle(first + await record_all(upstreams, second_batch()))


async def test_the_year_as_of_a_past_instant_ignores_what_was_recorded_after_it(
    upstreams: dict[str, Upstream], evaluation: Evaluation
) -> None:
    await given_both_batches(upstreams, evaluation)

    assert await figures(evaluation, **YEAR, as_of=AUGUST) == KNOWN_IN_AUGUST
    assert await figures(evaluation, **YEAR) == {
        **KNOWN_IN_AUGUST,
        "officers": 4,
        "above_scale": 1,
        "min_chiefs": 1,
        "leaflets": 1200,
        "staffed": (1, 2),
    }
    table = await evaluation.client.get("/figures.csv", params={**YEAR, "as_of": AUGUST})
    assert table.headers["content-type"].startswith("text/csv")
    rows = {row["figure"]: row for row in csv.DictReader(io.StringIO(table.text))}
    assert (rows["leaflets"]["value"], rows["enterprises_with_min_chiefs"]["value"]) == ("500", "100.0")
    backwards = await evaluation.client.get("/figures", params={"from": "2025-06-01", "to": "2025-01-01"})
    assert (backwards.status_code, backwards.json()["field"]) == (422, "to")


async def test_a_half_year_shows_who_existed_in_it_and_the_work_done_in_it(
    upstreams: dict[str, Upstream], evaluation: Evaluation
) -> None:
    await given_both_batches(upstreams, evaluation)

    first_half = await figures(evaluation, **H1)
    second_half = await figures(evaluation, **H2)
    second_half_in_august = await figures(evaluation, **H2, as_of=AUGUST)

    # the forum of 30 June and the appeals collected there count in June, though raised in July
    assert first_half == KNOWN_IN_AUGUST
    assert second_half == {
        **KNOWN_IN_AUGUST,
        "officers": 4,
        "above_scale": 1,
        "min_chiefs": 1,
        "forums": 0,
        "forum_appeals": 0,
        "leaflets": 700,
        "staffed": (1, 2),
    }
    assert second_half_in_august == {**KNOWN_IN_AUGUST, "forums": 0, "forum_appeals": 0, "leaflets": 0}


async def test_a_registration_entered_later_counts_from_its_business_day_once_it_was_entered(
    upstreams: dict[str, Upstream], evaluation: Evaluation
) -> None:
    """On 1 September the bureau enters an enterprise registered on 1 March, its officer enrolled on
    1 February and its police office opened on 1 April."""
    entered = recorded_on(
        at(9, 1),
        [
            officer("o1", on=date(2025, 2, 1)),
            enterprise("e1", on=date(2025, 3, 1)),
            chief("e1", "o1", PC, since=at(3, 2)),
            office("e1", "office-1", on=date(2025, 4, 1)),
        ],
    )
    await evaluation.settle(await record_all(upstreams, {"assignment": entered}))
    first_quarter = {"from": "2025-01-01", "to": "2025-04-01"}

    nothing_yet = {**KNOWN_IN_AUGUST, "officers": 0, "city": 0, "offices": 0, "min_chiefs": None}
    nothing_yet |= {"forums": 0, "forum_appeals": 0, "leaflets": 0, "staffed": (0, 0)}
    assert await figures(evaluation, **H1, as_of=AUGUST) == nothing_yet
    known = {**nothing_yet, "officers": 1, "city": 1, "offices": 1, "min_chiefs": 1, "staffed": (0, 1)}
    assert await figures(evaluation, **H1) == known
    assert await figures(evaluation, **first_quarter) == {**known, "offices": 0}
    assert await figures(evaluation, **{"from": "2025-01-01", "to": "2025-02-01"}) == nothing_yet


async def test_major_risk_disputes_defused_and_losses_recovered_are_rows_after_the_reports(
    upstreams: dict[str, Upstream], evaluation: Evaluation
) -> None:
    """Issue 14 items 6 and 4: a dispute at the top risk level counts also as a major risk defused; a case
    that recovered losses counts its yuan whatever its kind, an obstruction case still once as such; the
    recurring problems the appeals service found count on the day they were found."""
    work = [
        dispute("d1", date(2025, 3, 1), RiskLevel.MAJOR),
        dispute("d2", date(2025, 3, 2), RiskLevel.GENERAL),
        dispute("d3", date(2025, 8, 3)),  # recorded before risk levels: a dispute, no risk assessed
        dispute("d4", date(2025, 9, 4), RiskLevel.MAJOR),
        case("c1", date(2025, 4, 1), CaseKind.ILLEGAL_OBSTRUCTION_OF_CONSTRUCTION, 120_000),
        case("c2", date(2025, 5, 1), CaseKind.OTHER, 30_500),
        case("c3", date(2025, 9, 1), CaseKind.DISRUPTION_OF_PRODUCTION),
    ]
    found = [problem("rp-1", date(2025, 4, 2)), problem("rp-2", date(2025, 10, 9))]
    given = {"assignment": [officer("o1"), enterprise("e1")], "patrols": work, "appeals": found}
    await evaluation.settle(await record_all(upstreams, given))

    async def table(**params: str) -> dict[str, Any]:
        response = await evaluation.client.get("/figures", params=params)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    year, first_half = await table(**YEAR), await table(**H1)
    added = ["major_risk_disputes_defused", "losses_recovered_yuan", "recurring_problems"]
    counts = ("disputes_mediated", "obstruction_cases", *added)
    assert [year[name]["total"] for name in counts] == [4, 1, 2, 150_500, 2]
    assert [first_half[name]["total"] for name in counts] == [2, 1, 1, 150_500, 1]
    assert list(year)[-3:] == added
    csv_rows = list(csv.DictReader(io.StringIO((await evaluation.client.get("/figures.csv", params=YEAR)).text)))
    assert [(r["figure"], r["value"]) for r in csv_rows[-3:]] == list(zip(added, ("2", "150500", "2"), strict=True))
