"""After the work: the enterprise's callback (回访), reopening when it is unhappy, and duplicates.

A callback is dissatisfied when rated 1 or 2 of 5 or when the enterprise says the problem is not
solved. It reopens a resolved appeal (in duty or referred-and-done). On an appeal closed unresolved
the callback is recorded for the scorecards but reopens nothing: the closure already says why.
"""

from datetime import datetime

from jingzhang.appeals.domain import events as ev
from jingzhang.appeals.domain.commands import MergeAppeal, RecordCallback
from jingzhang.appeals.domain.guards import holder, in_status, officer_ref, open_appeal, text
from jingzhang.appeals.domain.state import Appeal, AppealState
from jingzhang.appeals.domain.vocabulary import Status
from jingzhang.shared.errors import DomainRejected, InvalidCommand
from jingzhang.shared.events import DomainEvent


def decide_record_callback(state: AppealState, cmd: RecordCallback, now: datetime) -> list[DomainEvent]:
    appeal = in_status(state, Status.RESOLVED, Status.CLOSED)
    if appeal.callback is not None:
        raise DomainRejected("this outcome already has its callback", code="already_recorded")
    if not 1 <= cmd.rating <= 5:
        raise InvalidCommand("a rating is 1 to 5", field="rating")
    callback = ev.CallbackRecorded(
        rating=cmd.rating,
        resolved=cmd.resolved,
        comment=cmd.comment.strip(),
        officer_id=holder(appeal).officer_id,
        recorded_by=text(cmd.recorded_by, "recorded_by"),
        recorded_at=now,
        enterprise_id=appeal.enterprise_id,
    )
    if appeal.status is Status.RESOLVED and callback.dissatisfied:
        return [callback, ev.AppealReopened(reason=_reopen_reason(callback), reopened_at=now)]
    return [callback]


def _reopen_reason(callback: ev.CallbackRecorded) -> str:
    """The comment is the enterprise's personal data: it stays in the callback, not copied here."""
    solved = "solved" if callback.resolved else "not solved"
    return f"callback rated {callback.rating}/5, {solved}"


def decide_merge(state: AppealState, cmd: MergeAppeal, now: datetime, target: AppealState) -> list[DomainEvent]:
    """Fold a duplicate into `target`, which the handler loads: open, and the same enterprise's."""
    appeal = open_appeal(state)
    if cmd.into_appeal_id == appeal.appeal_id:
        raise InvalidCommand("an appeal cannot be merged into itself", field="into_appeal_id")
    _check_target(appeal, cmd.into_appeal_id, target)
    merged = ev.AppealMerged(
        into_appeal_id=cmd.into_appeal_id, merged_by=officer_ref(cmd.merged_by, "merged_by"), merged_at=now
    )
    return [merged]


def _check_target(appeal: Appeal, into_appeal_id: str, target: AppealState) -> None:
    if not isinstance(target, Appeal) or target.appeal_id != into_appeal_id:
        raise DomainRejected(f"appeal {into_appeal_id!r} has not been raised", field="into_appeal_id")
    if not target.status.is_open:
        raise DomainRejected(f"appeal {into_appeal_id!r} is {target.status}", field="into_appeal_id")
    if target.enterprise_id != appeal.enterprise_id:
        raise InvalidCommand("duplicates belong to the same enterprise", field="into_appeal_id")
