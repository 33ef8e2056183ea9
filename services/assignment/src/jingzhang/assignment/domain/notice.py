"""The police office's notice card (警务室民警公示牌): who the chiefs are, who answers each 110 line."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from jingzhang.assignment.domain.calendar import AbsenceBook, acting_chief
from jingzhang.assignment.domain.enterprise import EnterpriseState, chiefs_at
from jingzhang.assignment.domain.events import Channel110, ChiefTier, Slot
from jingzhang.assignment.domain.officer import OfficerState
from jingzhang.shared.errors import NotFound

CHANNEL_OF_TIER: Mapping[ChiefTier, Channel110] = {
    ChiefTier.BUREAU_LEADER: Channel110.DIRECTOR_DIRECT_LINE,
    ChiefTier.STATION_CHIEF: Channel110.STATION_LIAISON,
    ChiefTier.POLICE_CHIEF: Channel110.CHIEF_SERVICE_POINT,
}


@dataclass(frozen=True, slots=True)
class CardPerson:
    """What the board shows of one officer: photo, name, position, phone and WeChat."""

    officer_id: str
    name: str
    position: str
    phone: str
    wechat_id: str
    photo_ref: str | None


@dataclass(frozen=True, slots=True)
class CardChief:
    tier: ChiefTier
    slot: Slot
    person: CardPerson


@dataclass(frozen=True, slots=True)
class CardChannel:
    """A 110 channel and who answers it now (the tier's acting chief); None when nobody can."""

    channel: Channel110
    tier: ChiefTier
    answered_by: CardPerson | None


@dataclass(frozen=True, slots=True)
class NoticeCard:
    enterprise_id: str
    enterprise_name: str
    office_id: str
    chiefs: tuple[CardChief, ...]
    channels: tuple[CardChannel, ...]


def notice_card(
    enterprise: EnterpriseState, officers: Mapping[str, OfficerState], at: datetime, absences: AbsenceBook
) -> NoticeCard:
    """The card as it should read at `at`; `officers` must hold every chief of the enterprise."""
    if enterprise.office is None:
        raise NotFound("police office of enterprise", enterprise.enterprise_id)
    posted = chiefs_at(enterprise, at)
    listed = tuple(
        CardChief(tier, slot, _person(officers, posted[(tier, slot)]))
        for tier in ChiefTier
        for slot in Slot
        if (tier, slot) in posted
    )
    channels = tuple(_channel(enterprise, tier, at, absences, officers) for tier in ChiefTier)
    return NoticeCard(enterprise.enterprise_id, enterprise.name, enterprise.office.office_id, listed, channels)


def _channel(
    enterprise: EnterpriseState,
    tier: ChiefTier,
    at: datetime,
    absences: AbsenceBook,
    officers: Mapping[str, OfficerState],
) -> CardChannel:
    acting = acting_chief(enterprise, tier, at, absences)
    return CardChannel(CHANNEL_OF_TIER[tier], tier, _person(officers, acting) if acting else None)


def _person(officers: Mapping[str, OfficerState], officer_id: str) -> CardPerson:
    officer = officers.get(officer_id)
    if officer is None:
        raise NotFound("officer", officer_id)
    return CardPerson(officer_id, officer.name, officer.position, officer.phone, officer.wechat_id, officer.photo_ref)
