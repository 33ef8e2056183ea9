"""The activity stream: direct services, trainings, leaflets and forums are single facts."""

from datetime import date, timedelta

import pytest

from jingzhang.patrols.domain.activity import (
    ActivityEvent,
    ActivityState,
    ForumHeld,
    RecordActivity,
    collected_appeal_id,
    decide_record_activity,
    evolve,
)
from jingzhang.shared.errors import DomainRejected, InvalidCommand

from .samples import ACTIVITIES, APPEAL, DAY


def record(activity: ActivityEvent, today: date = DAY) -> RecordActivity:
    return RecordActivity(activity=activity, today=today)


def refused_field(activity: ActivityEvent, today: date = DAY) -> str | None:
    with pytest.raises(InvalidCommand) as refused:
        decide_record_activity(ActivityState(), record(activity, today))
    return refused.value.field


class TestWhenNew:
    @pytest.mark.parametrize("activity", ACTIVITIES, ids=lambda a: a.event_type)
    def test_each_kind_is_recorded_as_reported(self, activity: ActivityEvent) -> None:
        assert decide_record_activity(ActivityState(), record(activity)) == [activity]

    def test_zone_wide_activities_name_no_enterprise(self) -> None:
        assert ACTIVITIES[3].enterprise_id is None

    def test_an_activity_cannot_be_recorded_before_it_happens(self) -> None:
        assert refused_field(ACTIVITIES[0], today=DAY - timedelta(days=1)) == "occurred_on"

    def test_a_dispute_needs_two_distinct_parties(self) -> None:
        one_sided = ACTIVITIES[0].model_copy(update={"parties": ["contractor", "contractor "]})
        assert refused_field(one_sided) == "parties"

    def test_leaflets_and_trainings_count_at_least_one(self) -> None:
        assert refused_field(ACTIVITIES[4].model_copy(update={"count": 0})) == "count"
        assert refused_field(ACTIVITIES[3].model_copy(update={"attendees": 0})) == "attendees"

    def test_a_case_needs_its_police_case_number(self) -> None:
        assert refused_field(ACTIVITIES[1].model_copy(update={"police_case_number": " "})) == "police_case_number"

    def test_a_forum_cannot_collect_the_same_appeal_twice(self) -> None:
        twice = ACTIVITIES[5].model_copy(update={"collected_appeals": (APPEAL, APPEAL)})
        assert refused_field(twice) == "collected_appeals"

    def test_a_collected_appeal_needs_a_description(self) -> None:
        blank = APPEAL.model_copy(update={"description": ""})
        assert refused_field(ACTIVITIES[5].model_copy(update={"collected_appeals": (blank,)})) == (
            "collected_appeals.description"
        )

    def test_a_collected_appeal_carries_the_id_derived_from_forum_and_reference(self) -> None:
        foreign = APPEAL.model_copy(update={"appeal_id": collected_appeal_id("forum-2", "f1-1")})
        assert refused_field(ACTIVITIES[5].model_copy(update={"collected_appeals": (foreign,)})) == (
            "collected_appeals.appeal_id"
        )

    def test_officers_are_named_once_each(self) -> None:
        assert refused_field(ACTIVITIES[2].model_copy(update={"officer_ids": ()})) == "officer_ids"


class TestWhenRecorded:
    state = evolve(ActivityState(), ACTIVITIES[5])

    def test_the_same_report_again_changes_nothing(self) -> None:
        assert decide_record_activity(self.state, record(ACTIVITIES[5], DAY + timedelta(days=1))) == []

    def test_other_facts_under_the_same_id_are_refused(self) -> None:
        with pytest.raises(DomainRejected, match="already recorded"):
            decide_record_activity(self.state, record(ACTIVITIES[5].model_copy(update={"attendees": 13})))


class TestForumAppealIds:
    def test_the_same_forum_appeal_always_maps_to_the_same_appeal_id(self) -> None:
        assert collected_appeal_id("forum-1", "f1-1") == collected_appeal_id("forum-1", "f1-1")

    def test_different_forums_or_refs_map_to_different_ids(self) -> None:
        ids = {collected_appeal_id(f, r) for f in ("forum-1", "forum-2") for r in ("f1-1", "f1-2")}
        assert len(ids) == 4

    def test_the_forum_id_is_its_activity_id(self) -> None:
        forum = ACTIVITIES[5]
        assert isinstance(forum, ForumHeld)
        assert forum.forum_id == "forum-1"
