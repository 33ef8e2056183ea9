"""Given/when/then for an enterprise's lifecycle: register, reclassify, suspend, reinstate, close."""

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from jingzhang.assignment.domain.commands import (
    CloseEnterprise,
    ReclassifyEnterprise,
    ReinstateEnterprise,
    SuspendEnterprise,
)
from jingzhang.assignment.domain.enterprise import EnterpriseState, EnterpriseStatus
from jingzhang.assignment.domain.events import (
    ActingChiefChanged,
    ChiefRelieved,
    CoverageGapClosed,
    CoverageGapOpened,
    CoverageShortfallClosed,
    EnterpriseClass,
    EnterpriseClosed,
    EnterpriseReclassified,
    EnterpriseReinstated,
    EnterpriseSuspended,
    NobodyActing,
    NobodyActingEnded,
    PoliceOfficeClosed,
    PoliceOfficeOpened,
    Slot,
)
from jingzhang.assignment.domain.lifecycle import (
    close_enterprise,
    reclassify_enterprise,
    register_enterprise,
    reinstate_enterprise,
    suspend_enterprise,
)
from jingzhang.shared.errors import DomainRejected, InvalidCommand, NotFound

from .samples import (
    ALL_TIERS,
    CREDIT_CODE,
    ENTERPRISE_ID,
    OFFICERS,
    PC,
    REGISTER,
    T0,
    assigned,
    day,
    gap_opened,
    given,
    registered,
    shortfall_opened,
    staffed,
)

SUSPEND = SuspendEnterprise(enterprise_id=ENTERPRISE_ID, reason="production halted")
REINSTATE = ReinstateEnterprise(enterprise_id=ENTERPRISE_ID)
CLOSE = CloseEnterprise(enterprise_id=ENTERPRISE_ID, reason="moved away")
CLOSING_DAY = day(30)


def reclassify(to: EnterpriseClass) -> ReclassifyEnterprise:
    return ReclassifyEnterprise(enterprise_id=ENTERPRISE_ID, enterprise_class=to)


class TestWhenUnregistered:
    def test_registering_records_the_enterprise_registered_today_and_opens_a_gap_for_all_three_tiers(self) -> None:
        events = register_enterprise(given(), REGISTER, now=T0)

        assert events == [registered(), gap_opened(*ALL_TIERS)]

    def test_today_is_the_bureaus_day(self) -> None:
        [event, _] = register_enterprise(given(), REGISTER, now=T0.replace(hour=16, minute=30))  # 00:30 in Shanghai

        assert event == registered().model_copy(update={"registered_on": date(2024, 3, 2)})

    def test_an_enterprise_registered_earlier_is_recorded_with_that_day(self) -> None:
        earlier = REGISTER.model_copy(update={"registered_on": date(2023, 6, 1)})

        [event, _] = register_enterprise(given(), earlier, now=T0)

        assert event == registered().model_copy(update={"registered_on": date(2023, 6, 1)})

    def test_a_registration_dated_in_the_future_is_refused_naming_the_field(self) -> None:
        tomorrow = REGISTER.model_copy(update={"registered_on": T0.date() + timedelta(days=1)})

        with pytest.raises(InvalidCommand) as refused:
            register_enterprise(given(), tomorrow, now=T0)

        assert refused.value.field == "registered_on"

    def test_tomorrow_is_no_future_within_five_minutes_of_midnight(self) -> None:
        tomorrow = REGISTER.model_copy(update={"registered_on": date(2024, 3, 2)})

        [event, _] = register_enterprise(given(), tomorrow, now=T0.replace(hour=15, minute=57))  # 23:57 in Shanghai

        assert event == registered().model_copy(update={"registered_on": date(2024, 3, 2)})

    def test_a_credit_code_with_a_wrong_check_character_is_refused_naming_the_field(self) -> None:
        wrong = CREDIT_CODE[:17] + ("0" if CREDIT_CODE[17] != "0" else "1")

        with pytest.raises(InvalidCommand) as refused:
            register_enterprise(given(), REGISTER.model_copy(update={"credit_code": wrong}), now=T0)

        assert refused.value.field == "credit_code"

    @pytest.mark.parametrize(
        "decide",
        [
            lambda s: reclassify_enterprise(s, reclassify(EnterpriseClass.ABOVE_SCALE), now=T0),
            lambda s: suspend_enterprise(s, SUSPEND, now=T0),
            lambda s: reinstate_enterprise(s, REINSTATE, now=T0),
            lambda s: close_enterprise(s, CLOSE, at=CLOSING_DAY),
        ],
    )
    def test_other_commands_name_an_unknown_enterprise(self, decide: Callable[[EnterpriseState], object]) -> None:
        with pytest.raises(NotFound):
            decide(given())


