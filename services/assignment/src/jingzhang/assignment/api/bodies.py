"""Request bodies: what a caller sends besides the ids in the path. Times default to the clock's now.

A body and the path's ids make a command (`Body.command`); registering an enterprise and enrolling an
officer take their command as the body itself.
"""

from datetime import date
from typing import TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from jingzhang.assignment.domain.commands import Command, Ident, Text
from jingzhang.assignment.domain.events import ChiefTier, EnterpriseClass, Slot, UnitKind
from jingzhang.shared.errors import InvalidCommand

C = TypeVar("C", bound=Command)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expected_version: int | None = Field(default=None, ge=0, description="409 unless the stream is at it")

    def command(self, model: type[C], **path: str) -> C:
        """This body with the path's ids, as a `model`; a path value that breaks its shape is a 422 naming it."""
        try:
            return model.model_validate({**path, **self.model_dump()})
        except ValidationError as exc:
            error = exc.errors()[0]
            field = ".".join(str(part) for part in error["loc"]) or "body"
            raise InvalidCommand(error["msg"], field=field) from exc


class Reclassify(Body):
    enterprise_class: EnterpriseClass


class Reason(Body):
    reason: Text


class Empty(Body):
    pass


class Close(Body):
    reason: Text
    effective_from: AwareDatetime | None = None


class Assign(Body):
    tier: ChiefTier
    slot: Slot
    officer_id: Ident
    effective_from: AwareDatetime | None = None


class Relieve(Body):
    tier: ChiefTier
    slot: Slot
    reason: Text
    effective_from: AwareDatetime | None = None


class TaskForce(Body):
    name: Text
    leader_officer_id: Ident


class Member(Body):
    officer_id: Ident
    role: Text


class Office(Body):
    office_id: Ident
    online: bool
    offline: bool
    location: Text | None = None
    opened_on: date | None = Field(default=None, description="the day it opened (bureau time); else today")


class Transfer(Body):
    unit_kind: UnitKind
    unit_name: Text
    position: Text
    effective_from: AwareDatetime | None = None


class Retire(Body):
    effective_from: AwareDatetime | None = None


class Absence(Body):
    absence_id: Ident | None = Field(default=None, description="chosen by the caller for safe retries; else new")
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    reason: Text


class EndAbsence(Body):
    ended_at: AwareDatetime | None = None
