"""Given an appeal held at the bureau's duty desk (nobody to route it to at intake): listed as unrouted,
work on it waits, its limits run from receipt, and it goes to the acting chief once one is known."""

from dataclasses import replace

import pytest

from jingzhang.appeals.domain import events as ev
from jingzhang.appeals.domain.commands import AcknowledgeAppeal, CloseUnresolved, ResolveAppeal
from jingzhang.appeals.domain.deadlines import check_deadlines, next_check_at
from jingzhang.appeals.domain.duty_desk import decide_route_held
from jingzhang.appeals.domain.handling import decide_acknowledge, decide_close_unresolved, decide_resolve
from jingzhang.appeals.domain.intake import decide_raise
from jingzhang.appeals.domain.routing import ChiefsSnapshot
from jingzhang.appeals.domain.state import APPEAL, Appeal, AppealState
from jingzhang.appeals.domain.vocabulary import DeadlineKind, HoldReason, Status
from jingzhang.shared.errors import DomainRejected
from jingzhang.shared.events import DomainEvent

from .samples import APPEAL_ID, DAY, ENTERPRISE, HOUR, POLICE_A, POLICE_B, T0, after, chiefs, given, raise_cmd, types

NOBODY = ChiefsSnapshot(ENTERPRISE)


def held(emergency: bool = False) -> list[DomainEvent]:
    return decide_raise(APPEAL.initial, replace(raise_cmd(), emergency=emergency), T0, NOBODY)


def then(state: AppealState, events: list[DomainEvent]) -> Appeal:
    found = after(state, events)
    assert isinstance(found, Appeal)
    return found


class TestWhenHeld:
    def test_work_waits_for_a_chief_and_says_so(self) -> None:
        for decide, cmd in [
            (decide_acknowledge, AcknowledgeAppeal(APPEAL_ID, POLICE_A)),
            (decide_resolve, ResolveAppeal(APPEAL_ID, "done", POLICE_A)),
        ]:
            with pytest.raises(DomainRejected) as err:
                decide(given(held()), cmd, T0 + HOUR)  # type: ignore[operator]
            assert err.value.code == "not_routed"

    def test_the_bureau_may_still_close_it(self) -> None:
        closed = decide_close_unresolved(given(held()), CloseUnresolved(APPEAL_ID, "withdrawn", POLICE_A), T0 + HOUR)

        state = then(given(held()), closed)
        assert (state.status, state.unrouted) == (Status.CLOSED, False)
        assert decide_route_held(state, T0 + 2 * HOUR, chiefs()) == []

    def test_once_a_chief_acts_it_is_routed_with_its_limit_still_running_from_receipt(self) -> None:
        events = decide_route_held(given(held()), T0 + 3 * HOUR, chiefs(police_acting=POLICE_B))

        assert types(events) == ["AppealRouted"]
        routed = events[0]
        assert isinstance(routed, ev.AppealRouted)
        assert (routed.officer_id, routed.routed_at) == (POLICE_B, T0 + 3 * HOUR)
        appeal = then(given(held()), events)
        assert (appeal.status, appeal.held, appeal.unrouted) == (Status.ROUTED, None, False)
        assert appeal.timer.due_at == T0 + 7 * DAY

    def test_nobody_acting_yet_routes_nothing(self) -> None:
        assert decide_route_held(given(held()), T0 + HOUR, NOBODY) == []

    def test_a_routed_appeal_is_not_routed_again(self) -> None:
        state = then(given(held()), decide_route_held(given(held()), T0 + HOUR, chiefs()))

        assert decide_route_held(state, T0 + 2 * HOUR, chiefs()) == []

    def test_a_limit_passing_at_the_desk_is_recorded_there_charged_to_nobody_and_warns_nobody(self) -> None:
        state = given(held())
        assert next_check_at(state) == T0 + DAY  # the first answer, no warning: there is nobody to warn

        events = check_deadlines(state, T0 + 8 * DAY, chiefs())

        assert events == [
            ev.DeadlinePassedAtDutyDesk(kind=DeadlineKind.FIRST_RESPONSE, due_at=T0 + DAY, passed_at=T0 + 8 * DAY),
            ev.DeadlinePassedAtDutyDesk(kind=DeadlineKind.RESOLUTION, due_at=T0 + 7 * DAY, passed_at=T0 + 8 * DAY),
        ]
        assert check_deadlines(then(state, events), T0 + 9 * DAY, chiefs()) == []

    def test_routing_late_records_what_ran_out_at_the_desk_first_so_the_chief_is_not_charged(self) -> None:
        events = decide_route_held(given(held()), T0 + 2 * DAY, chiefs())

        assert types(events) == ["DeadlinePassedAtDutyDesk", "AppealRouted"]
        routed = then(given(held()), events)
        assert check_deadlines(routed, T0 + 2 * DAY, chiefs()) == []
        # the resolution limit is still the chief's, from receipt
        assert types(check_deadlines(routed, T0 + 7 * DAY, chiefs())) == ["DeadlineBreached", "AppealEscalated"]

    def test_a_routed_appeal_past_its_warning_point_warns_its_new_holder(self) -> None:
        state = then(given(held()), decide_route_held(given(held()), T0 + 6 * DAY, chiefs()))

        assert types(check_deadlines(state, T0 + 6 * DAY, chiefs())) == ["DeadlineWarningRaised"]

    def test_the_intake_ends_with_the_hold_so_the_later_routing_is_not_part_of_it(self) -> None:
        emergency = given(held(emergency=True))
        state = then(emergency, decide_route_held(emergency, T0 + HOUR, chiefs()))

        assert types(state.intake) == ["AppealRaised", "AppealDivertedTo110", "AppealHeldAtDutyDesk"]
        assert state.held is None

    def test_the_hold_says_why(self) -> None:
        assert then(given(held()), []).held is HoldReason.NO_ACTING_CHIEF
