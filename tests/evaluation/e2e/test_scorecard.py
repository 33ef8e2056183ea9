"""A scorecard through the real pipeline: the other services' stores, their relays, JetStream, the facts
projection and the HTTP API; checked against numbers worked out by hand (see `samples.small_year`)."""

from datetime import datetime, timedelta
from typing import Any

from nats.aio.client import Client as NATS

from jingzhang.evaluation.domain.period import BUREAU_TZ
from jingzhang.evaluation.projections.facts import PROJECTION as FACTS
from jingzhang.shared.auth import Role
from jingzhang.shared.replay import rebuild
from tests.auth import bearer

from ..conftest import Evaluation, Upstream, record_all
from ..samples import PC, acknowledged, at, chief, enterprise, officer, raised, routed, small_year


def rate(card: dict[str, Any], name: str) -> tuple[int, int]:
    return card[name]["numerator"], card[name]["denominator"]


async def given_the_small_year(upstreams: dict[str, Upstream], evaluation: Evaluation) -> int:
    recorded = await record_all(upstreams, small_year())
    await evaluation.settle(recorded)
    return recorded


async def scorecard(evaluation: Evaluation, officer: str = "o1", **params: str) -> dict[str, Any]:
    response = await evaluation.client.get(f"/officers/{officer}/scorecard", params={"period": "2025", **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_scorecards_rates_match_the_hand_computed_small_case(
    upstreams: dict[str, Upstream], evaluation: Evaluation, nc: NATS
) -> None:
    recorded = await given_the_small_year(upstreams, evaluation)
    rated = await evaluation.client.post(
        "/ratings",
        json={"enterprise_id": "e1", "officer_id": "o1", "tier": "police_chief", "period": "2025", "level": 5},
        headers=bearer(Role.ENTERPRISE_CONTACT, "e1-contact", enterprise_id="e1"),
    )
    assert rated.status_code == 201, rated.text
    await evaluation.settle(recorded + 1)

    card = await scorecard(evaluation)

    counts = [card[n]["total"] for n in ("appeals_handled", "appeals_as_a", "appeals_as_b")]
    assert counts == [3, 2, 1]
    assert rate(card, "response_rate") == (2, 3)
    assert rate(card, "resolution_rate") == (1, 3)
    assert rate(card, "satisfaction_rate") == (2, 3)
    assert rate(card, "on_time_closure") == (2, 3)
    assert rate(card, "reopen_rate") == (0, 3)
    assert rate(card, "visit_compliance") == (1, 2)
    assert card["satisfaction_rate"]["percent"] == 66.7
    assert [card[n]["total"] for n in ("hazards_rectified", "patrol_person_times", "ratings_received")] == [1, 1, 1]
    assert card["ratings_average"] == 5.0


async def test_the_evidence_lists_the_events_behind_a_rate(
    upstreams: dict[str, Upstream], evaluation: Evaluation
) -> None:
    await given_the_small_year(upstreams, evaluation)

    response = await evaluation.client.get(
        "/officers/o1/scorecard/evidence", params={"period": "2025", "metric": "response_rate"}
    )

    assert response.status_code == 200, response.text
    evidence = response.json()
    assert (len(evidence["fact_ids"]), len(evidence["counted_ids"])) == (3, 2)
    streams = {e["aggregate_id"] for e in evidence["events"]}
    assert streams == {"a1", "a2", "a3"}
    assert {e["event_type"] for e in evidence["events"]} >= {"AppealRaised", "AppealAcknowledged", "CallbackRecorded"}
    unknown = await evaluation.client.get("/officers/o1/scorecard/evidence", params={"period": "2025", "metric": "x"})
    assert (unknown.status_code, unknown.json()["field"]) == (422, "metric")


async def test_rebuilding_the_projection_by_replay_gives_identical_scorecards(
    upstreams: dict[str, Upstream], evaluation: Evaluation, nc: NATS
) -> None:
    await given_the_small_year(upstreams, evaluation)
    before = [await scorecard(evaluation, officer) for officer in ("o1", "o2", "o3")]

    result = await rebuild(evaluation.pool, nc, FACTS)

    assert (result.events, result.parked) == (await evaluation.applied(), 0)
    after = [await scorecard(evaluation, officer) for officer in ("o1", "o2", "o3")]
    assert after == before
    assert before[0]["appeals_handled"]["total"] == 3  # the replay had something to rebuild


async def test_a_scorecard_read_now_counts_appeals_still_within_their_limits_as_pending_not_missed(
    upstreams: dict[str, Upstream], evaluation: Evaluation
) -> None:
    """Two appeals raised at 9:00, first response within an hour, done within a day; read at 9:10."""
    steps = {
        "assignment": [officer("o1"), enterprise("e1"), chief("e1", "o1", PC)],
        "appeals": [step for a in ("a1", "a2") for step in (raised(a, at(3, 1)), routed(a, at(3, 1, 9, 1), "o1"))],
    }
    await evaluation.settle(await record_all(upstreams, steps))

    evaluation.clock.set(at(3, 1, 9, 10))
    minutes_old = await scorecard(evaluation)
    evaluation.clock.set(at(3, 1, 12))
    past_the_hour = await scorecard(evaluation)

    assert (minutes_old["response_rate"], minutes_old["on_time_closure"]) == (
        {"numerator": 0, "denominator": 0, "percent": None, "pending": 2},
        {"numerator": 0, "denominator": 0, "percent": None, "pending": 2},
    )
    assert minutes_old["as_of"] == at(3, 1, 9, 10).isoformat()
    assert (past_the_hour["response_rate"], past_the_hour["on_time_closure"]["pending"]) == (
        {"numerator": 0, "denominator": 2, "percent": 0.0, "pending": 0},
        2,
    )


async def test_an_appeal_received_by_phone_and_entered_later_counts_when_received_from_when_entered(
    upstreams: dict[str, Upstream], evaluation: Evaluation
) -> None:
    """Received on New Year's Eve at 20:00, entered on 2 January at 10:00 and routed then: it is 2025's
    appeal, known since 2 January, and its limits (1 hour, 1 day from receipt) had run out before o1
    got it, so neither is charged to o1."""
    entered = datetime(2026, 1, 2, 10, tzinfo=BUREAU_TZ)
    steps = {
        "assignment": [officer("o1"), enterprise("e1"), chief("e1", "o1", PC)],
        "appeals": [
            raised("a1", entered, received=at(12, 31, 20)),
            routed("a1", entered, "o1"),
            acknowledged("a1", entered + timedelta(minutes=5), "o1"),
        ],
    }
    await evaluation.settle(await record_all(upstreams, steps))

    on_new_years_day = await scorecard(evaluation, as_of=datetime(2026, 1, 1, 12, tzinfo=BUREAU_TZ).isoformat())
    now = await scorecard(evaluation)
    next_year = await evaluation.client.get("/officers/o1/scorecard", params={"period": "2026"})

    assert on_new_years_day["appeals_handled"]["total"] == 0
    assert now["appeals_handled"]["total"] == 1
    assert (now["response_rate"]["denominator"], now["on_time_closure"]["denominator"]) == (0, 0)
    assert next_year.json()["appeals_handled"]["total"] == 0
