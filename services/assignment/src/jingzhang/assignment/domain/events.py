"""The assignment service's public event contract: what other services consume about who is responsible.

Two streams: `enterprise` (id = enterprise id) holds the enterprise's lifecycle, its chiefs (三长, with
A/B slots), coverage gaps and shortfalls, acting chiefs and tiers with nobody acting, task force (专班)
and police office (驻企警务室); `officer` (id = officer id) holds the officer's enrolment, unit and
absences. Names here are stable: bump `schema_version` and register an upcaster rather than rename or
drop a field.

Business time and record time: `registered_on`, `enrolled_on` and `opened_on` are the days things
happened (bureau time); the envelope's `occurred_at` is when the service recorded them. Events
recorded before those fields existed lack them: read the bureau's day of `occurred_at` instead.
"""

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, Field

from jingzhang.shared.events import DomainEvent
from jingzhang.shared.privacy.fields import Personal, PersonalKind

# Personal data (sealed per person on append, so read back it is a token: never compare or parse it).
# The contact person of an enterprise is `contact/<enterprise_id>`; an officer is `officer/<officer_id>`.
ContactName = Annotated[str, Personal(PersonalKind.NAME, subject="contact/{enterprise_id}")]
ContactPhone = Annotated[str, Personal(PersonalKind.PHONE, subject="contact/{enterprise_id}")]
OfficerName = Annotated[str, Personal(PersonalKind.NAME, subject="officer/{officer_id}")]
OfficerPhone = Annotated[str, Personal(PersonalKind.PHONE, subject="officer/{officer_id}")]
OfficerWechat = Annotated[str, Personal(PersonalKind.WECHAT, subject="officer/{officer_id}")]
OfficerPhoto = Annotated[str | None, Personal(PersonalKind.PHOTO, subject="officer/{officer_id}")]
OfficerNote = Annotated[str, Personal(PersonalKind.FREE_TEXT, subject="officer/{officer_id}")]
"""Free text people write about an officer (why they were relieved, why they are away): may name anyone."""


class EnterpriseClass(StrEnum):
    """The report's four classes (市级项目 / 区级重点项目 / 五上企业 / 中小微企业)."""

    CITY_KEY_PROJECT = "city_key_project"
    DISTRICT_KEY_PROJECT = "district_key_project"
    ABOVE_SCALE = "above_scale"
    SMALL_MICRO = "small_micro"

    @property
    def is_key_project(self) -> bool:
        """Key projects get a task force (专班); derived, so it can never disagree with the class."""
        return self in (EnterpriseClass.CITY_KEY_PROJECT, EnterpriseClass.DISTRICT_KEY_PROJECT)

    @property
    def is_key_enterprise(self) -> bool:
        """Key enterprises (四有通企: every class but small and micro) must have A and B in every tier."""
        return self is not EnterpriseClass.SMALL_MICRO


class ChiefTier(StrEnum):
    """The three chiefs (三长): 局领导, 所队长, 辖区警长."""

    BUREAU_LEADER = "bureau_leader"
    STATION_CHIEF = "station_chief"
    POLICE_CHIEF = "police_chief"


class Slot(StrEnum):
    """AB角: equals; B stands in while A is away."""

    A = "A"
    B = "B"


class UnitKind(StrEnum):
    """Where an officer serves: bureau leadership (局领导), a station (派出所) or a brigade (大队/队)."""

    BUREAU_LEADERSHIP = "bureau_leadership"
    STATION = "station"
    BRIGADE = "brigade"


class Channel110(StrEnum):
    """One 110 channel per tier, named as on the notice board."""

    DIRECTOR_DIRECT_LINE = "局长110直通车"
    STATION_LIAISON = "所长110联络站"
    CHIEF_SERVICE_POINT = "警长110服务点"


BusinessDate = Annotated[
    date | None,
    Field(
        description="the day it happened, bureau time (Asia/Shanghai); absent in events recorded before "
        "business dates: read the day of `occurred_at` then"
    ),
]
"""A business date (bi-temporal): when it happened, which may be earlier than when it was recorded."""


# --- enterprise stream -------------------------------------------------------------------------


class EnterpriseRegistered(DomainEvent):
    enterprise_id: str
    name: str
    credit_code: str
    address: str
    industry: str
    contact_name: ContactName
    contact_phone: ContactPhone
    enterprise_class: EnterpriseClass
    registered_on: BusinessDate = None


class EnterpriseReclassified(DomainEvent):
    enterprise_id: str
    previous_class: EnterpriseClass
    enterprise_class: EnterpriseClass


class EnterpriseSuspended(DomainEvent):
    enterprise_id: str
    reason: str


class EnterpriseReinstated(DomainEvent):
    enterprise_id: str


class EnterpriseClosed(DomainEvent):
    enterprise_id: str
    reason: str


class ChiefAssigned(DomainEvent):
    """`officer_id` holds `tier`/`slot` of the enterprise from `effective_from` until a `ChiefRelieved`."""

    enterprise_id: str
    tier: ChiefTier
    slot: Slot
    officer_id: str
    effective_from: AwareDatetime


class ChiefRelieved(DomainEvent):
    """Ends a term; reasons: `reassigned`, `officer_retired`, `officer_transferred`, `enterprise_closed`..."""

    enterprise_id: str
    tier: ChiefTier
    slot: Slot
    officer_id: str
    effective_from: AwareDatetime
    reason: OfficerNote


