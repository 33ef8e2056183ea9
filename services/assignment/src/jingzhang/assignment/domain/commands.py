"""Commands the assignment service accepts: imperative, frozen, carrying the ids and times they need.

Field shapes (non-empty strings, aware datetimes) are checked here so an entrypoint answers 422
naming the field; rules that need state live in the decide functions.
"""

from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, StringConstraints

from jingzhang.assignment.domain.events import ChiefTier, EnterpriseClass, Slot, UnitKind

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Ident = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,128}$")]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9][0-9 -]{4,19}$")]


class Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RegisterEnterprise(Command):
    enterprise_id: Ident
    name: Text
    credit_code: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True)]
    address: Text
    industry: Text
    contact_name: Text
    contact_phone: Phone
    enterprise_class: EnterpriseClass


class ReclassifyEnterprise(Command):
    enterprise_id: Ident
    enterprise_class: EnterpriseClass


class SuspendEnterprise(Command):
    enterprise_id: Ident
    reason: Text


class ReinstateEnterprise(Command):
    enterprise_id: Ident


class CloseEnterprise(Command):
    enterprise_id: Ident
    reason: Text
    effective_from: AwareDatetime


class AssignChief(Command):
    enterprise_id: Ident
    tier: ChiefTier
    slot: Slot
    officer_id: Ident
    effective_from: AwareDatetime


class RelieveChief(Command):
    enterprise_id: Ident
    tier: ChiefTier
    slot: Slot
    reason: Text
    effective_from: AwareDatetime


class FormTaskForce(Command):
    enterprise_id: Ident
    name: Text
    leader_officer_id: Ident


class AddTaskForceMember(Command):
    enterprise_id: Ident
    officer_id: Ident
    role: Text


class RemoveTaskForceMember(Command):
    enterprise_id: Ident
    officer_id: Ident
    reason: Text


class OpenPoliceOffice(Command):
    enterprise_id: Ident
    office_id: Ident
    online: bool
    offline: bool
    location: Text | None = None


class ClosePoliceOffice(Command):
    enterprise_id: Ident
    reason: Text


class EnrolOfficer(Command):
    officer_id: Ident
    name: Text
    unit_kind: UnitKind
    unit_name: Text
    position: Text
    rank: Text
    phone: Phone
    wechat_id: Text
    photo_ref: Text | None = None


class TransferOfficer(Command):
    officer_id: Ident
    unit_kind: UnitKind
    unit_name: Text
    position: Text
    effective_from: AwareDatetime


class RetireOfficer(Command):
    officer_id: Ident
    effective_from: AwareDatetime


class DeclareAbsence(Command):
    officer_id: Ident
    absence_id: Ident
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    reason: Text


class EndAbsence(Command):
    officer_id: Ident
    absence_id: Ident
    ended_at: AwareDatetime
