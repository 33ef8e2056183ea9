"""Given an appeal received before it is entered (a phone or paper appeal), when it is raised: the time
limits run from receipt; a receipt in the future or before the enterprise was registered names the field."""

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest

from jingzhang.appeals.domain import events as ev
from jingzhang.appeals.domain.calendar import BUREAU_TZ, CLOCK_SKEW
from jingzhang.appeals.domain.deadlines import check_deadlines, first_response_due
from jingzhang.appeals.domain.intake import decide_raise
from jingzhang.appeals.domain.state import APPEAL
from jingzhang.shared.errors import InvalidCommand

from .samples import DAY, HOUR, T0, chiefs, given_appeal, raise_cmd, types

ENTERED = T0 + 2 * DAY


def received(at: datetime | None) -> list[ev.AppealRaised]:
    events = decide_raise(APPEAL.initial, replace(raise_cmd(), received_at=at), ENTERED, registered(date(2026, 3, 1)))
    return [e for e in events if isinstance(e, ev.AppealRaised)]


def registered(on: date | None):  # type: ignore[no-untyped-def]
    return replace(chiefs(), registered_on=on)


class TestWhenReceivedEarlier:
    def test_the_receipt_is_recorded_beside_the_recording(self) -> None:
        [raised] = received(T0)

        assert (raised.raised_at, raised.received_at) == (ENTERED, T0)

    def test_the_time_limits_run_from_receipt(self) -> None:
        events = decide_raise(APPEAL.initial, replace(raise_cmd(), received_at=T0), ENTERED, chiefs())
        appeal = given_appeal(events)

        assert appeal.received_at == T0
        assert appeal.timer.due_at == T0 + 7 * DAY
        assert first_response_due(appeal) == T0 + DAY

    def test_an_answer_overdue_since_before_it_was_entered_is_breached_at_the_first_check(self) -> None:
        appeal = given_appeal(decide_raise(APPEAL.initial, replace(raise_cmd(), received_at=T0), ENTERED, chiefs()))

        assert types(check_deadlines(appeal, ENTERED, chiefs())) == ["DeadlineBreached", "AppealEscalated"]

    def test_without_a_receipt_it_was_received_when_entered(self) -> None:
        [raised] = received(None)

        assert raised.received_at == ENTERED

    def test_a_receipt_within_the_clock_skew_counts(self) -> None:
        [raised] = received(ENTERED + CLOCK_SKEW)

        assert raised.received_at == ENTERED + CLOCK_SKEW

    def test_a_receipt_in_the_future_names_the_field(self) -> None:
        with pytest.raises(InvalidCommand) as err:
            received(ENTERED + CLOCK_SKEW + timedelta(seconds=1))
        assert err.value.field == "received_at"

    def test_a_receipt_before_the_day_the_enterprise_was_registered_names_the_field(self) -> None:
        day_before = datetime(2026, 2, 28, 23, 59, tzinfo=BUREAU_TZ)

        with pytest.raises(InvalidCommand) as err:
            received(day_before)
        assert err.value.field == "received_at"

    def test_a_receipt_on_the_registration_day_counts_in_bureau_time(self) -> None:
        # 1 March 00:30 in Shanghai is still 28 February in UTC
        first_minutes = datetime(2026, 3, 1, 0, 30, tzinfo=BUREAU_TZ)

        [raised] = received(first_minutes)

        assert raised.received_at == first_minutes

    @pytest.mark.parametrize(
        "ancient",
        [datetime(1999, 12, 31, 23, 59, tzinfo=BUREAU_TZ), datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14)))],
    )
    def test_a_receipt_before_the_schemes_records_names_the_field_even_without_a_registration_day(
        self, ancient: datetime
    ) -> None:
        with pytest.raises(InvalidCommand) as err:
            decide_raise(APPEAL.initial, replace(raise_cmd(), received_at=ancient), ENTERED, registered(None))
        assert err.value.field == "received_at"

    def test_an_enterprise_whose_registration_day_is_unknown_is_not_checked(self) -> None:
        long_ago = T0 - 400 * DAY
        cmd = replace(raise_cmd(), received_at=long_ago)

        events = decide_raise(APPEAL.initial, cmd, ENTERED, registered(None))

        assert given_appeal(events).received_at == long_ago

    def test_an_older_event_without_a_receipt_was_received_when_raised(self) -> None:
        [raised] = received(None)
        older = raised.model_copy(update={"received_at": None, "raised_at": T0 + HOUR})

        appeal = given_appeal(older, *decide_raise(APPEAL.initial, raise_cmd(), T0, chiefs())[1:])

        assert (appeal.received_at, appeal.timer.due_at) == (T0 + HOUR, T0 + HOUR + 7 * DAY)
