"""Handling an appeal: first response, done in one go, or referred and followed up, or closed."""

from datetime import datetime

from jingzhang.appeals.domain import events as ev
from jingzhang.appeals.domain.commands import (
    AcknowledgeAppeal,
    CloseUnresolved,
    FollowUpReferral,
    RecordDepartmentReport,
    ReferAppeal,
    ResolveAppeal,
)
from jingzhang.appeals.domain.departments import DEFAULT_DIRECTORY, DepartmentDirectory
from jingzhang.appeals.domain.guards import department, in_status, officer_ref, open_appeal, text
from jingzhang.appeals.domain.state import AppealState
from jingzhang.appeals.domain.vocabulary import Status
from jingzhang.shared.errors import InvalidCommand
from jingzhang.shared.events import DomainEvent

# Our own desk: where the chief can act directly. A referred appeal waits on the department first.
ON_OUR_DESK = (Status.ROUTED, Status.IN_PROGRESS)


def decide_acknowledge(state: AppealState, cmd: AcknowledgeAppeal, now: datetime) -> list[DomainEvent]:
    in_status(state, Status.ROUTED)
    officer_id = officer_ref(cmd.officer_id, "officer_id")
    return [ev.AppealAcknowledged(officer_id=officer_id, note=cmd.note.strip(), acknowledged_at=now)]


def decide_resolve(state: AppealState, cmd: ResolveAppeal, now: datetime) -> list[DomainEvent]:
    in_status(state, *ON_OUR_DESK)
    return [
        ev.AppealResolved(
            what_was_done=text(cmd.what_was_done, "what_was_done"),
            resolved_by=officer_ref(cmd.resolved_by, "resolved_by"),
            resolved_at=now,
        )
    ]


def decide_refer(
    state: AppealState, cmd: ReferAppeal, now: datetime, directory: DepartmentDirectory = DEFAULT_DIRECTORY
) -> list[DomainEvent]:
    in_status(state, *ON_OUR_DESK)
    partner = directory.get(cmd.department_id)
    if partner is None:
        raise InvalidCommand(f"no partner department {cmd.department_id!r}", field="department_id")
    return [
        ev.AppealReferred(
            department_id=cmd.department_id,
            note=text(cmd.note, "note"),
            referred_by=officer_ref(cmd.referred_by, "referred_by"),
            referred_at=now,
            reply_due_at=now + partner.reply_within,
        )
    ]


def decide_follow_up(state: AppealState, cmd: FollowUpReferral, now: datetime) -> list[DomainEvent]:
    appeal = in_status(state, Status.REFERRED)
    return [
        ev.ReferralFollowedUp(
            department_id=department(appeal),
            note=text(cmd.note, "note"),
            followed_up_by=officer_ref(cmd.followed_up_by, "followed_up_by"),
            followed_up_at=now,
        )
    ]


def decide_report_back(state: AppealState, cmd: RecordDepartmentReport, now: datetime) -> list[DomainEvent]:
    appeal = in_status(state, Status.REFERRED)
    return [
        ev.DepartmentReportedBack(
            department_id=department(appeal),
            outcome=cmd.outcome,
            note=text(cmd.note, "note"),
            recorded_by=officer_ref(cmd.recorded_by, "recorded_by"),
            reported_at=now,
        )
    ]


def decide_close_unresolved(state: AppealState, cmd: CloseUnresolved, now: datetime) -> list[DomainEvent]:
    open_appeal(state)
    return [
        ev.AppealClosedUnresolved(
            reason=text(cmd.reason, "reason"), closed_by=officer_ref(cmd.closed_by, "closed_by"), closed_at=now
        )
    ]
