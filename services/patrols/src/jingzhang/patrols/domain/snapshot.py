"""What the cadence engine needs to know about assignments, as plain values.

The service builds a snapshot from its own projection of the assignment service's events
(`EnterpriseRegistered`, `ChiefAssigned`/`ChiefRelieved`, `AbsenceDeclared`/`AbsenceEnded`, read
through `upstream.assignment`), so the engine stays a pure function of it.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from jingzhang.patrols.domain.vocabulary import ChiefTier, EnterpriseClass, Slot


@dataclass(frozen=True, slots=True)
class TierChiefs:
    """The A and B officers of one tier (AB角); either may be vacant."""

    a: str | None = None
    b: str | None = None

    def holder(self, slot: Slot) -> str | None:
        return self.a if slot is Slot.A else self.b


@dataclass(frozen=True, slots=True)
class Absence:
    """Away `[starts_at, ends_at)`; an absence ended early carries its real end."""

    officer_id: str
    starts_at: datetime
    ends_at: datetime

    def covers(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at


@dataclass(frozen=True, slots=True)
class EnterpriseSnapshot:
    enterprise_id: str
    enterprise_class: EnterpriseClass
    registered_on: date
    chiefs: Mapping[ChiefTier, TierChiefs] = field(default_factory=dict)

    def tier(self, tier: ChiefTier) -> TierChiefs:
        return self.chiefs.get(tier, TierChiefs())


@dataclass(frozen=True, slots=True)
class AssignmentSnapshot:
    """Active enterprises (suspended or closed ones are left out by the builder) and known absences."""

    enterprises: tuple[EnterpriseSnapshot, ...] = ()
    absences: tuple[Absence, ...] = ()

    def enterprise(self, enterprise_id: str) -> EnterpriseSnapshot | None:
        return next((e for e in self.enterprises if e.enterprise_id == enterprise_id), None)

    def is_away(self, officer_id: str, at: datetime) -> bool:
        return any(a.officer_id == officer_id and a.covers(at) for a in self.absences)