class CoverageGapOpened(DomainEvent):
    """An active enterprise lacks a chief in `missing` tiers (a tier is covered by its A or its B)."""

    enterprise_id: str
    missing: tuple[ChiefTier, ...]
    reason: str


class CoverageGapChanged(DomainEvent):
    """The gap is still open but the set of missing tiers changed."""

    enterprise_id: str
    missing: tuple[ChiefTier, ...]
    reason: str


class CoverageGapClosed(DomainEvent):
    enterprise_id: str
    reason: str


class ActingChiefChanged(DomainEvent):
    """Who answers for `tier` from `effective_from`: A unless away, then B; None when nobody can."""

    enterprise_id: str
    tier: ChiefTier
    officer_id: str | None
    previous_officer_id: str | None
    reason: str
    effective_from: AwareDatetime


class NobodyActing(DomainEvent):
    """Nobody answers for `tier` of an active enterprise since `since`: its chiefs are all away or gone.

    A and B may never be away together, so this is the alarm for what slipped past that rule (absences
    recorded before it, every chief of the tier relieved). A tier never staffed is a coverage gap instead."""

    enterprise_id: str
    tier: ChiefTier
    since: AwareDatetime
    reason: str


class NobodyActingEnded(DomainEvent):
    """`tier` has someone acting again (`officer_id`), or the enterprise no longer needs cover (None:
    suspended or closed)."""

    enterprise_id: str
    tier: ChiefTier
    officer_id: str | None
    reason: str


class CoverageShortfallOpened(DomainEvent):
    """A key enterprise (every class but small and micro) has one chief in `tier`: slot `vacant` is empty."""

    enterprise_id: str
    tier: ChiefTier
    vacant: Slot
    reason: str


class CoverageShortfallClosed(DomainEvent):
    """The tier has its A and its B again, or no longer counts (no chief at all: a gap; not key; not active)."""

    enterprise_id: str
    tier: ChiefTier
    reason: str


class TaskForceFormed(DomainEvent):
    enterprise_id: str
    name: str
    leader_officer_id: str


class TaskForceMemberAdded(DomainEvent):
    enterprise_id: str
    officer_id: str
    role: str


class TaskForceMemberRemoved(DomainEvent):
    enterprise_id: str
    officer_id: str
    reason: OfficerNote


class PoliceOfficeOpened(DomainEvent):
    enterprise_id: str
    office_id: str
    online: bool
    offline: bool
    location: str | None
    opened_on: BusinessDate = None


class PoliceOfficeClosed(DomainEvent):
    enterprise_id: str
    office_id: str
    reason: str


# --- officer stream ----------------------------------------------------------------------------


class OfficerEnrolled(DomainEvent):
    officer_id: str
    name: OfficerName
    unit_kind: UnitKind
    unit_name: str
    position: str
    rank: str
    phone: OfficerPhone
    wechat_id: OfficerWechat
    photo_ref: OfficerPhoto
    enrolled_on: BusinessDate = None


class OfficerTransferred(DomainEvent):
    officer_id: str
    unit_kind: UnitKind
    unit_name: str
    position: str
    effective_from: AwareDatetime


class OfficerRetired(DomainEvent):
    officer_id: str
    effective_from: AwareDatetime


class AbsenceDeclared(DomainEvent):
    """Planned away time `[starts_at, ends_at)`."""

    officer_id: str
    absence_id: str
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    reason: OfficerNote


class AbsenceEnded(DomainEvent):
    """The officer is back (or the absence was called off) at `ended_at`, possibly before `ends_at`."""

    officer_id: str
    absence_id: str
    ended_at: AwareDatetime


EnterpriseEvent = (
    EnterpriseRegistered
    | EnterpriseReclassified
    | EnterpriseSuspended
    | EnterpriseReinstated
    | EnterpriseClosed
    | ChiefAssigned
    | ChiefRelieved
    | CoverageGapOpened
    | CoverageGapChanged
    | CoverageGapClosed
    | ActingChiefChanged
    | NobodyActing
    | NobodyActingEnded
    | CoverageShortfallOpened
    | CoverageShortfallClosed
    | TaskForceFormed
    | TaskForceMemberAdded
    | TaskForceMemberRemoved
    | PoliceOfficeOpened
    | PoliceOfficeClosed
)
ENTERPRISE_EVENTS: tuple[type[DomainEvent], ...] = (
    EnterpriseRegistered,
    EnterpriseReclassified,
    EnterpriseSuspended,
    EnterpriseReinstated,
    EnterpriseClosed,
    ChiefAssigned,
    ChiefRelieved,
    CoverageGapOpened,
    CoverageGapChanged,
    CoverageGapClosed,
    ActingChiefChanged,
    NobodyActing,
    NobodyActingEnded,
    CoverageShortfallOpened,
    CoverageShortfallClosed,
    TaskForceFormed,
    TaskForceMemberAdded,
    TaskForceMemberRemoved,
    PoliceOfficeOpened,
    PoliceOfficeClosed,
)

OfficerEvent = OfficerEnrolled | OfficerTransferred | OfficerRetired | AbsenceDeclared | AbsenceEnded
OFFICER_EVENTS: tuple[type[DomainEvent], ...] = (
    OfficerEnrolled,
    OfficerTransferred,
    OfficerRetired,
    AbsenceDeclared,
    AbsenceEnded,
)
