"""What notifications reads of the appeals service's events: intake, routing, time limits, escalation,
referral and the end of an appeal. Personal fields (the enterprise's words, officers' notes) are not
declared, so never read."""

from datetime import timedelta

from pydantic import AwareDatetime

from jingzhang.shared.readers import PublishedEvent, ReaderRegistry

PRODUCER = "appeals"


class AppealRaised(PublishedEvent):
    appeal_id: str
    enterprise_id: str
    category: str
    emergency: bool
    raised_at: AwareDatetime
    time_limit: timedelta
    first_response_within: timedelta
    received_at: AwareDatetime | None = None


class AppealRouted(PublishedEvent):
    tier: str
    officer_id: str
    routed_at: AwareDatetime


class DeadlineWarningRaised(PublishedEvent):
    kind: str
    due_at: AwareDatetime
    officer_id: str
    warned_at: AwareDatetime


class DeadlineBreached(PublishedEvent):
    kind: str
    due_at: AwareDatetime
    tier: str
    officer_id: str
    breached_at: AwareDatetime


class AppealEscalated(PublishedEvent):
    from_tier: str
    to_tier: str
    officer_id: str
    extra_time: timedelta
    escalated_at: AwareDatetime


class AppealReferred(PublishedEvent):
    department_id: str
    referred_at: AwareDatetime


class AppealResolved(PublishedEvent):
    resolved_at: AwareDatetime


class DepartmentReportedBack(PublishedEvent):
    department_id: str
    outcome: str
    reported_at: AwareDatetime


READS = ReaderRegistry(
    [
        AppealRaised,
        AppealRouted,
        DeadlineWarningRaised,
        DeadlineBreached,
        AppealEscalated,
        AppealReferred,
        AppealResolved,
        DepartmentReportedBack,
    ]
)
