"""Given a routed appeal whose holder asks for more time; a leader of the enterprise decides: its station
chief or bureau leader (A or B), at the holder's tier or above, never the one who asked."""

from datetime import timedelta

import pytest

from jingzhang.appeals.domain import events as ev
from jingzhang.appeals.domain.commands import ApproveExtension, RefuseExtension, RequestExtension
from jingzhang.appeals.domain.deadlines import check_deadlines, due_at, warning_at
from jingzhang.appeals.domain.extensions import (
    decide_approve_extension,
    decide_refuse_extension,
    decide_request_extension,
)
from jingzhang.appeals.domain.vocabulary import Channel
from jingzhang.shared.errors import DomainRejected, InvalidCommand

from .samples import (
    APPEAL_ID,
    DAY,
    HOUR,
    LEADER_A,
    LEADER_B,
    POLICE_A,
    POLICE_B,
    STATION_A,
    STATION_B,
    T0,
    acknowledged,
    after,
    chiefs,
    given,
    given_appeal,
    raised,
    types,
)

ASKED_AT = T0 + 5 * DAY


def requested(extra: timedelta = 3 * DAY) -> ev.ExtensionRequested:
    return ev.ExtensionRequested(
        extra=extra, reason="waiting for a witness", requested_by=POLICE_A, requested_at=ASKED_AT
    )


class TestWhenRoutedAskingForTime:
    def test_the_holder_asks_for_more_time(self) -> None:
        cmd = RequestExtension(APPEAL_ID, 3 * DAY, "waiting for a witness", POLICE_A)

        assert decide_request_extension(given(raised(), acknowledged()), cmd, ASKED_AT) == [requested()]

    def test_someone_else_asking_is_refused(self) -> None:
        cmd = RequestExtension(APPEAL_ID, 3 * DAY, "x", POLICE_B)

        with pytest.raises(DomainRejected) as err:
            decide_request_extension(given(raised()), cmd, ASKED_AT)
        assert err.value.field == "requested_by"

    @pytest.mark.parametrize("extra", [0 * DAY, -DAY, 16 * DAY])
    def test_an_extension_outside_the_policy_names_the_field(self, extra: timedelta) -> None:
        cmd = RequestExtension(APPEAL_ID, extra, "x", POLICE_A)

        with pytest.raises(InvalidCommand) as err:
            decide_request_extension(given(raised()), cmd, ASKED_AT)
        assert err.value.field == "extra"

    def test_a_second_request_while_one_waits_is_refused(self) -> None:
        cmd = RequestExtension(APPEAL_ID, DAY, "more", POLICE_A)

        with pytest.raises(DomainRejected):
            decide_request_extension(given(raised(), requested()), cmd, ASKED_AT + HOUR)


