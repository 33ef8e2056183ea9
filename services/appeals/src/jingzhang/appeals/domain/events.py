"""The `appeal` stream's events (aggregate type `appeal`, id = appeal id): the public contract.

Other services (evaluation above all) consume these; rename nothing, bump `schema_version` and add
an upcaster instead. Every event says when it happened in domain time (`*_at`), because the clock
that pauses while a department works is rebuilt from them alone.

Personal data is marked with `Personal`: the store seals it under its data subject's key, so what an
aggregate, a projection or another service reads back is a token, never the value. What the
enterprise's people write or are called belongs to `contact/<enterprise>`; what an officer writes
belongs to `officer/<the writer>`, named by the event's officer id. Lengths of these fields are
checked on the request, since the stored value is a token.
"""

from datetime import timedelta
from typing import Annotated

from pydantic import AwareDatetime, Field

from jingzhang.appeals.domain.vocabulary import (
    Category,
    Channel,
    ChiefTier,
    DeadlineKind,
    EscalationReason,
    HoldReason,
    LimitClass,
    ReportOutcome,
    Slot,
)
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.privacy.fields import Personal, PersonalKind

Positive = Annotated[timedelta, Field(gt=timedelta(0))]
NonNegative = Annotated[timedelta, Field(ge=timedelta(0))]

CONTACT = "contact/{enterprise_id}"
ContactText = Annotated[str, Personal(PersonalKind.FREE_TEXT, subject=CONTACT)]
"""Free text from the enterprise (an appeal, a callback comment): it may name people."""
ContactName = Annotated[str, Personal(PersonalKind.NAME, subject=CONTACT)]
"""Who on the enterprise's side raised or answered: a person's name."""


def written_by(officer_field: str) -> Personal:
    """Free text an officer wrote, sealed under `officer/<value of officer_field>` (the writer's id)."""
    return Personal(PersonalKind.FREE_TEXT, subject=f"officer/{{{officer_field}}}")


class AppealRaised(DomainEvent):
    """Intake. The time limit and warning fraction are fixed here, from the policy of the day.

    `raised_at` is when it was recorded here; `received_at` when the bureau received it (business time:
    a phone or paper appeal is entered later, a forum's on the day it was held). The first-response and
    resolution time limits run from `received_at`. Absent from appeals raised before it was added,
    whose receipt is their recording (`raised_at`, the envelope's `occurred_at`).
    """

    appeal_id: str
    enterprise_id: str
    channel: Channel
    category: Category
    description: ContactText
    raised_by: ContactName
    emergency: bool
    raised_at: AwareDatetime
    limit_class: LimitClass
    time_limit: Positive
    first_response_within: Positive
    warning_fraction: Annotated[float, Field(gt=0, lt=1)]
    received_at: AwareDatetime | None = None

    @property
    def received(self) -> AwareDatetime:
        """When the time limits start: the receipt, or for an older event its recording."""
        return self.received_at or self.raised_at


class AppealHeldAtDutyDesk(DomainEvent):
    """Held by the bureau's duty desk (值班台): nobody could be given the appeal at intake.

    Listed as unrouted until an acting chief is known (`reason`: a coverage gap, or the enterprise not
    known here yet); then an `AppealRouted` follows. Its time limits run from receipt all the same: an
    enterprise's problem does not wait for a projection."""

    reason: HoldReason
    held_at: AwareDatetime


class DeadlinePassedAtDutyDesk(DomainEvent):
    """A time limit ran out while the duty desk held the appeal: on record, charged to no officer.

    Nobody held it, so nothing names a chief (a `DeadlineBreached` names the chief who held an appeal
    when its time ran out); the chief it is routed to later is not charged with it either."""

    kind: DeadlineKind
    due_at: AwareDatetime
    passed_at: AwareDatetime


class AppealDivertedTo110(DomainEvent):
    """An emergency goes to the 110 command centre at once; the chief still follows it up."""

    diverted_at: AwareDatetime


class AppealRouted(DomainEvent):
    tier: ChiefTier
    officer_id: str
    slot_acting: Slot
    informed_officer_ids: tuple[str, ...]
    routed_at: AwareDatetime


class AppealAcknowledged(DomainEvent):
    """The first response to the enterprise."""

    officer_id: str
    note: Annotated[str, written_by("officer_id")]
    acknowledged_at: AwareDatetime


class AppealResolved(DomainEvent):
    """Within police duty, done in one go (一次办好)."""

    what_was_done: Annotated[str, written_by("resolved_by")]
    resolved_by: str
    resolved_at: AwareDatetime


class AppealReferred(DomainEvent):
    """Outside police duty: handed to a department; we stay liaison and the clock pauses."""

    department_id: str
    note: Annotated[str, written_by("referred_by")]
    referred_by: str
    referred_at: AwareDatetime
    reply_due_at: AwareDatetime | None = None
    """When the department must report back, from its reply limit (issue 14); None on earlier referrals,
    which nobody chases."""


