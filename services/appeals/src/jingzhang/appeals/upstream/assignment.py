"""The assignment service's events as appeals reads them: an enterprise's registration, status and
chiefs (the `chiefs` projection), and which officers exist (the `officers` projection).

Only the fields those projections use; the rest of each event is ignored, and an event type not
declared here (absences, coverage gaps, ...) decodes to `Unread`.
"""

from datetime import date

from pydantic import AwareDatetime

from jingzhang.appeals.domain.vocabulary import ChiefTier, Slot
from jingzhang.shared.readers import PublishedEvent, ReaderRegistry

PRODUCER = "assignment"


class EnterpriseRegistered(PublishedEvent):
    """`registered_on`: the business date (bureau time); absent from older events, whose registration
    is the day the event was recorded (its `occurred_at`)."""

    enterprise_id: str
    name: str
    registered_on: date | None = None


class EnterpriseSuspended(PublishedEvent):
    enterprise_id: str


class EnterpriseReinstated(PublishedEvent):
    enterprise_id: str


class EnterpriseClosed(PublishedEvent):
    enterprise_id: str


class ChiefAssigned(PublishedEvent):
    """`officer_id` holds the post from `effective_from`, which may be past or still to come."""

    enterprise_id: str
    tier: ChiefTier
    slot: Slot
    officer_id: str
    effective_from: AwareDatetime


class ChiefRelieved(PublishedEvent):
    """The term of `officer_id` in the slot ends at `effective_from` (a relief may be recorded ahead)."""

    enterprise_id: str
    tier: ChiefTier
    slot: Slot
    officer_id: str
    effective_from: AwareDatetime


class ActingChiefChanged(PublishedEvent):
    """Who answers for `tier` from `effective_from`: A unless away, then B; None when nobody can."""

    enterprise_id: str
    tier: ChiefTier
    officer_id: str | None
    effective_from: AwareDatetime


class OfficerEnrolled(PublishedEvent):
    officer_id: str


class OfficerRetired(PublishedEvent):
    officer_id: str
    effective_from: AwareDatetime


READS = ReaderRegistry(
    [
        EnterpriseRegistered,
        EnterpriseSuspended,
        EnterpriseReinstated,
        EnterpriseClosed,
        ChiefAssigned,
        ChiefRelieved,
        ActingChiefChanged,
        OfficerEnrolled,
        OfficerRetired,
    ]
)