class TestWhenAnExtensionWaits:
    def test_approval_by_a_leader_moves_the_deadline_and_the_warning(self) -> None:
        state = given(raised(), acknowledged(), requested())

        events = decide_approve_extension(state, ApproveExtension(APPEAL_ID, LEADER_B), ASKED_AT + HOUR, chiefs())

        assert events == [ev.ExtensionApproved(extra=3 * DAY, approved_by=LEADER_B, approved_at=ASKED_AT + HOUR)]
        appeal = given_appeal(raised(), acknowledged(), requested(), events)
        assert due_at(appeal) == T0 + 10 * DAY
        # the new window is the 2 days that were left (less the hour) plus the 3 granted
        window = 5 * DAY - HOUR
        assert warning_at(appeal) == T0 + 10 * DAY - window * 0.2
        assert appeal.pending_extension is None

    def test_the_leader_may_grant_less_than_asked(self) -> None:
        cmd = ApproveExtension(APPEAL_ID, LEADER_A, extra=DAY)

        events = decide_approve_extension(given(raised(), requested()), cmd, ASKED_AT, chiefs())

        assert due_at(given(raised(), requested(), events)) == T0 + 8 * DAY

    def test_an_extension_after_a_warning_allows_a_fresh_warning(self) -> None:
        warned = check_deadlines(given(raised(), acknowledged()), T0 + 6 * DAY, chiefs())
        assert types(warned) == ["DeadlineWarningRaised"]
        state = given(raised(), acknowledged(), warned, requested().model_copy(update={"requested_at": T0 + 6 * DAY}))
        approved = decide_approve_extension(state, ApproveExtension(APPEAL_ID, LEADER_A), T0 + 6 * DAY, chiefs())

        extended = after(state, approved)

        # 1 day was left, 3 granted: the 4-day window warns 0.8 days before the new deadline
        assert check_deadlines(extended, T0 + 9 * DAY, chiefs()) == []
        assert types(check_deadlines(extended, T0 + 9 * DAY + 5 * HOUR, chiefs())) == ["DeadlineWarningRaised"]

    @pytest.mark.parametrize("leader", [STATION_A, STATION_B, LEADER_A, LEADER_B])
    def test_the_enterprises_station_chief_or_bureau_leader_approves_a_police_chiefs_request(self, leader: str) -> None:
        events = decide_approve_extension(
            given(raised(), requested()), ApproveExtension(APPEAL_ID, leader), ASKED_AT, chiefs()
        )

        assert types(events) == ["ExtensionApproved"]

    @pytest.mark.parametrize("officer", [POLICE_B, "off-stranger"])
    def test_a_police_chief_or_an_officer_who_is_no_chief_of_it_cannot_decide(self, officer: str) -> None:
        with pytest.raises(DomainRejected) as err:
            decide_approve_extension(
                given(raised(), requested()), ApproveExtension(APPEAL_ID, officer), ASKED_AT, chiefs()
            )
        assert (err.value.field, err.value.code) == ("approved_by", "not_a_leader")

    def test_a_station_chiefs_request_goes_to_the_other_station_chief_or_a_bureau_leader(self) -> None:
        at_station = raised(Channel.STATION_CHIEF_LIAISON_STATION)
        ask = requested().model_copy(update={"requested_by": STATION_A})

        for leader in (STATION_B, LEADER_A):
            approved = decide_approve_extension(
                given(at_station, ask), ApproveExtension(APPEAL_ID, leader), ASKED_AT, chiefs()
            )
            assert types(approved) == ["ExtensionApproved"]

    def test_a_station_chief_cannot_decide_on_a_bureau_leaders_request(self) -> None:
        at_top = raised(Channel.DIRECTOR_DIRECT_LINE)
        ask = requested().model_copy(update={"requested_by": LEADER_A})

        with pytest.raises(DomainRejected) as err:
            decide_refuse_extension(given(at_top, ask), RefuseExtension(APPEAL_ID, "no", STATION_A), ASKED_AT, chiefs())
        assert (err.value.field, err.value.code) == ("refused_by", "not_a_leader")

    def test_approving_with_nothing_asked_is_refused(self) -> None:
        with pytest.raises(DomainRejected) as err:
            decide_approve_extension(given(raised()), ApproveExtension(APPEAL_ID, LEADER_A), ASKED_AT, chiefs())
        assert err.value.code == "no_pending_extension"

    def test_a_refusal_escalates_one_tier_up_without_extra_time(self) -> None:
        state = given(raised(), acknowledged(), requested())

        events = decide_refuse_extension(state, RefuseExtension(APPEAL_ID, "no", LEADER_A), ASKED_AT, chiefs())

        assert types(events) == ["ExtensionRefused", "AppealEscalated"]
        escalated = events[1]
        assert isinstance(escalated, ev.AppealEscalated)
        assert (escalated.to_tier, escalated.officer_id, escalated.reason) == (
            "station_chief",
            STATION_A,
            "extension_refused",
        )
        assert due_at(after(state, events)) == T0 + 7 * DAY

    def test_a_refusal_at_the_top_only_records_the_refusal(self) -> None:
        raised_at_top = raised(Channel.DIRECTOR_DIRECT_LINE)
        ask = requested().model_copy(update={"requested_by": LEADER_A})

        events = decide_refuse_extension(
            given(raised_at_top, ask), RefuseExtension(APPEAL_ID, "no", LEADER_B), ASKED_AT, chiefs()
        )

        assert types(events) == ["ExtensionRefused"]

    def test_a_leader_cannot_decide_their_own_request(self) -> None:
        ask = requested().model_copy(update={"requested_by": LEADER_A})

        with pytest.raises(DomainRejected):
            decide_approve_extension(
                given(raised(Channel.DIRECTOR_DIRECT_LINE), ask),
                ApproveExtension(APPEAL_ID, LEADER_A),
                ASKED_AT,
                chiefs(),
            )
