"""Commands to the `appeal` aggregate: what the caller asks, never the time (the handler reads the clock).

A command on an appeal names it (`appeal_id`); `expected_version`, when given, must be the stream's
version or nothing is recorded (409).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from jingzhang.appeals.domain.vocabulary import Category, Channel, ReportOutcome


@dataclass(frozen=True, slots=True)
class RaiseAppeal:
    """`appeal_id`: chosen by the caller for safe retries; None for a new one from the handler.
    `received_at`: when the bureau received it, if earlier than now (a phone or paper appeal entered
    later); None for now. `expected_version`: 0 for a new appeal (a retry of it answers as the first)."""

    appeal_id: str | None
    enterprise_id: str
    channel: Channel
    category: Category
    description: str
    raised_by: str
    emergency: bool = False
    received_at: datetime | None = None
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class AcknowledgeAppeal:
    appeal_id: str
    officer_id: str
    note: str = ""
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class ResolveAppeal:
    appeal_id: str
    what_was_done: str
    resolved_by: str
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class ReferAppeal:
    appeal_id: str
    department_id: str
    note: str
    referred_by: str
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class FollowUpReferral:
    appeal_id: str
    note: str
    followed_up_by: str
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class RecordDepartmentReport:
    appeal_id: str
    outcome: ReportOutcome
    note: str
    recorded_by: str
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class CloseUnresolved:
    appeal_id: str
    reason: str
    closed_by: str
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class RequestExtension:
    appeal_id: str
    extra: timedelta
    reason: str
    requested_by: str
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class ApproveExtension:
    """`extra`: what the leader grants; None grants what was asked."""

    appeal_id: str
    approved_by: str
    extra: timedelta | None = None
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class RefuseExtension:
    appeal_id: str
    reason: str
    refused_by: str
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class RecordCallback:
    appeal_id: str
    rating: int
    resolved: bool
    comment: str
    recorded_by: str
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class MergeAppeal:
    appeal_id: str
    into_appeal_id: str
    merged_by: str
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class CheckDeadlines:
    """The deadline worker's: record the warnings, breaches and escalations due now."""

    appeal_id: str


@dataclass(frozen=True, slots=True)
class RouteHeldAppeal:
    """The duty desk's: give a held appeal to the acting chief, now that one is known."""

    appeal_id: str
