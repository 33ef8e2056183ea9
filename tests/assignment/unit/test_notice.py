"""The police office's notice card: chiefs with photo and contacts, and who answers each 110 channel."""

import pytest

from jingzhang.assignment.domain.calendar import Interval
from jingzhang.assignment.domain.events import Channel110, PoliceOfficeOpened, Slot
from jingzhang.assignment.domain.notice import notice_card
from jingzhang.shared.errors import NotFound

from .samples import ALL_TIERS, ENTERPRISE_ID, OFFICERS, PC, all_officers, day, given, staffed

OFFICE = PoliceOfficeOpened(
    enterprise_id=ENTERPRISE_ID, office_id="office-1", online=True, offline=False, location=None
)
PC_A, PC_B = OFFICERS[(PC, Slot.A)], OFFICERS[(PC, Slot.B)]


class TestWithAnOpenOffice:
    def test_the_card_lists_every_chief_with_photo_name_position_phone_and_wechat(self) -> None:
        card = notice_card(given(staffed(Slot.A, Slot.B), OFFICE), all_officers(), day(1), {})

        assert card.office_id == "office-1"
        assert [(c.tier, c.slot) for c in card.chiefs] == [(t, s) for t in ALL_TIERS for s in Slot]
        first = card.chiefs[0].person
        assert first.officer_id == OFFICERS[(ALL_TIERS[0], Slot.A)]
        assert (first.photo_ref, first.wechat_id) == (f"photos/{first.officer_id}.jpg", f"wx-{first.officer_id}")
        assert (first.name, first.position, first.phone) == (f"name of {first.officer_id}", "副局长", "13900000000")

    def test_each_110_channel_is_answered_by_its_tiers_acting_chief(self) -> None:
        card = notice_card(given(staffed(Slot.A, Slot.B), OFFICE), all_officers(), day(1), {})

        assert [c.channel for c in card.channels] == [
            Channel110.DIRECTOR_DIRECT_LINE,
            Channel110.STATION_LIAISON,
            Channel110.CHIEF_SERVICE_POINT,
        ]
        assert [c.answered_by.officer_id for c in card.channels if c.answered_by] == [
            OFFICERS[(t, Slot.A)] for t in ALL_TIERS
        ]

    def test_while_a_is_away_b_answers_the_police_chiefs_service_point(self) -> None:
        away = {PC_A: [Interval(day(0), day(3))]}

        card = notice_card(given(staffed(Slot.A, Slot.B), OFFICE), all_officers(), day(1), away)

        point = next(c for c in card.channels if c.channel is Channel110.CHIEF_SERVICE_POINT)
        assert point.answered_by is not None
        assert point.answered_by.officer_id == PC_B

    def test_a_channel_nobody_can_answer_says_so(self) -> None:
        away = {PC_A: [Interval(day(0), day(3))]}

        card = notice_card(given(staffed(), OFFICE), all_officers(), day(1), away)

        assert next(c for c in card.channels if c.tier is PC).answered_by is None

    def test_an_officer_missing_from_the_lookup_is_not_found(self) -> None:
        officers = {k: v for k, v in all_officers().items() if k != PC_A}

        with pytest.raises(NotFound):
            notice_card(given(staffed(), OFFICE), officers, day(1), {})


class TestWithoutAnOffice:
    def test_there_is_no_card(self) -> None:
        with pytest.raises(NotFound):
            notice_card(given(staffed()), all_officers(), day(1), {})
