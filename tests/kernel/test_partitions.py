"""Partitions without servers: subjects of the partitioned copy, fair shares and who releases what, for
eight partitions (a deployment's choice); and the default of one, which has no copy."""

import pytest

from jingzhang.shared.partitions import (
    PARTITIONS,
    direct,
    fair_share,
    partition_filter,
    partition_of,
    partitioned_destination,
    plan,
    preference,
    published_subject,
    source_pattern,
)
from jingzhang.shared.settings import ServiceSettings

EIGHT = 8


def test_the_default_is_one_partition_with_no_copy_in_the_kernel_and_every_services_settings() -> None:
    assert PARTITIONS == ServiceSettings().partitions == 1
    assert direct(PARTITIONS)
    assert partition_filter("appeals", "appeal", None) == "jz.appeals.evt.appeal.*.*"


class TestSubjects:
    def test_the_copy_takes_exactly_the_event_subjects_and_puts_the_partition_first(self) -> None:
        assert source_pattern("appeals") == "jz.appeals.evt.*.*.*"
        assert partitioned_destination("appeals", EIGHT) == (
            "jzp.appeals.{{partition(8,1,2)}}.{{wildcard(1)}}.{{wildcard(2)}}.{{wildcard(3)}}"
        )

    def test_a_partition_filter_follows_one_aggregate_type_of_one_partition_or_of_all(self) -> None:
        assert partition_filter("appeals", "appeal", 3, EIGHT) == "jzp.appeals.3.appeal.>"
        assert partition_filter("appeals", "appeal", None, EIGHT) == "jzp.appeals.*.appeal.>"

    def test_the_published_subject_is_restored_from_the_copy(self) -> None:
        stored = "jzp.appeals.5.appeal.A-2026-0001.AppealRaised"

        assert published_subject(stored) == "jz.appeals.evt.appeal.A-2026-0001.AppealRaised"
        assert partition_of(stored) == 5

    def test_a_service_stream_subject_is_left_as_it_is(self) -> None:
        assert published_subject("jz.appeals.evt.appeal.a1.AppealRaised") == "jz.appeals.evt.appeal.a1.AppealRaised"
        assert partition_of("jz.appeals.evt.appeal.a1.AppealRaised") is None


class TestFairShare:
    @pytest.mark.parametrize(("members", "share"), [(0, 8), (1, 8), (2, 4), (3, 3), (8, 1), (9, 1)])
    def test_is_the_ceiling_of_partitions_over_replicas(self, members: int, share: int) -> None:
        assert fair_share(EIGHT, members) == share

    def test_replicas_prefer_disjoint_runs_of_partitions(self) -> None:
        first, second = preference(0, 4, EIGHT), preference(1, 4, EIGHT)

        assert first[:4] == [0, 1, 2, 3]
        assert second[:4] == [4, 5, 6, 7]
        assert sorted(first) == sorted(second) == list(range(EIGHT))


class TestPlan:
    def test_a_replica_alone_claims_everything_in_its_order(self) -> None:
        decided = plan([], 8, preference(0, 8, EIGHT))

        assert decided.release == []
        assert decided.candidates == list(range(8))

    def test_when_a_second_replica_joins_the_first_releases_the_partitions_it_prefers_least(self) -> None:
        decided = plan(list(range(8)), 4, preference(0, 4, EIGHT))

        assert decided.release == [7, 6, 5, 4]
        assert decided.candidates == []

    def test_the_newcomer_tries_its_own_run_first(self) -> None:
        decided = plan([], 4, preference(1, 4, EIGHT))

        assert decided.candidates[:4] == [4, 5, 6, 7]

    def test_a_replica_at_its_share_does_nothing(self) -> None:
        assert plan([0, 1, 2, 3], 4, preference(0, 4, EIGHT)) == plan([5, 6, 1, 2], 4, preference(0, 4, EIGHT))
        assert plan([0, 1, 2, 3], 4, preference(0, 4, EIGHT)).release == []
        assert plan([0, 1, 2, 3], 4, preference(0, 4, EIGHT)).candidates == []

    def test_below_its_share_it_tries_every_partition_it_lacks(self) -> None:
        decided = plan([0, 1], 4, preference(0, 4, EIGHT))

        assert decided.candidates == [2, 3, 4, 5, 6, 7]
