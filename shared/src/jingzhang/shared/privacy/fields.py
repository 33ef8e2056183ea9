"""The marker for personal data on event fields: `Annotated[str, Personal(PersonalKind.NAME, subject=...)]`.

`subject` is a template formatted with the event's own fields (`"officer/{officer_id}"`); the result
names the data subject whose key encrypts the value. Supported field types: `str`, `str | None`,
`list[str]` (and those under `Annotated`); a field holding a model with its own markers is walked too.
"""

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

SUBJECT_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,31}(/[A-Za-z0-9_.\-]{1,128}){1,3}$")


class PersonalKind(StrEnum):
    """What a personal value is; the masking policy decides per kind who sees it."""

    NAME = "name"
    PHONE = "phone"
    WECHAT = "wechat"
    ID_NUMBER = "id_number"
    PHOTO = "photo"
    LOCATION = "location"
    """Where someone was (an officer's device at a visit): whereabouts, sensitive under PIPL art. 28."""
    FREE_TEXT = "free_text"


class InvalidSubject(ValueError):
    """A data subject id that is not `<kind>/<id>` (letters, digits, `_`, `.`, `-`; at most 3 ids)."""


def check_subject(subject: str) -> str:
    if not SUBJECT_PATTERN.fullmatch(subject):
        raise InvalidSubject(f"subject {subject!r} must look like 'officer/<id>' (letters, digits, '_', '.', '-')")
    return subject


@dataclass(frozen=True, slots=True)
class Personal:
    """Marks a field as personal data of the subject named by `subject` (a template over the event's fields)."""

    kind: PersonalKind
    subject: str

    def __post_init__(self) -> None:
        names = [name for _, name, _, _ in string.Formatter().parse(self.subject) if name is not None]
        if not names:
            raise ValueError(f"subject template {self.subject!r} names no field of the event")

    def subject_for(self, fields: Mapping[str, Any]) -> str:
        """The data subject for one event; its referenced fields must be present and non-empty."""
        try:
            subject = self.subject.format_map(fields)
        except KeyError as exc:
            raise InvalidSubject(f"subject template {self.subject!r} names a missing field {exc}") from None
        return check_subject(subject)