class ReferralFollowedUp(DomainEvent):
    department_id: str
    note: Annotated[str, written_by("followed_up_by")]
    followed_up_by: str
    followed_up_at: AwareDatetime


class DepartmentReportedBack(DomainEvent):
    """`done` closes the appeal as referred-and-done; `returned` restarts our clock."""

    department_id: str
    outcome: ReportOutcome
    note: Annotated[str, written_by("recorded_by")]
    recorded_by: str
    reported_at: AwareDatetime


class AppealClosedUnresolved(DomainEvent):
    reason: Annotated[str, written_by("closed_by")]
    closed_by: str
    closed_at: AwareDatetime


class ReferralReplyReminded(DomainEvent):
    """The department is reminded: most of its reply limit has run (催办); the holder is told too."""

    department_id: str
    due_at: AwareDatetime
    officer_id: str
    reminded_at: AwareDatetime


class ReferralReplyOverdue(DomainEvent):
    """The department's reply limit passed without a report back: counted against the department."""

    department_id: str
    due_at: AwareDatetime
    officer_id: str
    overdue_at: AwareDatetime


class DeadlineWarningRaised(DomainEvent):
    kind: DeadlineKind
    due_at: AwareDatetime
    officer_id: str
    warned_at: AwareDatetime


class DeadlineBreached(DomainEvent):
    """`officer_id`/`tier`: who held the appeal when time ran out (what evaluation counts)."""

    kind: DeadlineKind
    due_at: AwareDatetime
    tier: ChiefTier
    officer_id: str
    breached_at: AwareDatetime


class ExtensionRequested(DomainEvent):
    extra: Positive
    reason: Annotated[str, written_by("requested_by")]
    requested_by: str
    requested_at: AwareDatetime


class ExtensionApproved(DomainEvent):
    """A leader grants `extra` running time (possibly less than asked)."""

    extra: Positive
    approved_by: str
    approved_at: AwareDatetime


class ExtensionRefused(DomainEvent):
    reason: Annotated[str, written_by("refused_by")]
    refused_by: str
    refused_at: AwareDatetime


class AppealEscalated(DomainEvent):
    """One rung up the enterprise's own chiefs; `extra_time` is the new holder's grace (0 if none)."""

    from_tier: ChiefTier
    to_tier: ChiefTier
    officer_id: str
    slot_acting: Slot
    informed_officer_ids: tuple[str, ...]
    reason: EscalationReason
    extra_time: NonNegative
    escalated_at: AwareDatetime


class CallbackRecorded(DomainEvent):
    """The enterprise's callback (回访); `officer_id` is who held the appeal, for the scorecards.

    `enterprise_id`: whose words the comment is (its data subject); absent from callbacks recorded
    before it was added.
    """

    rating: Annotated[int, Field(ge=1, le=5)]
    resolved: bool
    comment: ContactText
    officer_id: str
    recorded_by: ContactName
    recorded_at: AwareDatetime
    enterprise_id: str | None = None

    @property
    def dissatisfied(self) -> bool:
        """Rated 1 or 2 of 5, or the enterprise says the problem is still there."""
        return self.rating <= 2 or not self.resolved


class AppealReopened(DomainEvent):
    """Back to the same holder with a fresh window of the appeal's own time limit.

    `reason` is written by the domain and names no one: the enterprise's words stay in the callback.
    """

    reason: str
    reopened_at: AwareDatetime


class AppealMerged(DomainEvent):
    """A duplicate folded into `into_appeal_id`; it is finished here and lives on there."""

    into_appeal_id: str
    merged_by: str
    merged_at: AwareDatetime


AppealEvent = (
    AppealRaised
    | AppealDivertedTo110
    | AppealRouted
    | AppealAcknowledged
    | AppealResolved
    | AppealReferred
    | ReferralFollowedUp
    | DepartmentReportedBack
    | AppealClosedUnresolved
    | DeadlineWarningRaised
    | DeadlineBreached
    | ExtensionRequested
    | ExtensionApproved
    | ExtensionRefused
    | AppealEscalated
    | CallbackRecorded
    | AppealReopened
    | AppealMerged
    | AppealHeldAtDutyDesk
    | DeadlinePassedAtDutyDesk
    | ReferralReplyReminded
    | ReferralReplyOverdue
)

APPEAL_EVENTS: tuple[type[DomainEvent], ...] = (
    AppealRaised,
    AppealDivertedTo110,
    AppealRouted,
    AppealAcknowledged,
    AppealResolved,
    AppealReferred,
    ReferralFollowedUp,
    DepartmentReportedBack,
    AppealClosedUnresolved,
    DeadlineWarningRaised,
    DeadlineBreached,
    ExtensionRequested,
    ExtensionApproved,
    ExtensionRefused,
    AppealEscalated,
    CallbackRecorded,
    AppealReopened,
    AppealMerged,
    AppealHeldAtDutyDesk,
    DeadlinePassedAtDutyDesk,
    ReferralReplyReminded,
    ReferralReplyOverdue,
)
