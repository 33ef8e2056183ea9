"""Only facts about someone count: whom a report names, when it says the work happened, and whether
they existed then.

A report names enterprises and officers, each at a field of its own (`enterprise_id`,
`officer_ids.2`, `appeals.1.enterprise_id`), and claims a business time: the instant a visit began,
or the day other work was done. The handler looks the names up in its projection of assignment's
events and refuses an id nobody has (`shared.subjects.require_known`); `check` then asks whether
each existed at the claimed time. Work before an enterprise was registered or an officer enrolled
contradicts the record (422 naming the business time's field); work after an enterprise closed or an
officer retired is refused (409 `enterprise_closed` / `officer_retired` naming the subject's field).
A report entered late about work done before the closure or retirement still counts.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import assert_never

from jingzhang.patrols.domain.common import local_date, local_midnight
from jingzhang.shared.errors import DomainRejected, InvalidCommand


class SubjectKind(StrEnum):
    """What a report may name; the value is the kind `require_known` reports (`unknown_officer`)."""

    ENTERPRISE = "enterprise"
    OFFICER = "officer"


@dataclass(frozen=True, slots=True)
class Mention:
    """One enterprise or officer a report names, and the input that names it."""

    kind: SubjectKind
    ident: str
    field: str


@dataclass(frozen=True, slots=True)
class Claim:
    """Whom a report names and when it says the work happened (`field` is the input that says when).

    Work dated by the day claims the start of that day in bureau time: it was done on that day, so
    whoever was there at its start was there for it.
    """

    mentions: tuple[Mention, ...]
    at: datetime
    field: str

    @property
    def day(self) -> date:
        return local_date(self.at)

    def idents(self, kind: SubjectKind) -> list[str]:
        return [m.ident for m in self.mentions if m.kind is kind]


def claim(
    at: datetime | date,
    field: str,
    enterprises: Iterable[tuple[str, str]] = (),
    officer_ids: Sequence[str] = (),
) -> Claim:
    """A claim naming `enterprises` as (field, id) and `officer_ids` (as `officer_ids.<n>`); each id once,
    at the first field naming it. A date claims its first instant in bureau time."""
    mentions = [Mention(SubjectKind.ENTERPRISE, ident, name) for name, ident in enterprises]
    mentions += [Mention(SubjectKind.OFFICER, ident, f"officer_ids.{n}") for n, ident in enumerate(officer_ids)]
    first = {(m.kind, m.ident): m for m in reversed(mentions)}
    instant = at if isinstance(at, datetime) else local_midnight(at)
    return Claim(tuple(m for m in mentions if first[(m.kind, m.ident)] is m), instant, field)


@dataclass(frozen=True, slots=True)
class KnownEnterprise:
    enterprise_id: str
    registered_on: date
    closed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class KnownOfficer:
    officer_id: str
    enrolled_on: date
    retired_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Known:
    """What the projection knows of the subjects a claim names; an id it lacks is simply absent."""

    enterprises: Mapping[str, KnownEnterprise]
    officers: Mapping[str, KnownOfficer]

    def has(self, mention: Mention) -> bool:
        match mention.kind:
            case SubjectKind.ENTERPRISE:
                return mention.ident in self.enterprises
            case SubjectKind.OFFICER:
                return mention.ident in self.officers
            case _:
                assert_never(mention.kind)


def check(claim: Claim, known: Known) -> None:
    """Did everyone the claim names exist, and was still there, when the work happened? Every mention
    must be known (the handler refuses unknown ids first)."""
    for mention in claim.mentions:
        match mention.kind:
            case SubjectKind.ENTERPRISE:
                _enterprise(claim, mention, known.enterprises[mention.ident])
            case SubjectKind.OFFICER:
                _officer(claim, mention, known.officers[mention.ident])
            case _:
                assert_never(mention.kind)


def _enterprise(claim: Claim, mention: Mention, enterprise: KnownEnterprise) -> None:
    if claim.day < enterprise.registered_on:
        raise InvalidCommand(
            f"{claim.day} 早于企业 {mention.ident} 的登记日 {enterprise.registered_on}"
            f" ({claim.field} {claim.day} is before enterprise {mention.ident} was registered"
            f" on {enterprise.registered_on})",
            field=claim.field,
        )
    if enterprise.closed_at is not None and claim.at >= enterprise.closed_at:
        closed_on = local_date(enterprise.closed_at)
        raise DomainRejected(
            f"企业 {mention.ident} 已于 {closed_on} 关闭，不能记录 {claim.day} 在该企业的工作"
            f" (enterprise {mention.ident} closed on {closed_on}: no work there on {claim.day} can be recorded)",
            field=mention.field,
            code="enterprise_closed",
        )


def _officer(claim: Claim, mention: Mention, officer: KnownOfficer) -> None:
    if claim.day < officer.enrolled_on:
        raise InvalidCommand(
            f"{claim.day} 早于民警 {mention.ident} 的入列日 {officer.enrolled_on}"
            f" ({claim.field} {claim.day} is before officer {mention.ident} was enrolled on {officer.enrolled_on})",
            field=claim.field,
        )
    if officer.retired_at is not None and claim.at >= officer.retired_at:
        retired_on = local_date(officer.retired_at)
        raise DomainRejected(
            f"民警 {mention.ident} 已于 {retired_on} 退出，{claim.day} 的工作不能记在其名下"
            f" (officer {mention.ident} retired on {retired_on}: they did no work on {claim.day})",
            field=mention.field,
            code="officer_retired",
        )
