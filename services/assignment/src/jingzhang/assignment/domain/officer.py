"""The officer aggregate: enrolment, unit, retirement and the absences the duty calendar reads."""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import assert_never

from jingzhang.assignment.domain.business_time import ENROLLED, bureau_date, require_not_before, require_not_future
from jingzhang.assignment.domain.calendar import Interval, PartnerAbsences, refuse_double_absence
from jingzhang.assignment.domain.commands import (
    DeclareAbsence,
    EndAbsence,
    EnrolOfficer,
    RetireOfficer,
    TransferOfficer,
)
from jingzhang.assignment.domain.events import (
    AbsenceDeclared,
    AbsenceEnded,
    OfficerEnrolled,
    OfficerEvent,
    OfficerRetired,
    OfficerTransferred,
    UnitKind,
)
from jingzhang.shared.errors import DomainRejected, InvalidCommand, NotFound, UnknownSubject
from jingzhang.shared.events import DomainEvent


class OfficerStatus(StrEnum):
    UNENROLLED = "unenrolled"
    ACTIVE = "active"
    RETIRED = "retired"


@dataclass(frozen=True, slots=True)
class Absence:
    absence_id: str
    starts_at: datetime
    ends_at: datetime
    reason: str
    ended_at: datetime | None = None

    @property
    def interval(self) -> Interval:
        """The time actually away: cut short by an early return, empty if called off before it began."""
        if self.ended_at is None:
            return Interval(self.starts_at, self.ends_at)
        return Interval(self.starts_at, max(self.starts_at, min(self.ends_at, self.ended_at)))


@dataclass(frozen=True, slots=True)
class OfficerState:
    officer_id: str = ""
    status: OfficerStatus = OfficerStatus.UNENROLLED
    name: str = ""
    unit_kind: UnitKind = UnitKind.STATION
    unit_name: str = ""
    position: str = ""
    rank: str = ""
    phone: str = ""
    wechat_id: str = ""
    photo_ref: str | None = None
    enrolled_on: date | None = None  # None only for an enrolment read without its business date
    enrolment: OfficerEnrolled | None = None  # what was enrolled, to tell a retry from a clash
    absences: tuple[Absence, ...] = ()


INITIAL = OfficerState()


def away_intervals(state: OfficerState) -> tuple[Interval, ...]:
    """What the duty calendar needs from this officer: the non-empty intervals they are away."""
    return tuple(a.interval for a in state.absences if a.interval.starts_at < a.interval.ends_at)


# --- evolve ------------------------------------------------------------------------------------


def evolve(state: OfficerState, event: DomainEvent) -> OfficerState:
    if not isinstance(event, OfficerEvent):
        raise TypeError(f"{event.event_type} is not an officer event")
    return _apply(state, event)


def _apply(state: OfficerState, event: OfficerEvent) -> OfficerState:
    match event:
        case OfficerEnrolled():
            fields = event.model_dump(exclude={"officer_id"})
            return OfficerState(officer_id=event.officer_id, status=OfficerStatus.ACTIVE, enrolment=event, **fields)
        case OfficerTransferred(unit_kind=kind, unit_name=unit, position=position):
            return replace(state, unit_kind=kind, unit_name=unit, position=position)
        case OfficerRetired():
            return replace(state, status=OfficerStatus.RETIRED)
        case AbsenceDeclared():
            absence = Absence(event.absence_id, event.starts_at, event.ends_at, event.reason)
            return replace(state, absences=(*state.absences, absence))
        case AbsenceEnded(absence_id=absence_id, ended_at=ended_at):
            absences = tuple(replace(a, ended_at=ended_at) if a.absence_id == absence_id else a for a in state.absences)
            return replace(state, absences=absences)
        case _:
            assert_never(event)


# --- decide ------------------------------------------------------------------------------------


def _require_active(state: OfficerState, officer_id: str) -> None:
    if state.status is OfficerStatus.UNENROLLED:
        raise NotFound("officer", officer_id)
    if state.status is OfficerStatus.RETIRED:
        raise DomainRejected(f"officer {officer_id} is retired", code="officer_retired")


def require_serving(state: OfficerState, officer_id: str, *, field: str) -> None:
    """An officer a command names in its body: one assignment has enrolled (422 naming `field`), not retired."""
    if state.status is OfficerStatus.UNENROLLED:
        raise UnknownSubject("officer", officer_id, field=field)
    if state.status is OfficerStatus.RETIRED:
        raise DomainRejected(
            f"民警 {officer_id} 已退休 / officer {officer_id} is retired", field=field, code="officer_retired"
        )


