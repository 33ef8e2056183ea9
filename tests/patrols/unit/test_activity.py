"""The activity stream, given/when/then: each report (a command) becomes its one event, recorded once."""

from datetime import date, timedelta

import pytest

from jingzhang.patrols.domain.activity import (
    ActivityCommand,
    ActivityState,
    CaseHandled,
    DisputeMediated,
    ForumAppeal,
    ForumHeld,
    HoldForum,
    collect_appeal,
    collected_appeal_id,
    evolve,
)
from jingzhang.shared.errors import DomainRejected, InvalidCommand
from jingzhang.shared.events import DomainEvent

from .samples import ACTIVITIES, APPEAL, COMMANDS, DAY
from .samples import decide_activity as decide

DISPUTE, CASE, SERVICE, TRAINING, LEAFLETS, FORUM = COMMANDS


def refused_field(command: ActivityCommand, today: date = DAY) -> str | None:
    with pytest.raises(InvalidCommand) as refused:
        decide(ActivityState(), command, today)
    return refused.value.field


class TestWhenNew:
    @pytest.mark.parametrize(
        ("command", "recorded"), list(zip(COMMANDS, ACTIVITIES, strict=True)), ids=lambda c: type(c).__name__
    )
    def test_each_report_records_its_one_event(self, command: ActivityCommand, recorded: DomainEvent) -> None:
        assert decide(ActivityState(), command) == [recorded]

    def test_zone_wide_outreach_names_no_enterprise(self) -> None:
        (training,) = decide(ActivityState(), TRAINING)
        assert (TRAINING.enterprises(), training.model_dump()["enterprise_id"]) == ((None,), None)

    def test_a_report_without_its_id_is_refused(self) -> None:
        # the handler draws one when the caller gave none; the decision never invents it
        assert refused_field(CASE.model_copy(update={"activity_id": None})) == "activity_id"

    def test_an_activity_cannot_be_recorded_before_it_happens(self) -> None:
        assert refused_field(DISPUTE, today=DAY - timedelta(days=1)) == "occurred_on"

    def test_a_dispute_needs_two_distinct_parties(self) -> None:
        assert refused_field(DISPUTE.model_copy(update={"parties": ("contractor", "contractor ")})) == "parties"

    def test_a_dispute_needs_its_outcome(self) -> None:
        assert refused_field(DISPUTE.model_copy(update={"outcome": " "})) == "outcome"

    def test_leaflets_and_trainings_count_at_least_one(self) -> None:
        assert refused_field(LEAFLETS.model_copy(update={"count": 0})) == "count"
        assert refused_field(TRAINING.model_copy(update={"attendees": 0})) == "attendees"

    def test_a_case_needs_its_police_case_number(self) -> None:
        assert refused_field(CASE.model_copy(update={"police_case_number": " "})) == "police_case_number"

    def test_a_service_on_behalf_names_its_item(self) -> None:
        assert refused_field(SERVICE.model_copy(update={"item": ""})) == "item"

    def test_officers_are_named_once_each(self) -> None:
        assert refused_field(SERVICE.model_copy(update={"officer_ids": ()})) == "officer_ids"
        assert refused_field(SERVICE.model_copy(update={"officer_ids": ("chief-a", "chief-a")})) == "officer_ids"


class TestWhenAForumIsNew:
    def forum(self, *appeals: ForumAppeal, host: str | None = "ent-1") -> HoldForum:
        assert isinstance(FORUM, HoldForum)
        return FORUM.model_copy(update={"enterprise_id": host, "appeals": appeals})

    def test_each_appeal_travels_under_the_id_derived_from_the_forum_and_its_reference(self) -> None:
        (held,) = decide(ActivityState(), FORUM)
        assert isinstance(held, ForumHeld)
        assert held.collected_appeals == (APPEAL,)
        assert APPEAL.appeal_id == collected_appeal_id("forum-1", "f1-1")

    def test_an_appeal_defaults_to_its_position_and_the_host(self) -> None:
        elsewhere = ForumAppeal(enterprise_id="ent-2", description="copper cable theft", category="theft")
        unnamed = ForumAppeal(description="gate blocked", category="traffic")
        (held,) = decide(ActivityState(), self.forum(unnamed, elsewhere))
        assert isinstance(held, ForumHeld)
        assert held.collected_appeals == (
            collect_appeal("forum-1", "1", "ent-1", "gate blocked", "traffic"),
            collect_appeal("forum-1", "2", "ent-2", "copper cable theft", "theft"),
        )

    def test_it_names_its_host_and_every_appeal_for_authorization(self) -> None:
        elsewhere = ForumAppeal(enterprise_id="ent-2", description="theft", category="theft")
        unnamed = ForumAppeal(description="gate blocked", category="traffic")
        assert self.forum(unnamed, elsewhere).enterprises() == ("ent-1", "ent-1", "ent-2")
        assert self.forum(elsewhere, host=None).enterprises() == (None, "ent-2")

    def test_a_zone_wide_forums_appeal_must_name_its_enterprise(self) -> None:
        named = ForumAppeal(enterprise_id="ent-2", description="theft", category="theft")
        unnamed = ForumAppeal(description="gate blocked", category="traffic")
        zone_wide = self.forum(named, unnamed, host=None)
        assert refused_field(zone_wide) == "appeals.1.enterprise_id"
        with pytest.raises(InvalidCommand) as refused:
            zone_wide.enterprises()
        assert (refused.value.field, refused.value.reason) == (
            "appeals.1.enterprise_id",
            "a zone-wide forum's appeal must name its enterprise",
        )

    def test_a_forum_cannot_collect_the_same_appeal_twice(self) -> None:
        twice = ForumAppeal(ref_id="f1-1", description="again", category="traffic")
        assert refused_field(self.forum(*FORUM.appeals, twice)) == "appeals"

    def test_a_collected_appeal_needs_a_description(self) -> None:
        blank = ForumAppeal(description="", category="traffic")
        assert refused_field(self.forum(blank)) == "appeals.0.description"

    def test_a_forum_counts_its_attendees(self) -> None:
        assert refused_field(FORUM.model_copy(update={"attendees": 0})) == "attendees"


