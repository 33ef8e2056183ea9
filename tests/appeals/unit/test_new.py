"""Given no appeal yet, when one is raised: recorded, routed to the right acting chief, timed."""

from dataclasses import replace
from datetime import timedelta

import pytest

from jingzhang.appeals.domain import events as ev
from jingzhang.appeals.domain.intake import decide_raise
from jingzhang.appeals.domain.policy import TimeLimits
from jingzhang.appeals.domain.routing import ChiefsSnapshot, TierChiefs
from jingzhang.appeals.domain.state import APPEAL
from jingzhang.appeals.domain.vocabulary import Category, Channel, ChiefTier, HoldReason, LimitClass, Slot, Status
from jingzhang.shared.errors import DomainRejected, InvalidCommand

from .samples import (
    DAY,
    ENTERPRISE,
    HOUR,
    LEADER_A,
    LEADER_B,
    POLICE_A,
    POLICE_B,
    STATION_A,
    STATION_B,
    T0,
    chiefs,
    given,
    given_appeal,
    raise_cmd,
    raised,
    types,
)

EXPECTED_TIER = [
    (Channel.POLICE_CHIEF_SERVICE_POINT, ChiefTier.POLICE_CHIEF, POLICE_A, POLICE_B),
    (Channel.STATION_CHIEF_LIAISON_STATION, ChiefTier.STATION_CHIEF, STATION_A, STATION_B),
    (Channel.DIRECTOR_DIRECT_LINE, ChiefTier.BUREAU_LEADER, LEADER_A, LEADER_B),
    (Channel.WECHAT_GROUP, ChiefTier.POLICE_CHIEF, POLICE_A, POLICE_B),
    (Channel.VISIT, ChiefTier.POLICE_CHIEF, POLICE_A, POLICE_B),
    (Channel.FORUM, ChiefTier.POLICE_CHIEF, POLICE_A, POLICE_B),
    (Channel.PHONE, ChiefTier.POLICE_CHIEF, POLICE_A, POLICE_B),
]


def routed_of(events: list[object]) -> ev.AppealRouted:
    (routed,) = [e for e in events if isinstance(e, ev.AppealRouted)]
    return routed


def all_b_acting() -> ChiefsSnapshot:
    return chiefs(police_acting=POLICE_B, station_acting=STATION_B, leader_acting=LEADER_B)