class TestWhenActive:
    def test_registering_the_same_again_is_a_retry_and_records_nothing(self) -> None:
        later = day(40)

        assert register_enterprise(given(registered()), REGISTER, now=later) == []
        dated = REGISTER.model_copy(update={"registered_on": T0.date()})
        assert register_enterprise(given(registered()), dated, now=later) == []

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"name": "另一家公司"}, "name"),
            ({"enterprise_class": EnterpriseClass.SMALL_MICRO}, "enterprise_class"),
            ({"registered_on": date(2024, 2, 1)}, "registered_on"),
        ],
    )
    def test_registering_other_details_under_the_same_id_is_a_duplicate_naming_the_field(
        self, change: dict[str, object], field: str
    ) -> None:
        with pytest.raises(DomainRejected) as refused:
            register_enterprise(given(registered()), REGISTER.model_copy(update=change), now=day(1))

        assert (refused.value.code, refused.value.field) == ("duplicate", field)

    def test_a_retry_compares_with_what_was_registered_not_with_a_later_class(self) -> None:
        state = given(registered(), reclassify_event(EnterpriseClass.ABOVE_SCALE))

        assert register_enterprise(state, REGISTER, now=day(1)) == []

    def test_reclassifying_records_the_previous_class(self) -> None:
        state = given(registered(), gap_opened(*ALL_TIERS))

        events = reclassify_enterprise(state, reclassify(EnterpriseClass.ABOVE_SCALE), now=T0)

        assert events == [
            EnterpriseReclassified(
                enterprise_id=ENTERPRISE_ID,
                previous_class=EnterpriseClass.CITY_KEY_PROJECT,
                enterprise_class=EnterpriseClass.ABOVE_SCALE,
            )
        ]

    def test_reclassifying_into_the_same_class_records_nothing(self) -> None:
        assert reclassify_enterprise(given(registered()), reclassify(EnterpriseClass.CITY_KEY_PROJECT), now=T0) == []

    def test_suspending_closes_the_open_gap_since_a_suspended_enterprise_needs_no_cover(self) -> None:
        events = suspend_enterprise(given(registered(), gap_opened(*ALL_TIERS)), SUSPEND, now=T0)

        assert events == [
            EnterpriseSuspended(enterprise_id=ENTERPRISE_ID, reason="production halted"),
            CoverageGapClosed(enterprise_id=ENTERPRISE_ID, reason="suspended"),
        ]

    def test_suspending_a_covered_enterprise_ends_its_shortfalls_since_it_needs_no_cover(self) -> None:
        events = suspend_enterprise(given(staffed()), SUSPEND, now=T0)

        assert events == [
            EnterpriseSuspended(enterprise_id=ENTERPRISE_ID, reason="production halted"),
            *(CoverageShortfallClosed(enterprise_id=ENTERPRISE_ID, tier=t, reason="suspended") for t in ALL_TIERS),
        ]

    def test_suspending_ends_nobody_acting_and_reinstating_raises_it_again(self) -> None:
        nobody = [
            ActingChiefChanged(
                enterprise_id=ENTERPRISE_ID,
                tier=PC,
                officer_id=None,
                previous_officer_id=OFFICERS[(PC, Slot.A)],
                reason="absence started",
                effective_from=day(2),
            ),
            NobodyActing(enterprise_id=ENTERPRISE_ID, tier=PC, since=day(2), reason="absence started"),
        ]
        suspended = suspend_enterprise(given(staffed(Slot.A, Slot.B), *nobody), SUSPEND, now=day(3))
        reinstated = reinstate_enterprise(given(staffed(Slot.A, Slot.B), *nobody, *suspended), REINSTATE, now=day(3))

        ended = NobodyActingEnded(enterprise_id=ENTERPRISE_ID, tier=PC, officer_id=None, reason="suspended")
        assert suspended[1:] == [ended]
        assert reinstated[1:] == [NobodyActing(enterprise_id=ENTERPRISE_ID, tier=PC, since=day(2), reason="reinstated")]

    def test_reclassifying_into_small_and_micro_ends_the_shortfalls_and_back_opens_them(self) -> None:
        small = reclassify_enterprise(given(staffed()), reclassify(EnterpriseClass.SMALL_MICRO), now=T0)
        key = reclassify_enterprise(given(staffed(), *small), reclassify(EnterpriseClass.ABOVE_SCALE), now=T0)

        closed = [
            CoverageShortfallClosed(enterprise_id=ENTERPRISE_ID, tier=t, reason="reclassified") for t in ALL_TIERS
        ]
        assert small[1:] == closed
        assert key[1:] == [shortfall_opened(t, reason="reclassified") for t in ALL_TIERS]

    def test_closing_relieves_every_chief_closes_the_office_and_leaves_nobody_acting(self) -> None:
        office = PoliceOfficeOpened(
            enterprise_id=ENTERPRISE_ID, office_id="office-1", online=True, offline=False, location=None
        )
        state = given(staffed(), office, *_acting_a_everywhere())

        events = close_enterprise(state, CLOSE, at=CLOSING_DAY)

        relieved = [e for e in events if isinstance(e, ChiefRelieved)]
        assert {(e.tier, e.officer_id, e.reason) for e in relieved} == {
            (tier, OFFICERS[(tier, Slot.A)], "enterprise_closed") for tier in ALL_TIERS
        }
        assert (
            PoliceOfficeClosed(enterprise_id=ENTERPRISE_ID, office_id="office-1", reason="enterprise_closed") in events
        )
        assert EnterpriseClosed(enterprise_id=ENTERPRISE_ID, reason="moved away") in events
        acting = [e for e in events if isinstance(e, ActingChiefChanged)]
        assert [(e.tier, e.officer_id) for e in acting] == [(tier, None) for tier in ALL_TIERS]
        assert not any(isinstance(e, CoverageGapOpened) for e in events)


