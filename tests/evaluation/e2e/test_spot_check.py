"""A satisfaction spot check over HTTP: a seeded draw from the active enterprises, answers, closing,
and the comparison with what the sampled enterprises reported in their ratings."""

from jingzhang.evaluation.domain.spot_check import draw_sample

from ..conftest import Evaluation, Upstream, record_all
from ..samples import PC, EnterpriseClass, chief, enterprise, small_year


async def test_a_spot_check_is_drawn_answered_closed_and_compared_with_the_ratings(
    upstreams: dict[str, Upstream], evaluation: Evaluation
) -> None:
    year = small_year()
    year["assignment"] += [enterprise("e2", EnterpriseClass.ABOVE_SCALE), chief("e2", "o1", PC)]
    recorded = await record_all(upstreams, year)
    await evaluation.settle(recorded)
    rating = {"enterprise_id": "e1", "officer_id": "o1", "tier": "police_chief", "period": "2025", "level": 5}
    assert (await evaluation.client.post("/ratings", json=rating)).status_code == 201
    await evaluation.settle(recorded + 1)

    drawn = await evaluation.client.post("/spot-checks", json={"spot_check_id": "sc1", "seed": 42, "sample_size": 2})
    assert drawn.status_code == 201, drawn.text
    answered = await evaluation.client.post(
        "/spot-checks/sc1/answers", json={"enterprise_id": "e1", "satisfied": False, "level": 2, "comment": "slow"}
    )
    assert answered.status_code == 201, answered.text
    retried = await evaluation.client.post(
        "/spot-checks/sc1/answers", json={"enterprise_id": "e1", "satisfied": False, "level": 2, "comment": "slow"}
    )
    assert (retried.status_code, retried.json()) == (201, answered.json())
    otherwise = await evaluation.client.post(
        "/spot-checks/sc1/answers", json={"enterprise_id": "e1", "satisfied": True, "level": 5}
    )
    assert (otherwise.status_code, otherwise.json()["code"], otherwise.json()["field"]) == (
        409,
        "duplicate",
        "enterprise_id",
    )
    outsider = await evaluation.client.post(
        "/spot-checks/sc1/answers", json={"enterprise_id": "e9", "satisfied": True, "level": 5}
    )
    assert (outsider.status_code, outsider.json()["field"]) == (422, "enterprise_id")
    closed = await evaluation.client.post("/spot-checks/sc1/close", json={"expected_version": 2})
    assert (closed.status_code, closed.json()["events"]) == (200, ["SpotCheckClosed"])

    view = (await evaluation.client.get("/spot-checks/sc1")).json()

    assert tuple(view["sample"]) == draw_sample(["e1", "e2"], 42, 2)
    assert (view["status"], view["population_size"], view["version"]) == ("closed", 2, 3)
    answer = {"enterprise_id": "e1", "satisfied": False, "level": 2, "comment": "slow", "officer_id": None}
    assert view["answers"] == [answer]
    comparison = view["comparison"]
    assert (comparison["sampled"]["numerator"], comparison["sampled"]["denominator"]) == (0, 1)
    assert (comparison["reported"]["numerator"], comparison["reported"]["denominator"]) == (1, 1)
    assert comparison["gap_percent_points"] == 100.0
    missing = await evaluation.client.get("/spot-checks/nope")
    assert missing.status_code == 404