class TestWhenNew:
    @pytest.mark.parametrize(("channel", "tier", "a", "_b"), EXPECTED_TIER)
    def test_each_channel_routes_to_its_tiers_acting_a(
        self, channel: Channel, tier: ChiefTier, a: str, _b: str
    ) -> None:
        events = decide_raise(APPEAL.initial, raise_cmd(channel), T0, chiefs())

        assert types(events) == ["AppealRaised", "AppealRouted"]
        routed = routed_of(list(events))
        assert (routed.tier, routed.officer_id, routed.slot_acting) == (tier, a, Slot.A)

    @pytest.mark.parametrize(("channel", "tier", "_a", "b"), EXPECTED_TIER)
    def test_each_channel_routes_to_b_while_a_is_away(self, channel: Channel, tier: ChiefTier, _a: str, b: str) -> None:
        routed = routed_of(list(decide_raise(APPEAL.initial, raise_cmd(channel), T0, all_b_acting())))

        assert (routed.tier, routed.officer_id, routed.slot_acting) == (tier, b, Slot.B)

    def test_every_other_named_chief_is_informed(self) -> None:
        routed = routed_of(list(raised(Channel.STATION_CHIEF_LIAISON_STATION)))

        assert set(routed.informed_officer_ids) == {POLICE_A, POLICE_B, STATION_B, LEADER_A, LEADER_B}

    def test_a_tier_with_nobody_acting_passes_the_appeal_up(self) -> None:
        snapshot = chiefs(police_acting=None)

        routed = routed_of(list(decide_raise(APPEAL.initial, raise_cmd(), T0, snapshot)))

        assert (routed.tier, routed.officer_id) == (ChiefTier.STATION_CHIEF, STATION_A)

    def test_at_the_top_with_nobody_acting_it_falls_back_down(self) -> None:
        snapshot = chiefs(leader_acting=None)

        routed = routed_of(list(decide_raise(APPEAL.initial, raise_cmd(Channel.DIRECTOR_DIRECT_LINE), T0, snapshot)))

        assert (routed.tier, routed.officer_id) == (ChiefTier.STATION_CHIEF, STATION_A)

    def test_an_enterprise_without_any_acting_chief_is_accepted_and_held_at_the_duty_desk(self) -> None:
        snapshot = ChiefsSnapshot(ENTERPRISE, {ChiefTier.POLICE_CHIEF: TierChiefs(POLICE_A, None, None)})

        events = decide_raise(APPEAL.initial, raise_cmd(), T0, snapshot)

        assert types(events) == ["AppealRaised", "AppealHeldAtDutyDesk"]
        assert events[1] == ev.AppealHeldAtDutyDesk(reason=HoldReason.NO_ACTING_CHIEF, held_at=T0)
        appeal = given_appeal(events)
        assert (appeal.status, appeal.holder, appeal.held, appeal.unrouted) == (
            Status.RAISED,
            None,
            HoldReason.NO_ACTING_CHIEF,
            True,
        )
        assert appeal.timer.due_at == T0 + 7 * DAY  # the limit runs from receipt all the same

    def test_an_enterprise_not_known_here_yet_is_held_too(self) -> None:
        events = decide_raise(APPEAL.initial, raise_cmd(emergency=True), T0, None)

        assert types(events) == ["AppealRaised", "AppealDivertedTo110", "AppealHeldAtDutyDesk"]
        assert given_appeal(events).held is HoldReason.ENTERPRISE_NOT_YET_KNOWN

    def test_an_emergency_is_diverted_to_110_and_given_two_hours(self) -> None:
        events = decide_raise(APPEAL.initial, raise_cmd(emergency=True), T0, chiefs())

        assert types(events) == ["AppealRaised", "AppealDivertedTo110", "AppealRouted"]
        appeal = given_appeal(events)
        assert appeal.diverted_to_110
        assert appeal.limit_class is LimitClass.EMERGENCY
        assert appeal.timer.due_at == T0 + 2 * HOUR
        assert appeal.first_response_due_at == T0 + 2 * HOUR

    @pytest.mark.parametrize(
        ("category", "limit"),
        [
            (Category.PRODUCTION_DISRUPTION, DAY),
            (Category.DISPUTE, 7 * DAY),
            (Category.ADMINISTRATIVE_SERVICE, 7 * DAY),
            (Category.PUBLIC_ORDER_TROUBLE_SPOT, 15 * DAY),
        ],
    )
    def test_the_time_limit_follows_the_category(self, category: Category, limit: timedelta) -> None:
        appeal = given_appeal(raised(category=category))

        assert appeal.time_limit == limit
        assert appeal.timer.due_at == T0 + limit
        assert appeal.first_response_due_at == T0 + DAY

    def test_the_limit_is_written_into_the_event_so_later_settings_do_not_move_it(self) -> None:
        policy = TimeLimits(first_response=4 * HOUR, warning_fraction=0.5)

        events = decide_raise(APPEAL.initial, raise_cmd(), T0, chiefs(), policy)

        first = events[0]
        assert isinstance(first, ev.AppealRaised)
        assert (first.first_response_within, first.warning_fraction) == (4 * HOUR, 0.5)

    def test_a_raised_appeal_is_routed_and_open(self) -> None:
        appeal = given_appeal(raised())

        assert appeal.status is Status.ROUTED
        assert appeal.holder is not None
        assert appeal.holder.officer_id == POLICE_A

    def test_raising_the_same_appeal_again_records_nothing(self) -> None:
        assert decide_raise(given(raised()), raise_cmd(), T0 + HOUR, chiefs()) == []

    def test_a_retry_is_judged_without_the_sealed_texts_whose_tokens_never_equal_its_words(self) -> None:
        retry = replace(raise_cmd(), description="the same, in other words", raised_by="someone else")

        assert decide_raise(given(raised()), retry, T0 + HOUR, chiefs()) == []

    @pytest.mark.parametrize(
        "change",
        [
            {"category": Category.ADMINISTRATIVE_SERVICE},
            {"channel": Channel.PHONE},
            {"emergency": True},
            {"enterprise_id": "ent-other"},
            {"received_at": T0 - HOUR},
        ],
    )
    def test_raising_other_content_under_a_known_id_is_a_duplicate(self, change: dict[str, object]) -> None:
        other = replace(raise_cmd(), **change)  # type: ignore[arg-type]
        snapshot = replace(chiefs(), enterprise_id=other.enterprise_id)

        with pytest.raises(DomainRejected) as err:
            decide_raise(given(raised()), other, T0 + HOUR, snapshot)
        assert (err.value.code, err.value.field) == ("duplicate", "appeal_id")

    def test_a_retry_naming_the_receipt_the_first_gave_is_the_same(self) -> None:
        first = replace(raise_cmd(), received_at=T0 - HOUR)
        recorded = decide_raise(APPEAL.initial, first, T0, chiefs())

        assert decide_raise(given(recorded), first, T0 + HOUR, chiefs()) == []
        assert decide_raise(given(recorded), raise_cmd(), T0 + HOUR, chiefs()) == []  # receipt left out: the first's

    def test_an_empty_description_names_the_field(self) -> None:
        blank = replace(raise_cmd(), description="  ")

        with pytest.raises(InvalidCommand) as err:
            decide_raise(APPEAL.initial, blank, T0, chiefs())
        assert err.value.field == "description"

    def test_an_id_that_cannot_name_a_stream_names_the_field(self) -> None:
        with pytest.raises(InvalidCommand) as err:
            decide_raise(APPEAL.initial, raise_cmd(appeal_id="ap 1.x"), T0, chiefs())
        assert err.value.field == "appeal_id"

    @pytest.mark.parametrize("enterprise_id", ["", "ent/1", "\u0084t%"])
    def test_an_enterprise_id_that_cannot_name_a_data_subject_names_the_field(self, enterprise_id: str) -> None:
        with pytest.raises(InvalidCommand) as err:
            decide_raise(APPEAL.initial, replace(raise_cmd(), enterprise_id=enterprise_id), T0, None)
        assert err.value.field == "enterprise_id"

    def test_an_appeal_is_raised_under_an_id_the_handler_gives_when_the_caller_gave_none(self) -> None:
        with pytest.raises(InvalidCommand) as err:
            decide_raise(APPEAL.initial, replace(raise_cmd(), appeal_id=None), T0, chiefs())
        assert err.value.field == "appeal_id"

    def test_every_time_it_records_is_the_instant_it_was_decided_at(self) -> None:
        at = T0 + 3 * HOUR

        events = decide_raise(APPEAL.initial, raise_cmd(emergency=True), at, chiefs())

        raised_, diverted, routed = events
        assert isinstance(raised_, ev.AppealRaised)
        assert isinstance(diverted, ev.AppealDivertedTo110)
        assert isinstance(routed, ev.AppealRouted)
        assert (raised_.raised_at, diverted.diverted_at, routed.routed_at) == (at, at, at)
        assert raised_.received_at == at  # received now, as nobody said otherwise

    def test_the_intake_is_what_the_raise_recorded_and_ends_with_its_routing(self) -> None:
        events = decide_raise(APPEAL.initial, raise_cmd(emergency=True), T0, chiefs())
        later = ev.AppealRouted(
            tier=ChiefTier.STATION_CHIEF,
            officer_id=STATION_A,
            slot_acting=Slot.A,
            informed_officer_ids=(),
            routed_at=T0 + HOUR,
        )

        assert given_appeal(events, later).intake == tuple(events)
