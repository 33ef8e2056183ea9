"""Decisions about an enterprise's task force (专班, key projects only) and police office (驻企警务室)."""

from datetime import datetime

from jingzhang.assignment.domain.business_time import REGISTERED, bureau_date, require_not_before, require_not_future
from jingzhang.assignment.domain.commands import (
    AddTaskForceMember,
    ClosePoliceOffice,
    FormTaskForce,
    OpenPoliceOffice,
    RemoveTaskForceMember,
)
from jingzhang.assignment.domain.enterprise import EnterpriseState, PoliceOffice
from jingzhang.assignment.domain.events import (
    PoliceOfficeClosed,
    PoliceOfficeOpened,
    TaskForceFormed,
    TaskForceMemberAdded,
    TaskForceMemberRemoved,
)
from jingzhang.assignment.domain.guards import require_active, require_open
from jingzhang.assignment.domain.officer import OfficerState, require_serving
from jingzhang.shared.errors import DomainRejected, InvalidCommand
from jingzhang.shared.events import DomainEvent


def form_task_force(state: EnterpriseState, cmd: FormTaskForce, leader: OfficerState) -> list[DomainEvent]:
    """每个重点项目、重点企业成立一个专班: one per key project, led by an active officer."""
    require_active(state, cmd.enterprise_id)
    if not state.enterprise_class.is_key_project:
        raise DomainRejected(f"enterprise {cmd.enterprise_id} is not a key project", code="not_key_project")
    require_serving(leader, cmd.leader_officer_id, field="leader_officer_id")
    force = state.task_force
    if force is not None and (force.name, force.leader_officer_id) == (cmd.name, cmd.leader_officer_id):
        return []
    if force is not None:
        raise DomainRejected(f"enterprise {cmd.enterprise_id} already has a task force", code="task_force_exists")
    return [TaskForceFormed(**cmd.facts())]


def add_task_force_member(state: EnterpriseState, cmd: AddTaskForceMember, officer: OfficerState) -> list[DomainEvent]:
    require_open(state, cmd.enterprise_id)
    if state.task_force is None:
        raise DomainRejected(f"enterprise {cmd.enterprise_id} has no task force", code="no_task_force")
    require_serving(officer, cmd.officer_id, field="officer_id")
    if state.task_force.members.get(cmd.officer_id) == cmd.role:
        return []
    return [TaskForceMemberAdded(**cmd.facts())]


def remove_task_force_member(state: EnterpriseState, cmd: RemoveTaskForceMember) -> list[DomainEvent]:
    require_open(state, cmd.enterprise_id)
    if state.task_force is None or cmd.officer_id not in state.task_force.members:
        return []
    return [TaskForceMemberRemoved(**cmd.facts())]


def open_police_office(state: EnterpriseState, cmd: OpenPoliceOffice, *, now: datetime) -> list[DomainEvent]:
    """One office per enterprise, online, offline (then somewhere) or both, opened on the command's
    `opened_on` or the bureau's day at `now`: not in the future, not before the enterprise was registered.
    The same office again (a business date left out is the one recorded) records nothing."""
    require_active(state, cmd.enterprise_id)
    if not (cmd.online or cmd.offline):
        raise InvalidCommand("a police office is online, offline or both", field="online")
    if cmd.offline and not cmd.location:
        raise InvalidCommand("an offline police office needs a location", field="location")
    if state.office is not None and _same_office(state.office, cmd):
        return []
    if state.office is not None:
        raise DomainRejected(f"enterprise {cmd.enterprise_id} already has police office {state.office.office_id}")
    opened_on = cmd.opened_on or bureau_date(now)
    require_not_future(opened_on, now, field="opened_on")
    require_not_before(opened_on, state.registered_on, REGISTERED, field="opened_on")
    return [PoliceOfficeOpened(**{**cmd.facts(), "opened_on": opened_on})]


def _same_office(office: PoliceOffice, cmd: OpenPoliceOffice) -> bool:
    opened_on = cmd.opened_on or office.opened_on
    return office == PoliceOffice(cmd.office_id, cmd.online, cmd.offline, cmd.location, opened_on)


def close_police_office(state: EnterpriseState, cmd: ClosePoliceOffice) -> list[DomainEvent]:
    require_open(state, cmd.enterprise_id)
    if state.office is None:
        return []
    return [PoliceOfficeClosed(enterprise_id=cmd.enterprise_id, office_id=state.office.office_id, reason=cmd.reason)]