class TestWhenRecorded:
    state = evolve(ActivityState(), ACTIVITIES[5])

    def test_the_same_report_again_changes_nothing(self) -> None:
        assert decide(self.state, FORUM, DAY + timedelta(days=1)) == []

    def test_other_facts_under_the_same_id_are_a_duplicate(self) -> None:
        with pytest.raises(DomainRejected, match="already recorded") as refused:
            decide(self.state, FORUM.model_copy(update={"attendees": 13}))
        assert (refused.value.code, refused.value.field) == ("duplicate", "activity_id")

    def test_another_kind_of_activity_under_the_same_id_is_refused(self) -> None:
        with pytest.raises(DomainRejected, match="activity forum-1 is already recorded with other facts"):
            decide(self.state, LEAFLETS.model_copy(update={"activity_id": "forum-1"}))

    def test_the_state_knows_the_recorded_activity(self) -> None:
        assert self.state.activity_id == "forum-1"
        with pytest.raises(LookupError):
            _ = ActivityState().activity_id


class TestTheEventsRecorded:
    def test_a_dispute_keeps_its_parties_as_reported(self) -> None:
        (mediated,) = decide(ActivityState(), DISPUTE)
        assert isinstance(mediated, DisputeMediated)
        assert mediated.parties == ["contractor", "villagers"]

    def test_a_case_is_a_reference_to_the_police_records(self) -> None:
        (handled,) = decide(ActivityState(), CASE)
        assert isinstance(handled, CaseHandled)
        assert (handled.police_case_number, handled.kind.value) == (
            "HK-2025-0042",
            "illegal_obstruction_of_construction",
        )


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


class TestWhatEveryReaderCanHold:
    """Counts and texts are bounded by what the work can be (issue 18): nothing a reader cannot store."""

    @pytest.mark.parametrize("count", [1_000_001, 2**31, 2**63, 10**400], ids=["1e6+1", "2^31", "2^63", "10^400"])
    def test_leaflets_beyond_a_million_at_once_are_refused(self, count: int) -> None:
        assert refused_field(LEAFLETS.model_copy(update={"count": count})) == "count"

    def test_a_million_leaflets_at_once_are_recorded(self) -> None:
        (distributed,) = decide(ActivityState(), LEAFLETS.model_copy(update={"count": 1_000_000}))
        assert distributed.model_dump()["count"] == 1_000_000

    @pytest.mark.parametrize("command", [TRAINING, FORUM], ids=lambda c: type(c).__name__)
    def test_more_than_a_hundred_thousand_attendees_are_refused(self, command: ActivityCommand) -> None:
        assert refused_field(command.model_copy(update={"attendees": 100_001})) == "attendees"
        assert decide(ActivityState(), command.model_copy(update={"attendees": 100_000}))

    @pytest.mark.parametrize(
        ("command", "change", "field"),
        [
            (LEAFLETS, {"topic": "x" * 201}, "topic"),
            (DISPUTE, {"outcome": "x" * 2001}, "outcome"),
            (DISPUTE, {"parties": tuple(f"party {n}" for n in range(21))}, "parties"),
            (DISPUTE, {"parties": ("x" * 201, "villagers")}, "parties.0"),
            (CASE, {"police_case_number": "x" * 201}, "police_case_number"),
            (SERVICE, {"item": "x" * 201}, "item"),
            (SERVICE, {"officer_ids": tuple(f"o-{n}" for n in range(101))}, "officer_ids"),
            (SERVICE, {"officer_ids": ("chief-a", "o" * 129)}, "officer_ids.1"),
            (SERVICE, {"activity_id": "a" * 129}, "activity_id"),
        ],
    )
    def test_a_text_or_list_beyond_its_bound_is_refused_naming_the_field(
        self, command: ActivityCommand, change: dict[str, object], field: str
    ) -> None:
        assert refused_field(command.model_copy(update=change)) == field

    def test_a_forum_collects_at_most_a_hundred_appeals_each_of_bounded_text(self) -> None:
        many = tuple(ForumAppeal(description=f"appeal {n}", category="other") for n in range(101))
        assert refused_field(FORUM.model_copy(update={"appeals": many})) == "appeals"
        long = ForumAppeal(description="x" * 2001, category="other")
        assert refused_field(FORUM.model_copy(update={"appeals": (long,)})) == "appeals.0.description"
