"""Who is calling: the roles of the scheme and the authenticated principal. Pure: no I/O, no clock."""

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """The five kinds of users, from the narrowest view to the widest."""

    ENTERPRISE_CONTACT = "enterprise_contact"
    """An enterprise's contact person: sees and acts only for their own enterprise."""
    OFFICER = "officer"
    """A police officer: the enterprises they are linked to as a chief, their own duties and scorecard."""
    STATION_CHIEF = "station_chief"
    """A station's chief (所长): the station's officers and the enterprises those officers are linked to."""
    BUREAU = "bureau"
    """Bureau staff: everything."""
    AUDITOR = "auditor"
    """Read-only, everything, including the audit trail."""


class PrincipalError(ValueError):
    """A token's claims do not describe a valid principal (e.g. an officer token without `officer_id`)."""


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller. `subject` is the token's `sub`; the other ids scope what they may see."""

    subject: str
    role: Role
    enterprise_id: str | None = None
    officer_id: str | None = None
    station: str | None = None

    def __post_init__(self) -> None:
        if not self.subject:
            raise PrincipalError("sub: must not be empty")
        if self.role is Role.ENTERPRISE_CONTACT and not self.enterprise_id:
            raise PrincipalError("enterprise_id: an enterprise contact's token must name their enterprise")
        if self.role in (Role.OFFICER, Role.STATION_CHIEF) and not self.officer_id:
            raise PrincipalError(f"officer_id: a {self.role} token must name the officer")
        if self.role is Role.STATION_CHIEF and not self.station:
            raise PrincipalError("station: a station chief's token must name the station")

    @property
    def actor(self) -> str:
        """What events record as their actor: the role and the token subject, never a name."""
        return f"{self.role.value}:{self.subject}"

    @property
    def person(self) -> str | None:
        """The data subject this principal is, for personal data (`officer/<id>`, `contact/<enterprise>`)."""
        if self.officer_id:
            return f"officer/{self.officer_id}"
        if self.enterprise_id:
            return f"contact/{self.enterprise_id}"
        return None

    @property
    def read_only(self) -> bool:
        return self.role is Role.AUDITOR

    @property
    def sees_everything(self) -> bool:
        return self.role in (Role.BUREAU, Role.AUDITOR)
