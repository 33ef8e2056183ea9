"""What notifications reads of the patrols service's events: duties planned, overdue, passed to B."""

from pydantic import AwareDatetime

from jingzhang.shared.readers import PublishedEvent, ReaderRegistry

PRODUCER = "patrols"


class DutyScheduled(PublishedEvent):
    duty_id: str
    enterprise_id: str
    kind: str
    tier: str
    due_at: AwareDatetime
    assignee_officer_id: str | None


class DutyOverdue(PublishedEvent):
    duty_id: str
    assignee_officer_id: str | None


class DutyReassigned(PublishedEvent):
    duty_id: str
    to_officer_id: str
    reason: str


READS = ReaderRegistry([DutyScheduled, DutyOverdue, DutyReassigned])
