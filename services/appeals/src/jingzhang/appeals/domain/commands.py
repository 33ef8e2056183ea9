"""Commands to the `appeal` aggregate. Each carries `now`, the domain time the caller decided at."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from jingzhang.appeals.domain.vocabulary import Category, Channel, ReportOutcome


@dataclass(frozen=True, slots=True)
class RaiseAppeal:
    appeal_id: str
    enterprise_id: str
    channel: Channel
    category: Category
    description: str
    raised_by: str
    now: datetime
    emergency: bool = False


@dataclass(frozen=True, slots=True)
class AcknowledgeAppeal:
    officer_id: str
    now: datetime
    note: str = ""


@dataclass(frozen=True, slots=True)
class ResolveAppeal:
    what_was_done: str
    resolved_by: str
    now: datetime


@dataclass(frozen=True, slots=True)
class ReferAppeal:
    department_id: str
    note: str
    referred_by: str
    now: datetime


@dataclass(frozen=True, slots=True)
class FollowUpReferral:
    note: str
    followed_up_by: str
    now: datetime


@dataclass(frozen=True, slots=True)
class RecordDepartmentReport:
    outcome: ReportOutcome
    note: str
    recorded_by: str
    now: datetime


@dataclass(frozen=True, slots=True)
class CloseUnresolved:
    reason: str
    closed_by: str
    now: datetime


@dataclass(frozen=True, slots=True)
class RequestExtension:
    extra: timedelta
    reason: str
    requested_by: str
    now: datetime


@dataclass(frozen=True, slots=True)
class ApproveExtension:
    """`extra`: what the leader grants; None grants what was asked."""

    approved_by: str
    now: datetime
    extra: timedelta | None = None


@dataclass(frozen=True, slots=True)
class RefuseExtension:
    reason: str
    refused_by: str
    now: datetime


@dataclass(frozen=True, slots=True)
class RecordCallback:
    rating: int
    resolved: bool
    comment: str
    recorded_by: str
    now: datetime


@dataclass(frozen=True, slots=True)
class MergeAppeal:
    into_appeal_id: str
    merged_by: str
    now: datetime
