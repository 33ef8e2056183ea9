"""Only facts about someone count: a rating or a spot-check answer naming an enterprise or officer that
nobody has is refused as such (422 naming the field, once evaluation has applied everything assignment
published), not as "no chief"; nothing is recorded."""

from tests.kernel.helpers import eventually

from ..conftest import Evaluation, Upstream, record_all
from ..samples import officer, small_year

RATING = {"enterprise_id": "e1", "officer_id": "o1", "tier": "police_chief", "period": "2025", "level": 5}


async def test_ratings_and_answers_about_nobody_are_refused_naming_the_field(
    upstreams: dict[str, Upstream], evaluation: Evaluation
) -> None:
    year = small_year()
    year["assignment"].append(officer("o9"))  # enrolled, nobody's chief
    await evaluation.settle(await record_all(upstreams, year))
    runtime = evaluation.app.state.runtime
    await eventually(lambda: runtime.caught_up("assignment"), timeout=20)  # every projection, not only the facts

    refusals = []
    for changed in ({"enterprise_id": "e404"}, {"officer_id": "o404"}, {"officer_id": "o9"}):
        response = await evaluation.client.post("/ratings", json={**RATING, **changed})
        refusals.append((response.status_code, response.json()["code"], response.json()["field"]))
    drawn = await evaluation.client.post("/spot-checks", json={"spot_check_id": "sc1", "seed": 1, "sample_size": 1})
    assert drawn.status_code == 201, drawn.text
    for answer in ({"enterprise_id": "e404"}, {"enterprise_id": "e1", "officer_id": "o404"}):
        response = await evaluation.client.post(
            "/spot-checks/sc1/answers", json={"satisfied": True, "level": 5, **answer}
        )
        refusals.append((response.status_code, response.json()["code"], response.json()["field"]))

    assert refusals == [
        (422, "unknown_enterprise", "enterprise_id"),
        (422, "unknown_officer", "officer_id"),
        (409, "not_a_chief", "officer_id"),
        (422, "unknown_enterprise", "enterprise_id"),
        (422, "unknown_officer", "officer_id"),
    ]
    recorded = await evaluation.pool.fetch("SELECT event_type FROM es.events ORDER BY position")
    assert [r["event_type"] for r in recorded] == ["SpotCheckDrawn"]
