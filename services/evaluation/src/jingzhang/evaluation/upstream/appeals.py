"""What evaluation reads of the appeals service's events: each appeal's intake, who holds it and since
when, its responses, pauses, extensions, closure, callback, reopening and merging. (An appeal the duty
desk holds is simply not routed yet; a time limit that ran out there is seen by comparing it with when
the appeal was routed, so `DeadlinePassedAtDutyDesk` is not read.)"""

from datetime import timedelta
from enum import StrEnum

from pydantic import AwareDatetime

from jingzhang.evaluation.domain.vocabulary import Slot
from jingzhang.shared.readers import PublishedEvent, ReaderRegistry

PRODUCER = "appeals"


class ReportOutcome(StrEnum):
    """What a partner department says when it reports back (the published values)."""

    DONE = "done"
    RETURNED = "returned"


class AppealRaised(PublishedEvent):
    enterprise_id: str
    channel: str
    """Kept as published: evaluation stores it and compares it with nothing."""
    raised_at: AwareDatetime
    time_limit: timedelta
    first_response_within: timedelta
    received_at: AwareDatetime | None = None
    """When the bureau received it (business time), from which its time limits run; absent from appeals
    raised before appeals published it, whose receipt is their recording (`raised_at`)."""

    @property
    def received(self) -> AwareDatetime:
        return self.received_at or self.raised_at


class AppealRouted(PublishedEvent):
    officer_id: str
    slot_acting: Slot
    routed_at: AwareDatetime


class AppealEscalated(PublishedEvent):
    officer_id: str
    slot_acting: Slot
    extra_time: timedelta


class AppealAcknowledged(PublishedEvent):
    acknowledged_at: AwareDatetime


class AppealResolved(PublishedEvent):
    resolved_at: AwareDatetime


class AppealReferred(PublishedEvent):
    referred_at: AwareDatetime


class DepartmentReportedBack(PublishedEvent):
    outcome: ReportOutcome
    reported_at: AwareDatetime


class AppealClosedUnresolved(PublishedEvent):
    closed_at: AwareDatetime


class ExtensionApproved(PublishedEvent):
    extra: timedelta


class CallbackRecorded(PublishedEvent):
    rating: int
    resolved: bool
    officer_id: str
    recorded_at: AwareDatetime


class AppealReopened(PublishedEvent):
    reopened_at: AwareDatetime


class AppealMerged(PublishedEvent):
    into_appeal_id: str


class RecurringProblemDetected(PublishedEvent):
    """A cluster of similar appeals the appeals service found (its `recurring_problem` stream, issue 14)."""

    problem_id: str
    detected_at: AwareDatetime


EVENTS: tuple[type[PublishedEvent], ...] = (
    AppealRaised,
    AppealRouted,
    AppealEscalated,
    AppealAcknowledged,
    AppealResolved,
    AppealReferred,
    DepartmentReportedBack,
    AppealClosedUnresolved,
    ExtensionApproved,
    CallbackRecorded,
    AppealReopened,
    AppealMerged,
    RecurringProblemDetected,
)

READS = ReaderRegistry(EVENTS)
