"""Who sees which kind of personal value, and what a masked value looks like. Pure.

Names are visible to every role; phones and WeChat ids to every role but the auditor; ID numbers
to the bureau only; photos and locations to the police; free text to every role but the auditor. A caller without
a principal sees only what every role sees. Every person sees their own data in full.
"""

from dataclasses import dataclass
from enum import Enum

from jingzhang.shared.privacy.fields import PersonalKind

ERASED = "[erased]"
HIDDEN = "[hidden]"
UNAVAILABLE = "[unavailable]"
INVALID = "[invalid]"

_ALL = frozenset({"enterprise_contact", "officer", "station_chief", "bureau", "auditor"})
_VISIBLE_TO: dict[PersonalKind, frozenset[str]] = {
    PersonalKind.NAME: _ALL,
    PersonalKind.PHONE: _ALL - {"auditor"},
    PersonalKind.WECHAT: _ALL - {"auditor"},
    PersonalKind.ID_NUMBER: frozenset({"bureau"}),
    PersonalKind.PHOTO: frozenset({"bureau", "station_chief", "officer"}),
    PersonalKind.LOCATION: frozenset({"bureau", "station_chief", "officer"}),
    PersonalKind.FREE_TEXT: _ALL - {"auditor"},
}
_MASKABLE = frozenset({PersonalKind.PHONE, PersonalKind.WECHAT, PersonalKind.ID_NUMBER})
# (characters kept at the start, at the end): 138****5678, 3301**********1234, wx****01
_KEEP = {PersonalKind.PHONE: (3, 4), PersonalKind.ID_NUMBER: (4, 4), PersonalKind.WECHAT: (2, 2)}
_MIN_HIDDEN = 4


class Sight(Enum):
    FULL = "full"
    MASKED = "masked"
    HIDDEN = "hidden"


@dataclass(frozen=True, slots=True)
class Viewer:
    """The caller, as far as personal data goes: their role (None: unauthenticated) and who they are."""

    role: str | None = None
    person: str | None = None


def sight(kind: PersonalKind, subject: str, viewer: Viewer) -> Sight:
    if viewer.person is not None and viewer.person == subject:
        return Sight.FULL
    if viewer.role is not None and viewer.role in _VISIBLE_TO[kind]:
        return Sight.FULL
    if kind == PersonalKind.NAME:
        return Sight.FULL
    return Sight.MASKED if kind in _MASKABLE else Sight.HIDDEN


def mask(kind: PersonalKind, value: str) -> str:
    """Keep a few characters at both ends; a value too short to hide at least four shows none."""
    head, tail = _KEEP.get(kind, (0, 0))
    hidden = len(value) - head - tail
    if hidden < _MIN_HIDDEN:
        return "*" * max(len(value), _MIN_HIDDEN)
    return value[:head] + "*" * hidden + value[len(value) - tail :]


def present(kind: PersonalKind, value: str, seen: Sight) -> str:
    if seen is Sight.FULL:
        return value
    return mask(kind, value) if seen is Sight.MASKED else HIDDEN
