"""Report up → assign → carry out (issue 14 item 5): given a matter's events, when a command or a check,
then the events or the refusal. Pure."""

from datetime import timedelta

import pytest

from jingzhang.appeals.domain.matters import (
    AssignMatter,
    Matter,
    MatterOverdue,
    ReportMatter,
    check_matter,
    decide_assign,
    decide_complete,
    decide_report,
    evolve,
)
from jingzhang.shared.aggregate import fold
from jingzhang.shared.errors import DomainRejected
from jingzhang.shared.events import DomainEvent

from .samples import DAY, ENTERPRISE, LEADER_A, LEADER_B, POLICE_A, T0, chiefs

REPORT = ReportMatter("m-1", ENTERPRISE, "道路协调", POLICE_A)
ASSIGN = AssignMatter("m-1", "economic_development_bureau", T0 + 3 * DAY, "三日内协调", LEADER_A)


def given(*events: DomainEvent) -> Matter:
    return fold(evolve, Matter(), events)


def reported() -> list[DomainEvent]:
    return decide_report(Matter(), REPORT, chiefs(), T0)


def assigned() -> list[DomainEvent]:
    return [*reported(), *decide_assign(given(*reported()), ASSIGN, chiefs(), T0)]


class TestReporting:
    def test_only_a_chief_of_the_enterprise_reports_and_a_retry_records_nothing(self) -> None:
        assert decide_report(given(*reported()), REPORT, chiefs(), T0) == []
        with pytest.raises(DomainRejected) as refused:
            decide_report(Matter(), ReportMatter("m-2", ENTERPRISE, "x", "off-stranger"), chiefs(), T0)
        assert refused.value.field == "reported_by"


class TestAssigning:
    @pytest.mark.parametrize("leader", [LEADER_A, LEADER_B])
    def test_the_enterprises_bureau_leader_a_or_b_assigns(self, leader: str) -> None:
        cmd = AssignMatter("m-1", "unit", T0 + DAY, "do it", leader)
        assert len(decide_assign(given(*reported()), cmd, chiefs(), T0)) == 1

    @pytest.mark.parametrize(
        ("cmd", "field"),
        [
            (AssignMatter("m-1", "unit", T0 + DAY, "do it", POLICE_A), "assigned_by"),
            (AssignMatter("m-1", "unit", T0 - timedelta(minutes=1), "do it", LEADER_A), "deadline"),
            (AssignMatter("m-1", " ", T0 + DAY, "do it", LEADER_A), "unit"),
        ],
    )
    def test_anyone_else_a_past_deadline_or_no_unit_is_refused_naming_the_field(
        self, cmd: AssignMatter, field: str
    ) -> None:
        with pytest.raises(DomainRejected) as refused:
            decide_assign(given(*reported()), cmd, chiefs(), T0)
        assert refused.value.field == field


class TestCarryingOut:
    def test_past_the_deadline_it_is_overdue_once_and_done_late(self) -> None:
        state = given(*assigned())
        assert check_matter(state, T0 + 2 * DAY) == []
        [overdue] = check_matter(state, T0 + 3 * DAY)
        assert isinstance(overdue, MatterOverdue)
        assert check_matter(given(*assigned(), overdue), T0 + 4 * DAY) == []
        [done] = decide_complete(given(*assigned(), overdue), "done", POLICE_A, T0 + 4 * DAY)
        assert done.model_dump()["on_time"] is False

    def test_it_cannot_be_carried_out_before_it_is_assigned(self) -> None:
        with pytest.raises(DomainRejected) as refused:
            decide_complete(given(*reported()), "done", POLICE_A, T0)
        assert refused.value.code == "not_assigned"
