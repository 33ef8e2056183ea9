"""Commands the assignment service accepts: imperative, frozen, carrying the ids and times they need.

Field shapes (non-empty strings, aware datetimes) are checked here so an entrypoint answers 422
naming the field; rules that need state live in the decide functions. A time or an id the caller may
leave out (`effective_from`, `ended_at`, `absence_id`) is None for "now" or "a new one": the handler
resolves it, once, from the clock and the id factory it was given, and hands the decide function the
value. A business date left out (`registered_on`, `enrolled_on`, `opened_on`) is the bureau's day
(Asia/Shanghai) at the handler's now, resolved by the decide function it hands `now` to.
"""

from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from jingzhang.assignment.domain.events import ChiefTier, EnterpriseClass, Slot, UnitKind

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Ident = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,128}$")]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9][0-9 -]{4,19}$")]

LISTS_BESIDE_ENTERPRISES = frozenset({"nobody-acting"})
"""`GET /enterprises/<these>` are lists: an enterprise by such an id could never be read at its path."""


def _no_list_name(enterprise_id: str) -> str:
    if enterprise_id in LISTS_BESIDE_ENTERPRISES:
        raise ValueError(f"{enterprise_id!r} is the name of a list (/enterprises/{enterprise_id}), not an id")
    return enterprise_id


NewEnterpriseId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,128}$"), AfterValidator(_no_list_name)]


class Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Change(Command):
    """A command on an aggregate that exists: the caller may require the version it last read."""

    expected_version: int | None = Field(default=None, ge=0, description="409 unless the stream is at it")

    def facts(self) -> dict[str, Any]:
        """What the command says, without how it is to be carried out: the fields of its event."""
        return self.model_dump(exclude={"expected_version"})


class RegisterEnterprise(Command):
    enterprise_id: NewEnterpriseId
    name: Text
    credit_code: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True)]
    address: Text
    industry: Text
    contact_name: Text
    contact_phone: Phone
    enterprise_class: EnterpriseClass
    registered_on: date | None = Field(default=None, description="the day it was registered (bureau time); else today")


class ReclassifyEnterprise(Change):
    enterprise_id: Ident
    enterprise_class: EnterpriseClass


class SuspendEnterprise(Change):
    enterprise_id: Ident
    reason: Text


class ReinstateEnterprise(Change):
    enterprise_id: Ident


class CloseEnterprise(Change):
    enterprise_id: Ident
    reason: Text
    effective_from: AwareDatetime | None = None


class AssignChief(Change):
    enterprise_id: Ident
    tier: ChiefTier
    slot: Slot
    officer_id: Ident
    effective_from: AwareDatetime | None = None


class RelieveChief(Change):
    enterprise_id: Ident
    tier: ChiefTier
    slot: Slot
    reason: Text
    effective_from: AwareDatetime | None = None


class FormTaskForce(Change):
    enterprise_id: Ident
    name: Text
    leader_officer_id: Ident


class AddTaskForceMember(Change):
    enterprise_id: Ident
    officer_id: Ident
    role: Text


class RemoveTaskForceMember(Change):
    enterprise_id: Ident
    officer_id: Ident
    reason: Text


class OpenPoliceOffice(Change):
    enterprise_id: Ident
    office_id: Ident
    online: bool
    offline: bool
    location: Text | None = None
    opened_on: date | None = Field(default=None, description="the day it opened (bureau time); else today")


class ClosePoliceOffice(Change):
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
    enrolled_on: date | None = Field(
        default=None, description="the day they joined the scheme (bureau time); else today"
    )


class TransferOfficer(Change):
    officer_id: Ident
    unit_kind: UnitKind
    unit_name: Text
    position: Text
    effective_from: AwareDatetime | None = None


class RetireOfficer(Change):
    officer_id: Ident
    effective_from: AwareDatetime | None = None


class DeclareAbsence(Change):
    officer_id: Ident
    absence_id: Ident | None = Field(default=None, description="chosen by the caller for safe retries; else new")
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    reason: Text


class EndAbsence(Change):
    officer_id: Ident
    absence_id: Ident
    ended_at: AwareDatetime | None = None
