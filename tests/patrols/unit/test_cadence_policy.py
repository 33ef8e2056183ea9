"""The bureau's visit cadence as events (issue 14 item 7): given changes, when a change or a plan, then
the events or the duties. Pure."""

from dataclasses import replace
from datetime import date

import pytest

from jingzhang.patrols.domain.cadence import DEFAULT_RULES, plan_duties
from jingzhang.patrols.domain.cadence_policy import (
    DEFAULT_SCHEDULE,
    ChangeVisitCadence,
    VisitRule,
    decide_change,
    evolve,
)
from jingzhang.patrols.domain.common import VisitKind
from jingzhang.patrols.domain.periods import Cadence
from jingzhang.patrols.domain.vocabulary import ChiefTier, EnterpriseClass
from jingzhang.shared.errors import InvalidCommand

from .samples import MONDAY, enterprise, snapshot

WEEKLY = VisitRule(kind=VisitKind.WEEKLY_REVISIT, tier=ChiefTier.POLICE_CHIEF, cadence=Cadence.WEEKLY)
SMALL = EnterpriseClass.SMALL_MICRO


def change(effective_from: date, *rules: VisitRule) -> ChangeVisitCadence:
    return ChangeVisitCadence(SMALL, rules or (WEEKLY,), effective_from, "小微企业也每周回访")


class TestWithNoChange:
    def test_the_plan_is_todays(self) -> None:
        world = snapshot(enterprise("ent-1", SMALL))
        assert plan_duties(world, MONDAY, date(2025, 5, 1)) == plan_duties(
            world, MONDAY, date(2025, 5, 1), replace(DEFAULT_RULES, schedule=DEFAULT_SCHEDULE)
        )

    @pytest.mark.parametrize(
        ("cmd", "field"),
        [
            (change(date(2025, 3, 2)), "effective_from"),
            (ChangeVisitCadence(SMALL, (), MONDAY, "x"), "rules"),
            (change(MONDAY, WEEKLY, WEEKLY.model_copy(update={"cadence": Cadence.MONTHLY})), "rules"),
            (ChangeVisitCadence(SMALL, (WEEKLY,), MONDAY, " "), "reason"),
        ],
    )
    def test_bad_changes_are_refused_naming_the_field(self, cmd: ChangeVisitCadence, field: str) -> None:
        with pytest.raises(InvalidCommand) as refused:
            decide_change(DEFAULT_SCHEDULE, cmd, MONDAY)
        assert refused.value.field == field


class TestWithAChange:
    def test_periods_from_its_day_follow_it_and_earlier_ones_the_defaults(self) -> None:
        [changed] = decide_change(DEFAULT_SCHEDULE, change(date(2025, 4, 1)), MONDAY)
        rules = replace(DEFAULT_RULES, schedule=evolve(DEFAULT_SCHEDULE, changed))
        world = snapshot(enterprise("ent-1", SMALL))

        keys = [d.period.key for d in plan_duties(world, MONDAY, date(2025, 4, 15), rules)]

        # March keeps its monthly revisit; the week of 31 March began before the change: nothing owed;
        # April owes no monthly revisit any more, its weeks from 7 April a weekly one each
        assert keys == ["2025-03", "2025-W15", "2025-W16"]

    def test_a_retry_of_the_last_change_records_nothing(self) -> None:
        [changed] = decide_change(DEFAULT_SCHEDULE, change(MONDAY), MONDAY)
        assert decide_change(evolve(DEFAULT_SCHEDULE, changed), change(MONDAY), MONDAY) == []
