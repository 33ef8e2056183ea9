"""The assignment service's events as appeals reads them: an enterprise's status and its chiefs.

Only the fields the `chiefs` projection uses; the rest of each event is ignored, and an event type
not declared here (absences, officers, coverage gaps, ...) decodes to `Unread`.
"""

from jingzhang.appeals.domain.vocabulary import ChiefTier, Slot
from jingzhang.shared.readers import PublishedEvent, ReaderRegistry

PRODUCER = "assignment"


class EnterpriseRegistered(PublishedEvent):
    enterprise_id: str
    name: str


class EnterpriseSuspended(PublishedEvent):
    enterprise_id: str


class EnterpriseReinstated(PublishedEvent):
    enterprise_id: str


class EnterpriseClosed(PublishedEvent):
    enterprise_id: str


class ChiefAssigned(PublishedEvent):
    enterprise_id: str
    tier: ChiefTier
    slot: Slot
    officer_id: str


class ChiefRelieved(PublishedEvent):
    enterprise_id: str
    tier: ChiefTier
    slot: Slot
    officer_id: str


class ActingChiefChanged(PublishedEvent):
    """Who answers for `tier` now: A unless away, then B; None when nobody can."""

    enterprise_id: str
    tier: ChiefTier
    officer_id: str | None


READS = ReaderRegistry(
    [
        EnterpriseRegistered,
        EnterpriseSuspended,
        EnterpriseReinstated,
        EnterpriseClosed,
        ChiefAssigned,
        ChiefRelieved,
        ActingChiefChanged,
    ]
)
