"""What patrols reads of the assignment service's events: the fields its projections need, no more.

Enterprises (class, registration day, suspension and closure), their A/B chiefs per tier (with the
instant each term starts and ends), officers (enrolment day, retirement) and their absences. Fields
patrols does not read are ignored and event types it does not declare decode to `Unread`, so
assignment may add either without breaking patrols (see `shared.readers`).
"""

from datetime import date

from pydantic import AwareDatetime

from jingzhang.patrols.domain.vocabulary import ChiefTier, EnterpriseClass, Slot
from jingzhang.shared.readers import PublishedEvent, ReaderRegistry

PRODUCER = "assignment"


class EnterpriseRegistered(PublishedEvent):
    """`registered_on` is the business day (bureau time); events recorded before it existed lack it."""

    enterprise_id: str
    enterprise_class: EnterpriseClass
    registered_on: date | None = None


class EnterpriseReclassified(PublishedEvent):
    enterprise_id: str
    enterprise_class: EnterpriseClass


class EnterpriseSuspended(PublishedEvent):
    enterprise_id: str


class EnterpriseReinstated(PublishedEvent):
    enterprise_id: str


class EnterpriseClosed(PublishedEvent):
    enterprise_id: str


class ChiefAssigned(PublishedEvent):
    """The post is held from `effective_from`, which may be before or after the event was recorded."""

    enterprise_id: str
    tier: ChiefTier
    slot: Slot
    officer_id: str
    effective_from: AwareDatetime


class ChiefRelieved(PublishedEvent):
    """The term ends from `effective_from` (the officer holds the post until then), past or future."""

    enterprise_id: str
    tier: ChiefTier
    slot: Slot
    officer_id: str
    effective_from: AwareDatetime


class OfficerEnrolled(PublishedEvent):
    """`enrolled_on` is the business day (bureau time); events recorded before it existed lack it."""

    officer_id: str
    enrolled_on: date | None = None


class OfficerRetired(PublishedEvent):
    officer_id: str
    effective_from: AwareDatetime


class AbsenceDeclared(PublishedEvent):
    officer_id: str
    absence_id: str
    starts_at: AwareDatetime
    ends_at: AwareDatetime


class AbsenceEnded(PublishedEvent):
    officer_id: str
    absence_id: str
    ended_at: AwareDatetime


READS = ReaderRegistry(
    [
        EnterpriseRegistered,
        EnterpriseReclassified,
        EnterpriseSuspended,
        EnterpriseReinstated,
        EnterpriseClosed,
        ChiefAssigned,
        ChiefRelieved,
        OfficerEnrolled,
        OfficerRetired,
        AbsenceDeclared,
        AbsenceEnded,
    ]
)
