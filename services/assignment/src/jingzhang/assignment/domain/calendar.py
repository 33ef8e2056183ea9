"""The duty calendar: who is away when, who acts for a tier, and the A/B double-absence rule.

Absences belong to officers, acting responsibility to enterprises; these functions meet in the middle
through an `AbsenceBook` (officer id -> the intervals they are away) that a handler builds from officer
states, so neither aggregate reads the other's stream.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from jingzhang.assignment.domain.enterprise import EnterpriseState, EnterpriseStatus, holder, holder_at
from jingzhang.assignment.domain.events import ActingChiefChanged, ChiefTier, Slot
from jingzhang.shared.errors import DomainRejected


@dataclass(frozen=True, slots=True)
class Interval:
    """Half-open `[starts_at, ends_at)`: a return at 09:00 and a departure at 09:00 do not overlap."""

    starts_at: datetime
    ends_at: datetime

    def overlaps(self, other: "Interval") -> bool:
        return self.starts_at < other.ends_at and other.starts_at < self.ends_at

    def contains(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at


AbsenceBook = Mapping[str, Sequence[Interval]]
NO_ABSENCES: AbsenceBook = {}


def is_away(absences: AbsenceBook, officer_id: str, at: datetime) -> bool:
    return any(i.contains(at) for i in absences.get(officer_id, ()))


def acting_chief(state: EnterpriseState, tier: ChiefTier, at: datetime, absences: AbsenceBook) -> str | None:
    """Who answers for `tier` at `at`: A unless A is away or the slot is empty, then B; else nobody."""
    for slot in (Slot.A, Slot.B):
        officer_id = holder_at(state, tier, slot, at)
        if officer_id is not None and not is_away(absences, officer_id, at):
            return officer_id
    return None


def sync_acting(
    state: EnterpriseState,
    absences: AbsenceBook,
    at: datetime,
    reason: str,
    tiers: Iterable[ChiefTier] = tuple(ChiefTier),
) -> list[ActingChiefChanged]:
    """`ActingChiefChanged` for each of `tiers` whose acting chief at `at` differs from the recorded one.

    `absences` must hold the intervals of every holder of those tiers: a missing officer counts as present.
    """
    if state.status is EnterpriseStatus.UNREGISTERED:
        return []
    return [
        ActingChiefChanged(
            enterprise_id=state.enterprise_id,
            tier=tier,
            officer_id=now_acting,
            previous_officer_id=state.acting.get(tier),
            reason=reason,
            effective_from=at,
        )
        for tier in tiers
        if (now_acting := acting_chief(state, tier, at, absences)) != state.acting.get(tier)
    ]


@dataclass(frozen=True, slots=True)
class PartnerAbsences:
    """The other slot's holder in one tier of one enterprise, with the times they are away."""

    partner_officer_id: str
    enterprise_id: str
    tier: ChiefTier
    intervals: tuple[Interval, ...]


def partners_of(state: EnterpriseState, officer_id: str, absences: AbsenceBook) -> list[PartnerAbsences]:
    """For each tier where `officer_id` holds A or B, the holder of the other slot and their absences."""
    found = []
    for tier in ChiefTier:
        for slot, other in ((Slot.A, Slot.B), (Slot.B, Slot.A)):
            partner = holder(state, tier, other)
            if holder(state, tier, slot) == officer_id and partner is not None:
                intervals = tuple(absences.get(partner, ()))
                found.append(PartnerAbsences(partner, state.enterprise_id, tier, intervals))
    return found


def refuse_double_absence(requested: Interval, partners: Iterable[PartnerAbsences]) -> None:
    """A and B of one tier may never be away together: refuse naming the partner, enterprise and tier."""
    for partner in partners:
        clash = next((i for i in partner.intervals if i.overlaps(requested)), None)
        if clash is not None:
            raise DomainRejected(
                f"officer {partner.partner_officer_id}, the partner for tier {partner.tier} of enterprise "
                f"{partner.enterprise_id}, is away from {clash.starts_at.isoformat()} "
                f"to {clash.ends_at.isoformat()}: A and B may not be away at the same time",
                code="double_absence",
            )