def reclassify_event(to: EnterpriseClass) -> EnterpriseReclassified:
    return EnterpriseReclassified(
        enterprise_id=ENTERPRISE_ID, previous_class=EnterpriseClass.CITY_KEY_PROJECT, enterprise_class=to
    )


def _acting_a_everywhere() -> list[ActingChiefChanged]:
    return [
        ActingChiefChanged(
            enterprise_id=ENTERPRISE_ID,
            tier=tier,
            officer_id=OFFICERS[(tier, Slot.A)],
            previous_officer_id=None,
            reason="assigned",
            effective_from=day(0),
        )
        for tier in ALL_TIERS
    ]


class TestWhenSuspended:
    def test_reinstating_reopens_the_gap_for_tiers_still_missing(self) -> None:
        state = given(registered(), assigned(PC, Slot.A), EnterpriseSuspended(enterprise_id=ENTERPRISE_ID, reason="x"))

        events = reinstate_enterprise(state, REINSTATE, now=T0)

        missing = tuple(t for t in ALL_TIERS if t is not PC)
        assert events == [
            EnterpriseReinstated(enterprise_id=ENTERPRISE_ID),
            gap_opened(*missing, reason="reinstated"),
            shortfall_opened(PC, reason="reinstated"),
        ]

    def test_suspending_again_records_nothing(self) -> None:
        state = given(staffed(), EnterpriseSuspended(enterprise_id=ENTERPRISE_ID, reason="x"))

        assert suspend_enterprise(state, SUSPEND, now=T0) == []
        assert state.status is EnterpriseStatus.SUSPENDED


class TestWhenClosed:
    @pytest.fixture
    def closed(self) -> EnterpriseState:
        return given(registered(), EnterpriseClosed(enterprise_id=ENTERPRISE_ID, reason="gone"))

    def test_reclassifying_is_refused(self, closed: EnterpriseState) -> None:
        with pytest.raises(DomainRejected) as refused:
            reclassify_enterprise(closed, reclassify(EnterpriseClass.SMALL_MICRO), now=T0)

        assert refused.value.code == "enterprise_closed"

    def test_reinstating_is_refused(self, closed: EnterpriseState) -> None:
        with pytest.raises(DomainRejected):
            reinstate_enterprise(closed, REINSTATE, now=T0)

    def test_closing_again_records_nothing(self, closed: EnterpriseState) -> None:
        assert close_enterprise(closed, CLOSE, at=CLOSING_DAY) == []
