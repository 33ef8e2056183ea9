"""The yearly ranking over HTTP: the sample guard, publication once the year is over, and a retry."""

from ..conftest import Evaluation, Upstream, record_all
from ..samples import Step, appeal, small_year


def with_a_second_ranked_officer() -> dict[str, list[Step]]:
    """o2 gets 3 rated appeals, all badly rated; o3 gets 1, below the guard of 2 (see the fixture)."""
    year = small_year()
    year["appeals"] += [
        *appeal("a5", "o2", 10, rating=(1, False)),
        *appeal("a6", "o2", 11, rating=(2, False)),
        *appeal("a7", "o3", 12, rating=(5, True)),
    ]
    return year


async def test_the_ranking_refuses_officers_below_the_sample_guard_and_publishes_once(
    upstreams: dict[str, Upstream], evaluation: Evaluation
) -> None:
    await evaluation.settle(await record_all(upstreams, with_a_second_ranked_officer()))

    computed = (await evaluation.client.get("/rankings/2025")).json()

    assert [o["officer_id"] for o in computed["models"]] == ["o1"]
    assert [o["officer_id"] for o in computed["laggards"]] == ["o2"]
    assert [(o["officer_id"], o["rated_appeals"]) for o in computed["unranked_on_rates"]] == [("o3", 1)]
    assert "fewer than the minimum 2" in computed["unranked_on_rates"][0]["reason"]
    assert "fewer than 2 rated appeals" in computed["guard"]
    assert computed["published"] is None

    published = await evaluation.client.post("/rankings/2025/publish")
    assert (published.status_code, published.json()["events"]) == (201, ["RankingPublished"])
    again = await evaluation.client.post("/rankings/2025/publish")
    assert (again.status_code, again.json()["events"], again.json()["version"]) == (201, [], 1)
    running_year = await evaluation.client.post("/rankings/2026/publish")
    assert (running_year.status_code, running_year.json()["code"]) == (409, "year_not_over")
    shown = (await evaluation.client.get("/rankings/2025")).json()["published"]
    assert [o["officer_id"] for o in shown["models"]] == ["o1"]