def enrol_officer(state: OfficerState, cmd: EnrolOfficer, *, now: datetime) -> list[DomainEvent]:
    """Enrolled on the command's `enrolled_on`, or on the bureau's day at `now`. The same enrolment again is a
    retry and records nothing; other details under the same id are refused."""
    if state.status is not OfficerStatus.UNENROLLED:
        _require_repeat(state, cmd)
        return []
    enrolled_on = cmd.enrolled_on or bureau_date(now)
    require_not_future(enrolled_on, now, field="enrolled_on")
    return [OfficerEnrolled(**{**cmd.model_dump(), "enrolled_on": enrolled_on})]


# Name, phone, WeChat id and photo are sealed tokens once recorded: they cannot be compared.
_ENROLMENT_FACTS = ("unit_kind", "unit_name", "position", "rank")


def _require_repeat(state: OfficerState, cmd: EnrolOfficer) -> None:
    """A retry says what the enrolment said; a business date it leaves out is the one recorded."""
    recorded = {f: getattr(state.enrolment, f, None) for f in _ENROLMENT_FACTS}
    recorded["enrolled_on"] = state.enrolled_on
    recorded["photo_ref"] = state.enrolment is not None and state.enrolment.photo_ref is not None
    said = {f: getattr(cmd, f) for f in _ENROLMENT_FACTS}
    said["enrolled_on"] = cmd.enrolled_on or state.enrolled_on
    said["photo_ref"] = cmd.photo_ref is not None
    differ = [f for f in said if said[f] != recorded[f]]
    if differ:
        raise DomainRejected(
            f"民警 {cmd.officer_id} 已按不同内容入列（{', '.join(differ)}）/ officer {cmd.officer_id}"
            f" was already enrolled with other {', '.join(differ)}",
            field=differ[0],
            code="duplicate",
        )


def transfer_officer(state: OfficerState, cmd: TransferOfficer, *, at: datetime) -> list[DomainEvent]:
    """A transfer moves the officer at `at`; the enterprises they served react by relieving them."""
    _require_active(state, cmd.officer_id)
    if (state.unit_kind, state.unit_name, state.position) == (cmd.unit_kind, cmd.unit_name, cmd.position):
        return []
    return [
        OfficerTransferred(
            officer_id=cmd.officer_id,
            unit_kind=cmd.unit_kind,
            unit_name=cmd.unit_name,
            position=cmd.position,
            effective_from=at,
        )
    ]


def retire_officer(state: OfficerState, cmd: RetireOfficer, *, at: datetime) -> list[DomainEvent]:
    if state.status is OfficerStatus.RETIRED:
        return []
    _require_active(state, cmd.officer_id)
    return [OfficerRetired(officer_id=cmd.officer_id, effective_from=at)]


def declare_absence(
    state: OfficerState, cmd: DeclareAbsence, partners: Sequence[PartnerAbsences], *, absence_id: str
) -> list[DomainEvent]:
    """Record planned away time, unless it overlaps the officer's own or an A/B partner's absence.

    `partners` comes from `calendar.partners_of` over every enterprise the officer is chief of;
    `absence_id` is the command's, or a new one.
    """
    _require_active(state, cmd.officer_id)
    if cmd.ends_at <= cmd.starts_at:
        raise InvalidCommand("an absence must end after it starts", field="ends_at")
    require_not_before(cmd.starts_at, state.enrolled_on, ENROLLED, field="starts_at")
    known = next((a for a in state.absences if a.absence_id == absence_id), None)
    if known is not None:
        return _repeat_of(known, cmd)
    requested = Interval(cmd.starts_at, cmd.ends_at)
    if any(requested.overlaps(i) for i in away_intervals(state)):
        raise DomainRejected(f"officer {cmd.officer_id} is already away during part of that time")
    refuse_double_absence(requested, partners)
    return [
        AbsenceDeclared(
            officer_id=cmd.officer_id,
            absence_id=absence_id,
            starts_at=cmd.starts_at,
            ends_at=cmd.ends_at,
            reason=cmd.reason,
        )
    ]


def _repeat_of(known: Absence, cmd: DeclareAbsence) -> list[DomainEvent]:
    """A retried declaration is a no-op; reusing its id for other times is an error.

    The reason is not compared: read back from the log it is a sealed token, never the text sent.
    """
    if (known.starts_at, known.ends_at) == (cmd.starts_at, cmd.ends_at):
        return []
    raise DomainRejected(f"absence {known.absence_id} was already declared with other details")


def end_absence(state: OfficerState, cmd: EndAbsence, *, at: datetime) -> list[DomainEvent]:
    """The officer is back at `at`, the command's `ended_at` or now (before the start: the absence is called off)."""
    _require_active(state, cmd.officer_id)
    known = next((a for a in state.absences if a.absence_id == cmd.absence_id), None)
    if known is None:
        raise NotFound("absence", cmd.absence_id)
    if known.ended_at is not None or at >= known.ends_at:
        return []
    return [AbsenceEnded(officer_id=cmd.officer_id, absence_id=cmd.absence_id, ended_at=at)]
