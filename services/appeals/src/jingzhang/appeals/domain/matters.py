"""Report up → assign → carry out (情况收集上报 → 领导批办 → 职能部门具体落实; issue 14 item 5): the `matter`
stream (id = the matter's id).

A chief of the enterprise reports a matter beyond their remit (`MatterReported`); the enterprise's bureau
leader (A or B, or whoever acts for the tier now) assigns it to a unit or partner department with a
deadline after now (`MatterAssigned`); progress is recorded (`MatterProgressReported`) until it is
carried out (`MatterCompleted`). A deadline that passes first is recorded once (`MatterOverdue`), against
the unit, and the leader who assigned it keeps it on their queue.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime

from jingzhang.appeals.domain.events import written_by
from jingzhang.appeals.domain.guards import officer_ref, text
from jingzhang.appeals.domain.routing import ChiefsSnapshot
from jingzhang.appeals.domain.vocabulary import ChiefTier
from jingzhang.shared.aggregate import Aggregate
from jingzhang.shared.errors import DomainRejected, InvalidCommand
from jingzhang.shared.events import DomainEvent


class MatterReported(DomainEvent):
    matter_id: str
    enterprise_id: str
    summary: Annotated[str, written_by("reported_by")]
    reported_by: str
    reported_at: AwareDatetime


class MatterAssigned(DomainEvent):
    """批办: `unit` (a unit or partner department) is to carry it out by `deadline`."""

    unit: str
    deadline: AwareDatetime
    instruction: Annotated[str, written_by("assigned_by")]
    assigned_by: str
    assigned_at: AwareDatetime


class MatterProgressReported(DomainEvent):
    note: Annotated[str, written_by("recorded_by")]
    recorded_by: str
    reported_at: AwareDatetime


class MatterCompleted(DomainEvent):
    note: Annotated[str, written_by("recorded_by")]
    recorded_by: str
    completed_at: AwareDatetime
    on_time: bool


class MatterOverdue(DomainEvent):
    unit: str
    deadline: AwareDatetime
    officer_id: str
    """Who assigned it: the leader it stays with."""
    overdue_at: AwareDatetime


MATTER_EVENTS: tuple[type[DomainEvent], ...] = (
    MatterReported,
    MatterAssigned,
    MatterProgressReported,
    MatterCompleted,
    MatterOverdue,
)


class MatterStatus(StrEnum):
    REPORTED = "reported"
    ASSIGNED = "assigned"
    COMPLETED = "completed"


@dataclass(frozen=True, slots=True)
class Matter:
    reported: MatterReported | None = None
    status: MatterStatus = MatterStatus.REPORTED
    assigned: MatterAssigned | None = None
    overdue: bool = False


def evolve(state: Matter, event: DomainEvent) -> Matter:
    match event:
        case MatterReported():
            return Matter(reported=event)
        case MatterAssigned():
            return replace(state, status=MatterStatus.ASSIGNED, assigned=event, overdue=False)
        case MatterCompleted():
            return replace(state, status=MatterStatus.COMPLETED)
        case MatterOverdue():
            return replace(state, overdue=True)
        case _:
            return state


MATTER: Aggregate[Matter] = Aggregate("matter", Matter(), evolve)


@dataclass(frozen=True, slots=True)
class ReportMatter:
    matter_id: str
    enterprise_id: str
    summary: str
    reported_by: str


@dataclass(frozen=True, slots=True)
class AssignMatter:
    matter_id: str
    unit: str
    deadline: datetime
    instruction: str
    assigned_by: str


def decide_report(state: Matter, cmd: ReportMatter, chiefs: ChiefsSnapshot, now: datetime) -> list[DomainEvent]:
    """By one of the enterprise's chiefs; reporting the same again under its id records nothing."""
    if state.reported is not None:
        same = (state.reported.enterprise_id, state.reported.reported_by) == (cmd.enterprise_id, cmd.reported_by)
        if same:
            return []
        raise DomainRejected(f"matter {cmd.matter_id} was reported otherwise", field="matter_id", code="duplicate")
    reporter = officer_ref(cmd.reported_by, "reported_by")
    if reporter not in chiefs.officer_ids():
        raise DomainRejected(
            f"{reporter} is not a chief of enterprise {cmd.enterprise_id}", field="reported_by", code="not_a_chief"
        )
    summary = text(cmd.summary, "summary")
    reported = MatterReported(
        matter_id=cmd.matter_id, enterprise_id=cmd.enterprise_id, summary=summary, reported_by=reporter, reported_at=now
    )
    return [reported]


def decide_assign(state: Matter, cmd: AssignMatter, chiefs: ChiefsSnapshot, now: datetime) -> list[DomainEvent]:
    """By the enterprise's bureau leader, A or B or whoever acts for the tier now; a deadline after now."""
    _open(state)
    leaders = chiefs.tier(ChiefTier.BUREAU_LEADER)
    allowed = {o for o in (*leaders.officer_ids, leaders.acting_officer_id) if o is not None}
    if cmd.assigned_by not in allowed:
        raise DomainRejected(
            f"批办须由企业的局领导 ({cmd.assigned_by} is not the enterprise's bureau leader)",
            field="assigned_by",
            code="not_the_leader",
        )
    if cmd.deadline <= now:
        raise InvalidCommand(
            f"期限须晚于现在 (deadline {cmd.deadline.isoformat()} is not in the future)", field="deadline"
        )
    assigned = MatterAssigned(
        unit=text(cmd.unit, "unit"),
        deadline=cmd.deadline,
        instruction=text(cmd.instruction, "instruction"),
        assigned_by=cmd.assigned_by,
        assigned_at=now,
    )
    return [assigned]


def decide_progress(state: Matter, note: str, recorded_by: str, now: datetime) -> list[DomainEvent]:
    _assigned(state)
    writer = officer_ref(recorded_by, "recorded_by")
    return [MatterProgressReported(note=text(note, "note"), recorded_by=writer, reported_at=now)]


def decide_complete(state: Matter, note: str, recorded_by: str, now: datetime) -> list[DomainEvent]:
    assigned = _assigned(state)
    writer = officer_ref(recorded_by, "recorded_by")
    done = MatterCompleted(
        note=text(note, "note"), recorded_by=writer, completed_at=now, on_time=now <= assigned.deadline
    )
    return [done]


def check_matter(state: Matter, now: datetime) -> list[DomainEvent]:
    """The deadline passed before it was carried out: recorded once."""
    assigned = state.assigned
    if state.status is not MatterStatus.ASSIGNED or assigned is None or state.overdue or now < assigned.deadline:
        return []
    overdue = MatterOverdue(
        unit=assigned.unit, deadline=assigned.deadline, officer_id=assigned.assigned_by, overdue_at=now
    )
    return [overdue]


def _open(state: Matter) -> MatterReported:
    if state.reported is None:
        raise InvalidCommand("no such matter", field="matter_id")
    if state.status is MatterStatus.COMPLETED:
        raise DomainRejected("the matter was carried out already", field="matter_id", code="completed")
    return state.reported


def _assigned(state: Matter) -> MatterAssigned:
    _open(state)
    if state.assigned is None:
        raise DomainRejected("the matter has not been assigned yet", field="matter_id", code="not_assigned")
    return state.assigned
