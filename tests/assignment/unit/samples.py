"""Sample events and states for the assignment tests: one place, reused by every test module."""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from jingzhang.assignment.domain import enterprise, officer
from jingzhang.assignment.domain.commands import RegisterEnterprise
from jingzhang.assignment.domain.credit_code import with_check_character
from jingzhang.assignment.domain.enterprise import EnterpriseState
from jingzhang.assignment.domain.events import (
    ChiefAssigned,
    ChiefTier,
    CoverageGapClosed,
    CoverageGapOpened,
    CoverageShortfallOpened,
    EnterpriseClass,
    EnterpriseRegistered,
    OfficerEnrolled,
    Slot,
    UnitKind,
)
from jingzhang.assignment.domain.officer import OfficerState
from jingzhang.shared.aggregate import fold
from jingzhang.shared.events import DomainEvent

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
ENTERPRISE_ID = "ent-yafang"
CREDIT_CODE = with_check_character("91610900MA7012345")

BL, SC, PC = ChiefTier.BUREAU_LEADER, ChiefTier.STATION_CHIEF, ChiefTier.POLICE_CHIEF
ALL_TIERS = (BL, SC, PC)

# One A and one B officer per tier, from the unit each tier draws on.
OFFICERS: dict[tuple[ChiefTier, Slot], str] = {
    (BL, Slot.A): "zhang-shaohua",
    (BL, Slot.B): "wang-bin",
    (SC, Slot.A): "li-suozhang",
    (SC, Slot.B): "chen-shankang",
    (PC, Slot.A): "liu-jingzhang",
    (PC, Slot.B): "zhao-jingzhang",
}
SPARE_STATION_OFFICER = "sun-minjing"

REGISTER = RegisterEnterprise(
    enterprise_id=ENTERPRISE_ID,
    name="恒口雅纺织科技有限公司",
    credit_code=CREDIT_CODE,
    address="宁陕飞地工业园区",
    industry="textiles",
    contact_name="王经理",
    contact_phone="13800000000",
    enterprise_class=EnterpriseClass.CITY_KEY_PROJECT,
)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def registered(
    enterprise_class: EnterpriseClass = EnterpriseClass.CITY_KEY_PROJECT, enterprise_id: str = ENTERPRISE_ID
) -> EnterpriseRegistered:
    return EnterpriseRegistered(
        enterprise_id=enterprise_id,
        name="恒口雅纺织科技有限公司",
        credit_code=CREDIT_CODE,
        address="宁陕飞地工业园区",
        industry="textiles",
        contact_name="王经理",
        contact_phone="13800000000",
        enterprise_class=enterprise_class,
        registered_on=T0.date(),
    )


def gap_opened(*missing: ChiefTier, reason: str = "registered") -> CoverageGapOpened:
    return CoverageGapOpened(enterprise_id=ENTERPRISE_ID, missing=missing, reason=reason)


def assigned(tier: ChiefTier, slot: Slot, officer_id: str | None = None, at: datetime = T0) -> ChiefAssigned:
    return ChiefAssigned(
        enterprise_id=ENTERPRISE_ID,
        tier=tier,
        slot=slot,
        officer_id=officer_id or OFFICERS[(tier, slot)],
        effective_from=at,
    )


def shortfall_opened(tier: ChiefTier, vacant: Slot = Slot.B, reason: str = "") -> CoverageShortfallOpened:
    return CoverageShortfallOpened(
        enterprise_id=ENTERPRISE_ID, tier=tier, vacant=vacant, reason=reason or f"{tier} {Slot.A} assigned"
    )


def staffed(*slots: Slot) -> list[DomainEvent]:
    """A registered key project whose three tiers are held in `slots` (A only by default), gap closed, and
    with one slot per tier the shortfalls recorded."""
    chosen = slots or (Slot.A,)
    vacant = [Slot.B if slot is Slot.A else Slot.A for slot in chosen] if len(chosen) == 1 else []
    return [
        registered(),
        gap_opened(*ALL_TIERS),
        *(assigned(tier, slot) for tier in ALL_TIERS for slot in chosen),
        *(shortfall_opened(tier, slot) for tier in ALL_TIERS for slot in vacant),
        CoverageGapClosed(enterprise_id=ENTERPRISE_ID, reason="police_chief assigned"),
    ]


def given(*events: DomainEvent | Iterable[DomainEvent]) -> EnterpriseState:
    return fold(enterprise.evolve, enterprise.INITIAL, _flat(events))


def after(state: EnterpriseState, events: Iterable[DomainEvent]) -> EnterpriseState:
    """The state once `events` (what a decision returned) are recorded."""
    return fold(enterprise.evolve, state, events)


def given_officer(*events: DomainEvent) -> OfficerState:
    return fold(officer.evolve, officer.INITIAL, events)


def _flat(items: Iterable[DomainEvent | Iterable[DomainEvent]]) -> list[DomainEvent]:
    flat: list[DomainEvent] = []
    for item in items:
        flat.extend([item] if isinstance(item, DomainEvent) else item)
    return flat


def enrolled(officer_id: str, unit_kind: UnitKind = UnitKind.STATION) -> OfficerEnrolled:
    return OfficerEnrolled(
        officer_id=officer_id,
        name=f"name of {officer_id}",
        unit_kind=unit_kind,
        unit_name="恒口派出所" if unit_kind is not UnitKind.BUREAU_LEADERSHIP else "恒口公安分局",
        position="所长" if unit_kind is not UnitKind.BUREAU_LEADERSHIP else "副局长",
        rank="一级警长",
        phone="13900000000",
        wechat_id=f"wx-{officer_id}",
        photo_ref=f"photos/{officer_id}.jpg",
        enrolled_on=T0.date(),
    )


def serving(officer_id: str) -> OfficerState:
    """An active officer from the unit their sample post draws on."""
    leaders = {OFFICERS[(BL, Slot.A)], OFFICERS[(BL, Slot.B)]}
    kind = UnitKind.BUREAU_LEADERSHIP if officer_id in leaders else UnitKind.STATION
    return given_officer(enrolled(officer_id, kind))


def all_officers() -> dict[str, OfficerState]:
    ids = [*OFFICERS.values(), SPARE_STATION_OFFICER]
    return {oid: serving(oid) for oid in ids}
