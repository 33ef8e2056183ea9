"""What notifications reads of the assignment service's events: enterprises' names, chiefs and who acts,
coverage gaps, tiers with nobody acting, and officers' phones (sealed: a token, opened only by the SMS
adapter). Unknown fields are ignored and undeclared types decode to `Unread` (see `shared.readers`)."""

from pydantic import AwareDatetime

from jingzhang.shared.readers import PublishedEvent, ReaderRegistry

PRODUCER = "assignment"


class EnterpriseRegistered(PublishedEvent):
    enterprise_id: str
    name: str


class EnterpriseClosed(PublishedEvent):
    enterprise_id: str


class ChiefAssigned(PublishedEvent):
    enterprise_id: str
    tier: str
    slot: str
    officer_id: str


class ChiefRelieved(PublishedEvent):
    enterprise_id: str
    tier: str
    slot: str
    officer_id: str


class ActingChiefChanged(PublishedEvent):
    enterprise_id: str
    tier: str
    officer_id: str | None


class CoverageGapOpened(PublishedEvent):
    enterprise_id: str
    missing: tuple[str, ...]


class CoverageGapChanged(PublishedEvent):
    enterprise_id: str
    missing: tuple[str, ...]


class NobodyActing(PublishedEvent):
    enterprise_id: str
    tier: str
    since: AwareDatetime


class OfficerEnrolled(PublishedEvent):
    """`phone` is a token sealed under `officer/<officer_id>`: stored as it is, opened only to send an SMS."""

    officer_id: str
    phone: str


class OfficerRetired(PublishedEvent):
    officer_id: str


READS = ReaderRegistry(
    [
        EnterpriseRegistered,
        EnterpriseClosed,
        ChiefAssigned,
        ChiefRelieved,
        ActingChiefChanged,
        CoverageGapOpened,
        CoverageGapChanged,
        NobodyActing,
        OfficerEnrolled,
        OfficerRetired,
    ]
)
