"""Request bodies: what a caller sends besides the appeal id in the path.

Personal values are sealed into tokens when stored, so their lengths are checked here.
"""

from datetime import date, timedelta
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from jingzhang.appeals.domain.vocabulary import Category, Channel, ReportOutcome

Text = Annotated[str, Field(max_length=4000)]
Name = Annotated[str, Field(max_length=100)]
OfficerRef = Annotated[
    str | None,
    Field(
        pattern=r"^[A-Za-z0-9_-]{1,128}$",
        description="The officer who did it: the caller if an officer (or left out); the bureau must name one",
    ),
]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expected_version: int | None = Field(default=None, ge=0)


class RaiseBody(Body):
    appeal_id: str | None = Field(
        default=None,
        description="Chosen by the caller for idempotent retries: the same body again answers what the first"
        " answered; other content under a known id is 409 `duplicate`",
    )
    enterprise_id: str
    channel: Channel
    category: Category
    description: Text
    raised_by: Name = Field(description="The name of whoever raised it at the enterprise")
    emergency: bool = False
    received_at: AwareDatetime | None = Field(
        default=None,
        description="受理时间: when the bureau received it, with its offset (a phone or paper appeal entered"
        " later); omit for now. Not in the future, nor before the enterprise was registered. The time limits"
        " run from it",
    )


class AcknowledgeBody(Body):
    officer_id: OfficerRef = None
    note: Text = ""


class ResolveBody(Body):
    what_was_done: Text
    resolved_by: OfficerRef = None


class ReferBody(Body):
    department_id: str
    note: Text
    referred_by: OfficerRef = None


class FollowUpBody(Body):
    note: Text
    followed_up_by: OfficerRef = None


class ReportBackBody(Body):
    outcome: ReportOutcome
    note: Text
    recorded_by: OfficerRef = None


class CloseBody(Body):
    reason: Text
    closed_by: OfficerRef = None


class ExtensionRequestBody(Body):
    extra: timedelta = Field(description="ISO 8601 duration (P2D) or seconds")
    reason: Text
    requested_by: OfficerRef = None


class ExtensionApprovalBody(Body):
    approved_by: OfficerRef = None
    extra: timedelta | None = Field(default=None, description="Less than asked, or omit to grant the request")


class ExtensionRefusalBody(Body):
    reason: Text
    refused_by: OfficerRef = None


class CallbackBody(Body):
    rating: int = Field(ge=1, le=5)
    resolved: bool
    comment: Text = ""
    recorded_by: Name = Field(description="Who answered or recorded the callback")


class MergeBody(Body):
    into_appeal_id: str
    merged_by: OfficerRef = None


class TimeLimitBody(BaseModel):
    """A change of one category's time limit (办理时限), from a business day on."""

    model_config = ConfigDict(extra="forbid")

    category: Category
    time_limit: timedelta = Field(description="ISO 8601 duration, e.g. P5D or PT48H; 1 hour to 90 days")
    effective_from: date = Field(description="生效日期: the business day (bureau time) it applies from; today or later")
    reason: Annotated[str, Field(min_length=1, max_length=1000)]
