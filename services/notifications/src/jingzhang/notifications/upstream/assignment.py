"""What notifications reads of the assignment service's events: enterprises' names, chiefs and who acts,
coverage gaps, tiers with nobody acting, and officers' phones (sealed: a token, opened only by the SMS
adapter). Unknown fields are ignored and undeclared types decode to `Unread` (see `shared.readers`).

A change of chiefs takes effect at its `effective_from`, which may lie before or after its recording (a
chief relieved from next Monday is recorded today): the facts keep it dated (`projections.chief_terms`)."""

from pydantic import AwareDatetime

from jingzhang.shared.readers import PublishedEvent, ReaderRegistry

PRODUCER = "assignment"


class EnterpriseRegistered(PublishedEvent):
    enterprise_id: str
    name: str


class EnterpriseClosed(PublishedEvent):
    enterprise_id: str


class ChiefAssigned(PublishedEvent):
    """`officer_id` holds the post from `effective_from`, past or still to come."""

    enterprise_id: str
    tier: str
    slot: str
    officer_id: str
    effective_from: AwareDatetime


class ChiefRelieved(PublishedEvent):
    """The term of `officer_id` in the slot ends from `effective_from` (they hold the post until then)."""

    enterprise_id: str
    tier: str
    slot: str
    officer_id: str
    effective_from: AwareDatetime


class ActingChiefChanged(PublishedEvent):
    """Who answers for `tier` from `effective_from` (None: nobody). A change effective earlier may be
    recorded after one scheduled for later."""

    enterprise_id: str
    tier: str
    officer_id: str | None
    effective_from: AwareDatetime


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
