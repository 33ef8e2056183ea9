"""What evaluation reads of assignment's events: enterprises and their classes, chiefs' terms, police
offices, officers in the scheme. Tiers, slots and classes are evaluation's own words with the published
values (`domain.vocabulary`).

Business dates (`registered_on`, `opened_on`, `enrolled_on`: the day it happened, bureau time) are
absent from events recorded before assignment published them; the event's `occurred_at` stands in."""

from datetime import date

from pydantic import AwareDatetime

from jingzhang.evaluation.domain.vocabulary import ChiefTier, EnterpriseClass, Slot
from jingzhang.shared.readers import PublishedEvent, ReaderRegistry

PRODUCER = "assignment"


class EnterpriseRegistered(PublishedEvent):
    enterprise_id: str
    name: str
    enterprise_class: EnterpriseClass
    registered_on: date | None = None


class EnterpriseReclassified(PublishedEvent):
    enterprise_id: str
    enterprise_class: EnterpriseClass


class EnterpriseSuspended(PublishedEvent):
    enterprise_id: str


class EnterpriseClosed(PublishedEvent):
    enterprise_id: str


class EnterpriseReinstated(PublishedEvent):
    enterprise_id: str


class ChiefAssigned(PublishedEvent):
    enterprise_id: str
    tier: ChiefTier
    slot: Slot
    officer_id: str
    effective_from: AwareDatetime


class ChiefRelieved(PublishedEvent):
    enterprise_id: str
    tier: ChiefTier
    slot: Slot
    officer_id: str
    effective_from: AwareDatetime


class PoliceOfficeOpened(PublishedEvent):
    enterprise_id: str
    office_id: str
    opened_on: date | None = None


class PoliceOfficeClosed(PublishedEvent):
    office_id: str


class OfficerEnrolled(PublishedEvent):
    officer_id: str
    name: str
    """A personal-data token, stored as it comes (see `shared.privacy`)."""
    enrolled_on: date | None = None


class OfficerRetired(PublishedEvent):
    officer_id: str
    effective_from: AwareDatetime


EVENTS: tuple[type[PublishedEvent], ...] = (
    EnterpriseRegistered,
    EnterpriseReclassified,
    EnterpriseSuspended,
    EnterpriseClosed,
    EnterpriseReinstated,
    ChiefAssigned,
    ChiefRelieved,
    PoliceOfficeOpened,
    PoliceOfficeClosed,
    OfficerEnrolled,
    OfficerRetired,
)

READS = ReaderRegistry(EVENTS)
