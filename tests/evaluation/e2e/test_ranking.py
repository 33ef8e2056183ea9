"""The yearly ranking over HTTP: the enterprises' word first (ratings, spot checks), appeal outcomes and
visits beside; weights and guard returned with it; each score explained down to its events; published
once the year is over."""

from typing import Any

from ..conftest import Evaluation, Upstream, record_all
from ..samples import Step, appeal, at, small_year

DEFAULT_WEIGHTS = {
    "ratings": 0.30,
    "spot_checks": 0.20,
    "satisfaction": 0.15,
    "resolution": 0.10,
    "response": 0.10,
    "visit_compliance": 0.15,
    "activity_volume": 0.0,
}


def with_a_second_ranked_officer() -> dict[str, list[Step]]:
    """o2 gets 3 rated appeals, two badly rated; o3 gets 1, below the guard of 2 (see the fixture)."""
    year = small_year()
    year["appeals"] += [
        *appeal("a5", "o2", 10, rating=(1, False)),
        *appeal("a6", "o2", 11, rating=(2, False)),
        *appeal("a7", "o3", 12, rating=(5, True)),
    ]
    return year


async def ranking(evaluation: Evaluation) -> dict[str, Any]:
    response = await evaluation.client.get("/rankings/2025")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def order(body: dict[str, Any]) -> tuple[list[str], list[str]]:
    return [o["officer_id"] for o in body["models"]], [o["officer_id"] for o in body["laggards"]]


async def rate(evaluation: Evaluation, officer_id: str, tier: str, level: int) -> None:
    body = {"enterprise_id": "e1", "officer_id": officer_id, "tier": tier, "period": "2025", "level": level}
    response = await evaluation.client.post("/ratings", json=body)
    assert response.status_code == 201, response.text


async def test_the_ranking_comes_with_its_weights_and_guard_and_publishes_once(
    upstreams: dict[str, Upstream], evaluation: Evaluation
) -> None:
    await evaluation.settle(await record_all(upstreams, with_a_second_ranked_officer()))

    computed = await ranking(evaluation)

    assert order(computed) == (["o1"], ["o2"])
    assert [(o["officer_id"], o["sample"]) for o in computed["unranked_on_rates"]] == [("o3", 1)]
    assert "fewer than the minimum 2" in computed["unranked_on_rates"][0]["reason"]
    assert computed["weighting"] == DEFAULT_WEIGHTS
    assert computed["guard"]["min_sample"] == 2
    assert computed["guard"]["counts"] == ["ratings", "rated_appeals", "spot_check_answers"]
    assert "fewer than 2 ratings, rated appeals and spot-check answers" in computed["guard"]["rule"]
    assert computed["models"][0]["components"]["ratings"] is None  # nobody rated o1: left out, not 0
    assert computed["published"] is None

    published = await evaluation.client.post("/rankings/2025/publish")
    assert (published.status_code, published.json()["events"]) == (201, ["RankingPublished"])
    again = await evaluation.client.post("/rankings/2025/publish")
    assert (again.status_code, again.json()) == (201, published.json())  # a retry answers what the first did
    running_year = await evaluation.client.post("/rankings/2026/publish")
    assert (running_year.status_code, running_year.json()["code"]) == (409, "year_not_over")
    shown = (await ranking(evaluation))["published"]
    assert [o["officer_id"] for o in shown["models"]] == ["o1"]
    assert (shown["weighting"], shown["min_sample"]) == (DEFAULT_WEIGHTS, 2)


async def test_a_rating_campaign_that_changes_only_the_ratings_changes_the_ranking(
    upstreams: dict[str, Upstream], evaluation: Evaluation
) -> None:
    recorded = await record_all(upstreams, with_a_second_ranked_officer())
    await evaluation.settle(recorded)
    assert order(await ranking(evaluation)) == (["o1"], ["o2"])

    await rate(evaluation, "o1", "police_chief", 1)
    await rate(evaluation, "o2", "station_chief", 5)
    await evaluation.settle(recorded + 2)

    assert order(await ranking(evaluation)) == (["o2"], ["o1"])


async def test_spot_check_results_move_it_too_and_every_score_is_explained_down_to_its_events(
    upstreams: dict[str, Upstream], evaluation: Evaluation
) -> None:
    recorded = await record_all(upstreams, with_a_second_ranked_officer())
    await evaluation.settle(recorded)
    evaluation.clock.set(at(12, 20))  # the bureau's year-end spot check, in the year it ranks
    drawn = await evaluation.client.post("/spot-checks", json={"spot_check_id": "sc1", "seed": 1, "sample_size": 1})
    assert drawn.status_code == 201, drawn.text
    about_o1 = {"enterprise_id": "e1", "officer_id": "o1", "satisfied": False, "level": 2, "comment": "难找人"}
    answered = await evaluation.client.post("/spot-checks/sc1/answers", json=about_o1)
    assert answered.status_code == 201, answered.text
    await evaluation.settle(recorded + 2)

    assert order(await ranking(evaluation)) == (["o2"], ["o1"])

    response = await evaluation.client.get("/rankings/2025/officers/o1")
    assert response.status_code == 200, response.text
    explained = response.json()
    parts = {p["component"]: p for p in explained["components"]}
    assert explained["rank"] == 2
    assert abs(sum(p["contribution"] for p in parts.values()) - explained["score"]) < 1e-3
    assert {e["event_type"] for e in parts["spot_checks"]["events"]} >= {"SpotCheckAnswerRecorded"}
    assert parts["spot_checks"]["value"] == 0
    assert {e["aggregate_id"] for e in parts["satisfaction"]["events"]} == {"a1", "a2", "a3"}
    assert {"AppealRaised", "CallbackRecorded"} <= {e["event_type"] for e in parts["satisfaction"]["events"]}
    assert {e["aggregate_id"] for e in parts["visit_compliance"]["events"]} == {"d1", "d2"}
    assert parts["ratings"]["value"] is None
    assert explained["weighting"] == DEFAULT_WEIGHTS
    nobody = await evaluation.client.get("/rankings/2025/officers/o9")
    assert nobody.status_code == 404
