"""Decisions about an enterprise's task force (专班, key projects only) and police office (驻企警务室)."""

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
from jingzhang.assignment.domain.officer import OfficerState, OfficerStatus
from jingzhang.shared.errors import DomainRejected, InvalidCommand, NotFound
from jingzhang.shared.events import DomainEvent


def form_task_force(state: EnterpriseState, cmd: FormTaskForce, leader: OfficerState) -> list[DomainEvent]:
    """每个重点项目、重点企业成立一个专班: one per key project, led by an active officer."""
    require_active(state, cmd.enterprise_id)
    if not state.enterprise_class.is_key_project:
        raise DomainRejected(f"enterprise {cmd.enterprise_id} is not a key project", code="not_key_project")
    _require_serving(leader, cmd.leader_officer_id)
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
    _require_serving(officer, cmd.officer_id)
    if state.task_force.members.get(cmd.officer_id) == cmd.role:
        return []
    return [TaskForceMemberAdded(**cmd.facts())]


def remove_task_force_member(state: EnterpriseState, cmd: RemoveTaskForceMember) -> list[DomainEvent]:
    require_open(state, cmd.enterprise_id)
    if state.task_force is None or cmd.officer_id not in state.task_force.members:
        return []
    return [TaskForceMemberRemoved(**cmd.facts())]


def open_police_office(state: EnterpriseState, cmd: OpenPoliceOffice) -> list[DomainEvent]:
    """One office per enterprise, online, offline (then somewhere) or both."""
    require_active(state, cmd.enterprise_id)
    if not (cmd.online or cmd.offline):
        raise InvalidCommand("a police office is online, offline or both", field="online")
    if cmd.offline and not cmd.location:
        raise InvalidCommand("an offline police office needs a location", field="location")
    if state.office == PoliceOffice(cmd.office_id, cmd.online, cmd.offline, cmd.location):
        return []
    if state.office is not None:
        raise DomainRejected(f"enterprise {cmd.enterprise_id} already has police office {state.office.office_id}")
    return [PoliceOfficeOpened(**cmd.facts())]


def close_police_office(state: EnterpriseState, cmd: ClosePoliceOffice) -> list[DomainEvent]:
    require_open(state, cmd.enterprise_id)
    if state.office is None:
        return []
    return [PoliceOfficeClosed(enterprise_id=cmd.enterprise_id, office_id=state.office.office_id, reason=cmd.reason)]


def _require_serving(officer: OfficerState, officer_id: str) -> None:
    if officer.status is OfficerStatus.UNENROLLED:
        raise NotFound("officer", officer_id)
    if officer.status is OfficerStatus.RETIRED:
        raise DomainRejected(f"officer {officer_id} is retired", code="officer_retired")
