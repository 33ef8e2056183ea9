"""Vocabulary and small validation helpers shared by the patrols aggregates."""

from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel

from jingzhang.patrols.domain.limits import EARLIEST, IDENT_LENGTH, LATEST, LINE_LENGTH, MAX_OFFICERS
from jingzhang.shared.errors import InvalidCommand
from jingzhang.shared.privacy.fields import Personal, PersonalKind

# The zone keeps China Standard Time all year, so a fixed offset needs no tz database.
ZONE_TZ = timezone(timedelta(hours=8), "CST")

SKEW = timedelta(minutes=5)
"""How far ahead of the service's clock a reporter's clock may run: work is "in the future" beyond it."""

CONTACT = "contact/{enterprise_id}"
"""The data subject of what is written about work at an enterprise: our events name no single writer,
so names and free text belong to the enterprise's contact (erasing them erases these too)."""

FreeText = Annotated[str, Personal(PersonalKind.FREE_TEXT, subject=CONTACT)]
"""Text people write about the work (findings, descriptions, measures, outcomes): it may name anyone."""


class VisitKind(StrEnum):
    """What a visit was: 每周回访, 每月见面座谈, 每月走访督查, 警企联动联巡."""

    WEEKLY_REVISIT = "weekly_revisit"
    LEADER_MEETING = "leader_meeting"
    INSPECTION = "inspection"
    JOINT_PATROL = "joint_patrol"


def local_date(at: datetime) -> date:
    """The zone's calendar day of an instant: periods and ledgers count local days."""
    return at.astimezone(ZONE_TZ).date()


def local_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=ZONE_TZ)


def latest_day(now: datetime) -> date:
    """The last day work reported at `now` may be dated (the clock's skew allowed)."""
    return local_date(now + SKEW)


def require_text(value: str, field: str, longest: int = LINE_LENGTH) -> None:
    if not value.strip():
        raise InvalidCommand(f"{field} must not be blank", field=field)
    require_length(value, field, longest)


def require_length(value: str, field: str, longest: int) -> None:
    if len(value) > longest:
        raise InvalidCommand(f"{field} is longer than {longest} characters", field=field)


def require_count(value: int, field: str, most: int) -> None:
    """A count of something that happened: at least one, at most what the work can really be."""
    if not 1 <= value <= most:
        raise InvalidCommand(f"{field} must be between 1 and {most}", field=field)


def require_instant(value: datetime, field: str) -> None:
    """An instant of the scheme's work: with its offset, and within the years it can be."""
    if value.tzinfo is None:
        raise InvalidCommand(f"{field} needs a time zone", field=field)
    if not EARLIEST <= value < LATEST:
        raise InvalidCommand(f"{field} must be in the years {EARLIEST.year} to {LATEST.year - 1}", field=field)


def given_id(value: str | None, field: str) -> str:
    """The id of a new stream: the caller's, or the one the handler drew when the caller gave none."""
    if value is None or not value.strip():
        raise InvalidCommand(f"{field} must not be blank", field=field)
    require_length(value, field, IDENT_LENGTH)
    return value


def require_officers(officer_ids: Sequence[str], field: str = "officer_ids") -> None:
    if not officer_ids:
        raise InvalidCommand("at least one officer must be named", field=field)
    if len(officer_ids) > MAX_OFFICERS:
        raise InvalidCommand(f"at most {MAX_OFFICERS} officers may be named", field=field)
    if len(set(officer_ids)) != len(officer_ids):
        raise InvalidCommand("an officer is named twice", field=field)
    for n, officer_id in enumerate(officer_ids):
        require_text(officer_id, f"{field}.{n}", IDENT_LENGTH)


def require_not_after(day: date, latest: date, field: str) -> None:
    """Activities are facts: they cannot be recorded before they happen (`latest`: see `latest_day`)."""
    if day > latest:
        raise InvalidCommand(f"{field} {day} is in the future", field=field)


def same_record(recorded: BaseModel, retried: BaseModel) -> bool:
    """Does a retried report record what is already recorded? Judged on everything but personal data.

    Personal values read back from the store are sealed tokens (or erased), never the plaintext a
    retry carries, so comparing them would refuse every honest retry; ids, kinds, days and counts
    identify a report well enough.
    """
    return type(recorded) is type(retried) and _facts(recorded) == _facts(retried)


def _facts(value: Any) -> Any:
    if isinstance(value, BaseModel):
        fields = type(value).model_fields
        return {
            name: _facts(getattr(value, name))
            for name, info in fields.items()
            if not any(isinstance(marker, Personal) for marker in info.metadata)
        }
    if isinstance(value, list | tuple):
        return [_facts(item) for item in value]
    return value
