"""Refusals shared by the decide functions."""

from jingzhang.appeals.domain.state import Appeal, AppealState, Holder
from jingzhang.appeals.domain.vocabulary import Status
from jingzhang.shared.envelope import check_token
from jingzhang.shared.errors import DomainRejected, InvalidCommand


def existing(state: AppealState) -> Appeal:
    if not isinstance(state, Appeal):
        raise DomainRejected("no such appeal has been raised", code="not_raised")
    return state


def open_appeal(state: AppealState) -> Appeal:
    appeal = existing(state)
    if not appeal.status.is_open:
        raise DomainRejected(f"the appeal is {appeal.status}, not open", code="not_open")
    return appeal


def in_status(state: AppealState, *allowed: Status) -> Appeal:
    """`not_routed` (409) for work on an appeal the duty desk still holds: it is not refused for good,
    it waits for a chief (a caller may retry once it is routed)."""
    appeal = existing(state)
    if appeal.unrouted and appeal.status not in allowed:
        waiting = "诉求在值班台等待分派警长 (the appeal waits at the duty desk for a chief)"
        raise DomainRejected(waiting, code="not_routed")
    if appeal.status not in allowed:
        wanted = " or ".join(allowed)
        raise DomainRejected(f"the appeal is {appeal.status}; this needs {wanted}", code="wrong_status")
    return appeal


def holder(appeal: Appeal) -> Holder:
    if appeal.holder is None:
        raise DomainRejected("诉求尚未分派警长 (the appeal has not been routed to anyone)", code="not_routed")
    return appeal.holder


def text(value: str, field: str) -> str:
    """Free text that must say something: an empty note is no record of what was done."""
    if not value.strip():
        raise InvalidCommand(f"{field} must not be empty", field=field)
    return value.strip()


def officer_ref(value: str, field: str) -> str:
    """The id of the officer who did something: it names whose key seals the text they wrote."""
    try:
        return check_token(value.strip(), field)
    except ValueError as exc:
        raise InvalidCommand(str(exc), field=field) from None


def department(appeal: Appeal) -> str:
    if appeal.department_id is None:
        raise DomainRejected("the appeal is not with any department", code="not_referred")
    return appeal.department_id
