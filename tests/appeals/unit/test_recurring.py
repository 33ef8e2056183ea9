"""Recurring problems (issue 14 item 4): the detector, pure, with a property: the order in which appeals
arrive does not change the clusters."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jingzhang.appeals.domain.recurring import (
    AppealFact,
    ClusterKind,
    RecurringProblem,
    RecurringProblemGrew,
    check_rules,
    decide_record,
    decide_verdict,
    detect,
    evolve,
)
from jingzhang.appeals.domain.vocabulary import Category
from jingzhang.shared.errors import DomainRejected, InvalidCommand, NotFound

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
DAY = timedelta(days=1)
HK = "恒口派出所"


def appeal(n: int, enterprise: str = "ent-1", days: float = 0, category: Category = Category.DISPUTE) -> AppealFact:
    station = HK if enterprise != "ent-far" else "城关派出所"
    return AppealFact(f"ap-{n}", enterprise, station, category, T0 + days * DAY)


class TestTheDetector:
    def test_the_same_enterprise_again_and_a_stations_area_are_clusters_of_one_category(self) -> None:
        found = detect(
            [appeal(1), appeal(2, days=3), appeal(3, "ent-2", days=5), appeal(4, days=6, category=Category.OTHER)]
        )
        assert [(c.kind, c.scope, c.appeal_ids) for c in found] == [
            (ClusterKind.ENTERPRISE, "ent-1", ("ap-1", "ap-2")),
            (ClusterKind.STATION, HK, ("ap-1", "ap-2", "ap-3")),
        ]

    def test_an_appeal_further_than_the_window_from_the_last_starts_another_cluster(self) -> None:
        facts = [appeal(1), appeal(2, days=20), appeal(3, days=60), appeal(4, days=61)]
        found = detect(facts, window=timedelta(days=30), threshold=2)
        assert {c.appeal_ids for c in found if c.kind is ClusterKind.ENTERPRISE} == {("ap-1", "ap-2"), ("ap-3", "ap-4")}
        assert detect(facts, window=timedelta(days=30), threshold=3) == []

    @pytest.mark.parametrize(("window", "threshold", "field"), [(timedelta(0), 2, "window"), (DAY, 0, "threshold")])
    def test_a_window_or_threshold_not_above_zero_is_refused_naming_it(
        self, window: timedelta, threshold: int, field: str
    ) -> None:
        with pytest.raises(InvalidCommand) as refused:
            check_rules(window, threshold)
        assert refused.value.field == field

    @settings(max_examples=60, deadline=None)
    @given(
        st.lists(
            st.tuples(st.sampled_from(["ent-1", "ent-2", "ent-far"]), st.integers(0, 90), st.sampled_from(Category)),
            min_size=0,
            max_size=25,
        ),
        st.randoms(use_true_random=False),
        st.integers(1, 4),
    )
    def test_the_order_of_arrival_does_not_change_the_clusters(
        self, spec: list[tuple[str, int, Category]], shuffler: random.Random, threshold: int
    ) -> None:
        facts = [appeal(n, enterprise, days, category) for n, (enterprise, days, category) in enumerate(spec)]
        shuffled = list(facts)
        shuffler.shuffle(shuffled)
        assert detect(shuffled, DAY * 10, threshold) == detect(facts, DAY * 10, threshold)


class TestItsStream:
    def test_found_once_grown_when_more_join_and_the_same_again_records_nothing(self) -> None:
        [first] = detect([appeal(1), appeal(2, days=1)], threshold=2)[:1]
        [detected] = decide_record(RecurringProblem(), first, T0)
        state = evolve(RecurringProblem(), detected)
        assert decide_record(state, first, T0 + DAY) == []
        [grown_cluster] = detect([appeal(1), appeal(2, days=1), appeal(3, days=2)], threshold=2)[:1]
        assert grown_cluster.problem_id == first.problem_id
        [grew] = decide_record(state, grown_cluster, T0 + 2 * DAY)
        assert isinstance(grew, RecurringProblemGrew)
        assert grew.appeal_ids == ("ap-1", "ap-2", "ap-3")

    def test_the_bureau_confirms_or_dismisses_once(self) -> None:
        [cluster] = detect([appeal(1), appeal(2, days=1)], threshold=2)[:1]
        state = evolve(RecurringProblem(), decide_record(RecurringProblem(), cluster, T0)[0])
        [confirmed] = decide_verdict(state, cluster.problem_id, True, "同一工地反复", T0)
        state = evolve(state, confirmed)
        assert decide_verdict(state, cluster.problem_id, True, "again", T0) == []
        with pytest.raises(DomainRejected):
            decide_verdict(state, cluster.problem_id, False, "no", T0)
        with pytest.raises(NotFound):
            decide_verdict(RecurringProblem(), "rp-none", True, "x", T0)
