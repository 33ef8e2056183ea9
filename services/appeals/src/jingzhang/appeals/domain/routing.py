"""Who answers an appeal: the acting chief of the tier its channel names, from a snapshot the handler
builds out of the assignment service's events (ChiefAssigned / ChiefRelieved / ActingChiefChanged)."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from jingzhang.appeals.domain.events import AppealRouted
from jingzhang.appeals.domain.vocabulary import Channel, ChiefTier, Slot

# Lowest first: escalation climbs this ladder.
LADDER = (ChiefTier.POLICE_CHIEF, ChiefTier.STATION_CHIEF, ChiefTier.BUREAU_LEADER)

# The everyday channels (WeChat group, visits, forums, phone) are run by the community police chief,
# who holds the enterprise's police office and revisits weekly, so they land on the first rung.
CHANNEL_TIER: Mapping[Channel, ChiefTier] = {
    Channel.POLICE_CHIEF_SERVICE_POINT: ChiefTier.POLICE_CHIEF,
    Channel.STATION_CHIEF_LIAISON_STATION: ChiefTier.STATION_CHIEF,
    Channel.DIRECTOR_DIRECT_LINE: ChiefTier.BUREAU_LEADER,
    Channel.WECHAT_GROUP: ChiefTier.POLICE_CHIEF,
    Channel.VISIT: ChiefTier.POLICE_CHIEF,
    Channel.FORUM: ChiefTier.POLICE_CHIEF,
    Channel.PHONE: ChiefTier.POLICE_CHIEF,
}


@dataclass(frozen=True, slots=True)
class TierChiefs:
    """One tier's A and B and who acts now (None when neither can: a coverage gap)."""

    a_officer_id: str | None = None
    b_officer_id: str | None = None
    acting_officer_id: str | None = None

    @property
    def acting_slot(self) -> Slot | None:
        if self.acting_officer_id is None:
            return None
        return Slot.B if self.acting_officer_id == self.b_officer_id else Slot.A

    @property
    def officer_ids(self) -> tuple[str, ...]:
        return tuple(o for o in (self.a_officer_id, self.b_officer_id) if o is not None)


@dataclass(frozen=True, slots=True)
class ChiefsSnapshot:
    """The enterprise's named chiefs as this service's projection knows them right now, and the day it
    was registered (None when unknown: the check against it is skipped)."""

    enterprise_id: str
    tiers: Mapping[ChiefTier, TierChiefs] = field(default_factory=dict)
    registered_on: date | None = None

    def tier(self, tier: ChiefTier) -> TierChiefs:
        return self.tiers.get(tier, TierChiefs())

    def officer_ids(self) -> tuple[str, ...]:
        return tuple(o for t in LADDER for o in self.tier(t).officer_ids)


@dataclass(frozen=True, slots=True)
class Assignment:
    """The routing decision: who holds the appeal and who is told about it."""

    tier: ChiefTier
    officer_id: str
    slot: Slot
    informed_officer_ids: tuple[str, ...]


def assign(chiefs: ChiefsSnapshot, tier: ChiefTier) -> Assignment | None:
    """The tier's acting chief, with every other named chief of the enterprise informed."""
    chief = chiefs.tier(tier)
    slot = chief.acting_slot
    if chief.acting_officer_id is None or slot is None:
        return None
    others = tuple(o for o in chiefs.officer_ids() if o != chief.acting_officer_id)
    return Assignment(tier, chief.acting_officer_id, slot, tuple(dict.fromkeys(others)))


def route(channel: Channel, chiefs: ChiefsSnapshot) -> Assignment | None:
    """The channel's tier; if nobody can act there, the tiers above it, then those below.

    Climbing first keeps the appeal with someone at least as senior as the channel the enterprise chose.
    """
    wanted = CHANNEL_TIER[channel]
    start = LADDER.index(wanted)
    order = LADDER[start:] + LADDER[:start][::-1]
    return next((a for a in (assign(chiefs, t) for t in order) if a is not None), None)


def escalation_target(current: ChiefTier, chiefs: ChiefsSnapshot) -> Assignment | None:
    """The first tier above `current` with someone acting; None at the top of the ladder."""
    above = LADDER[LADDER.index(current) + 1 :]
    return next((a for a in (assign(chiefs, t) for t in above) if a is not None), None)


def routed(assignment: Assignment, at: datetime) -> AppealRouted:
    """The event giving the appeal to the chief `route` chose."""
    return AppealRouted(
        tier=assignment.tier,
        officer_id=assignment.officer_id,
        slot_acting=assignment.slot,
        informed_officer_ids=assignment.informed_officer_ids,
        routed_at=at,
    )
