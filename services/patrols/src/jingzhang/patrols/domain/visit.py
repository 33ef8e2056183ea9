"""The `visit` stream: one recorded visit or joint patrol (警企联动联巡) per stream.

Visits are facts reported after the event, so the only decision is whether the report hangs
together; recording the same report twice is a no-op, so retries are safe.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, assert_never

from pydantic import AwareDatetime, BaseModel, ConfigDict

from jingzhang.patrols.domain.common import (
    CONTACT,
    SKEW,
    FreeText,
    VisitKind,
    given_id,
    require_count,
    require_instant,
    require_length,
    require_officers,
    require_text,
    same_record,
)
from jingzhang.patrols.domain.limits import IDENT_LENGTH, MAX_PERSON_TIMES, TEXT_LENGTH
from jingzhang.patrols.domain.subjects import Claim, claim
from jingzhang.shared.errors import DomainRejected, InvalidCommand
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.privacy.fields import Personal, PersonalKind


class GeoPoint(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    lat: float
    lon: float


OFFICER_DEVICE = "officer/{officer_ids[0]}"
"""Whose whereabouts a visit's location is: the first officer named, who reports it from their device."""


class Proof(BaseModel):
    """Optional proof of presence: where the officer's device was, and a photo kept elsewhere.

    A report gives the place as `geo`; the event records it as `position`, "lat,lon" in degrees,
    sealed as the reporting officer's personal data (whereabouts: erased with them). `geo` in an
    event is a report recorded before the place was sealed, readable as it was."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    geo: GeoPoint | None = None
    position: Annotated[str | None, Personal(PersonalKind.LOCATION, subject=OFFICER_DEVICE)] = None
    # The event names no single officer who took the photo: it is sealed as the enterprise contact's.
    photo_ref: Annotated[str | None, Personal(PersonalKind.PHOTO, subject=CONTACT)] = None


class PatrolCompleted(DomainEvent):
    """A visit of any kind happened; `person_times` (人次) counts everyone deployed, named or not."""

    visit_id: str
    enterprise_id: str
    kind: VisitKind
    officer_ids: tuple[str, ...]
    started_at: AwareDatetime
    ended_at: AwareDatetime
    location: str
    person_times: int
    findings: FreeText
    proof: Proof | None = None


VisitEvent = PatrolCompleted


@dataclass(frozen=True, slots=True)
class VisitState:
    recorded: PatrolCompleted | None = None

    @property
    def visit_id(self) -> str:
        """The recorded visit's id; a state some command succeeded on always has one."""
        if self.recorded is None:
            raise LookupError("no visit is recorded")
        return self.recorded.visit_id


def evolve(state: VisitState, event: DomainEvent) -> VisitState:
    if not isinstance(event, VisitEvent):
        raise TypeError(f"not a visit event: {event.event_type}")
    match event:
        case PatrolCompleted():
            return VisitState(recorded=event)
        case _:
            assert_never(event)


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordVisit:
    """`visit_id` None: a new visit, under an id the handler draws."""

    visit_id: str | None = None
    enterprise_id: str
    kind: VisitKind
    officer_ids: tuple[str, ...]
    started_at: datetime
    ended_at: datetime
    location: str
    person_times: int
    findings: str
    proof: Proof | None = None
    expected_version: int | None = None

    def claim(self) -> Claim:
        """Whom the visit names, at the instant it began."""
        require_instant(self.started_at, "started_at")
        return claim(self.started_at, "started_at", (("enterprise_id", self.enterprise_id),), self.officer_ids)


def decide_record_visit(state: VisitState, command: RecordVisit, now: datetime) -> list[DomainEvent]:
    """`now` is when the report arrives: a visit is reported after it ends (by the clock, with its skew)."""
    event = _validated(command, now)
    if state.recorded is None:
        return [event]
    recorded = state.recorded.model_copy(update={"proof": _sealable(state.recorded.proof)})  # an earlier release's
    if same_record(recorded, event):
        return []
    raise DomainRejected(
        f"走访 {command.visit_id} 已以不同内容记录 (visit {command.visit_id} is already recorded with other facts)",
        field="visit_id",
        code="duplicate",
    )


def _validated(command: RecordVisit, now: datetime) -> PatrolCompleted:
    visit_id = given_id(command.visit_id, "visit_id")
    require_text(command.enterprise_id, "enterprise_id", IDENT_LENGTH)
    require_text(command.location, "location")
    require_length(command.findings, "findings", TEXT_LENGTH)
    require_officers(command.officer_ids)
    _check_times(command, now)
    _check_person_times(command)
    _check_proof(command.proof)
    return PatrolCompleted(
        visit_id=visit_id,
        enterprise_id=command.enterprise_id,
        kind=command.kind,
        officer_ids=command.officer_ids,
        started_at=command.started_at,
        ended_at=command.ended_at,
        location=command.location,
        person_times=command.person_times,
        findings=command.findings,
        proof=_sealable(command.proof),
    )


def _sealable(proof: Proof | None) -> Proof | None:
    """The proof as events record it: the place as text, sealed when stored."""
    if proof is None or proof.geo is None:
        return proof
    return Proof(position=f"{proof.geo.lat!r},{proof.geo.lon!r}", photo_ref=proof.photo_ref)


def _check_times(command: RecordVisit, now: datetime) -> None:
    require_instant(command.started_at, "started_at")
    require_instant(command.ended_at, "ended_at")
    if command.ended_at <= command.started_at:
        raise InvalidCommand("a visit must end after it starts", field="ended_at")
    if command.ended_at > now + SKEW:
        raise InvalidCommand("a visit cannot be recorded before it ends", field="ended_at")


def _check_person_times(command: RecordVisit) -> None:
    require_count(command.person_times, "person_times", MAX_PERSON_TIMES)
    # Every named officer went at least once; unnamed auxiliaries may add to the count.
    named = len(command.officer_ids)
    if command.person_times < named:
        raise InvalidCommand(
            f"person_times {command.person_times} is fewer than the {named} officers named",
            field="person_times",
        )


def _check_proof(proof: Proof | None) -> None:
    if proof is None:
        return
    if proof.position is not None:
        raise InvalidCommand("give the place as geo (lat, lon); position is how events record it", field="proof")
    if proof.geo is None and proof.photo_ref is None:
        raise InvalidCommand("a proof needs a geo point or a photo", field="proof")
    if proof.geo is not None and not (-90 <= proof.geo.lat <= 90 and -180 <= proof.geo.lon <= 180):
        raise InvalidCommand("latitude must be within ±90 and longitude within ±180", field="proof.geo")
    if proof.photo_ref is not None:
        require_text(proof.photo_ref, "proof.photo_ref", TEXT_LENGTH)
