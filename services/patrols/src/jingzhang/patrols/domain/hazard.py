"""The `hazard` stream (id = hazard id): a trouble spot (隐患, 治安乱点) from found to verified.

Found on a visit or reported -> rectification deadline -> rectified -> verified on a later visit.
A deadline passing while the hazard is still open raises `HazardRectificationOverdue` once.
Every event carries the enterprise so the ledger can file it without a lookup.
"""

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import assert_never

from jingzhang.patrols.domain.common import (
    FreeText,
    given_id,
    require_not_after,
    require_officers,
    require_text,
    same_record,
)
from jingzhang.patrols.domain.limits import IDENT_LENGTH, TEXT_LENGTH
from jingzhang.patrols.domain.subjects import Claim, claim
from jingzhang.shared.errors import DomainRejected, InvalidCommand
from jingzhang.shared.events import DomainEvent


class HazardFound(DomainEvent):
    """`found_on_visit_id` is None when the hazard was reported rather than seen on a visit."""

    hazard_id: str
    enterprise_id: str
    description: FreeText
    found_on_visit_id: str | None
    found_on: date
    rectification_due: date
    officer_ids: tuple[str, ...]


class HazardRectified(DomainEvent):
    hazard_id: str
    enterprise_id: str
    rectified_on: date
    measures: FreeText
    officer_ids: tuple[str, ...]
    on_time: bool


class HazardVerified(DomainEvent):
    hazard_id: str
    enterprise_id: str
    on_visit_id: str
    verified_on: date
    officer_ids: tuple[str, ...]


class HazardRectificationOverdue(DomainEvent):
    hazard_id: str
    enterprise_id: str
    rectification_due: date
    detected_on: date


HazardEvent = HazardFound | HazardRectified | HazardVerified | HazardRectificationOverdue
HAZARD_EVENTS: tuple[type[DomainEvent], ...] = (
    HazardFound,
    HazardRectified,
    HazardVerified,
    HazardRectificationOverdue,
)


class HazardStatus(StrEnum):
    UNKNOWN = "unknown"
    OPEN = "open"
    OVERDUE = "overdue"
    RECTIFIED = "rectified"
    VERIFIED = "verified"


@dataclass(frozen=True, slots=True)
class HazardState:
    found: HazardFound | None = None
    status: HazardStatus = HazardStatus.UNKNOWN
    rectified: HazardRectified | None = None
    verified_on_visit_id: str | None = None

    @property
    def hazard_id(self) -> str:
        """The recorded hazard's id; a state some command succeeded on always has one."""
        if self.found is None:
            raise LookupError("no hazard is recorded")
        return self.found.hazard_id

    @property
    def awaiting_rectification(self) -> bool:
        return self.status in (HazardStatus.OPEN, HazardStatus.OVERDUE)


def evolve(state: HazardState, event: DomainEvent) -> HazardState:
    if not isinstance(event, HazardEvent):
        raise TypeError(f"not a hazard event: {event.event_type}")
    match event:
        case HazardFound():
            return HazardState(found=event, status=HazardStatus.OPEN)
        case HazardRectified():
            return replace(state, status=HazardStatus.RECTIFIED, rectified=event)
        case HazardVerified():
            return replace(state, status=HazardStatus.VERIFIED, verified_on_visit_id=event.on_visit_id)
        case HazardRectificationOverdue():
            return replace(state, status=HazardStatus.OVERDUE)
        case _:
            assert_never(event)


# --- commands and decisions ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordHazard:
    """`hazard_id` None: a new hazard, under an id the handler draws."""

    hazard_id: str | None = None
    enterprise_id: str
    description: str
    found_on: date
    rectification_due: date
    officer_ids: tuple[str, ...]
    found_on_visit_id: str | None = None
    expected_version: int | None = None

    def claim(self) -> Claim:
        return claim(self.found_on, "found_on", (("enterprise_id", self.enterprise_id),), self.officer_ids)


@dataclass(frozen=True, slots=True, kw_only=True)
class RectifyHazard:
    hazard_id: str
    rectified_on: date
    measures: str
    officer_ids: tuple[str, ...]
    expected_version: int | None = None

    def claim(self) -> Claim:
        """The officers who rectified it (the hazard's enterprise was checked when it was found)."""
        return claim(self.rectified_on, "rectified_on", (), self.officer_ids)


@dataclass(frozen=True, slots=True, kw_only=True)
class VerifyHazard:
    hazard_id: str
    on_visit_id: str
    verified_on: date
    officer_ids: tuple[str, ...]
    expected_version: int | None = None

    def claim(self) -> Claim:
        return claim(self.verified_on, "verified_on", (), self.officer_ids)


@dataclass(frozen=True, slots=True)
class MarkRectificationOverdue:
    hazard_id: str


def _known(state: HazardState) -> HazardFound:
    if state.found is None:
        raise DomainRejected("no such hazard has been recorded")
    return state.found


def decide_record(state: HazardState, command: RecordHazard, latest: date) -> list[DomainEvent]:
    """`latest` is the last day the finding may be dated (today, by the clock with its skew)."""
    event = _found(command, latest)
    if state.found is None:
        return [event]
    if same_record(state.found, event):
        return []
    raise DomainRejected(
        f"隐患 {command.hazard_id} 已以不同内容记录 (hazard {command.hazard_id} is already recorded with other facts)",
        field="hazard_id",
        code="duplicate",
    )


def _found(command: RecordHazard, latest: date) -> HazardFound:
    hazard_id = given_id(command.hazard_id, "hazard_id")
    require_text(command.enterprise_id, "enterprise_id", IDENT_LENGTH)
    require_text(command.description, "description", TEXT_LENGTH)
    require_officers(command.officer_ids)
    require_not_after(command.found_on, latest, "found_on")
    if command.rectification_due < command.found_on:
        raise InvalidCommand("the deadline precedes the finding", field="rectification_due")
    if command.found_on_visit_id is not None:
        require_text(command.found_on_visit_id, "found_on_visit_id", IDENT_LENGTH)
    return HazardFound(
        hazard_id=hazard_id,
        enterprise_id=command.enterprise_id,
        description=command.description,
        found_on_visit_id=command.found_on_visit_id,
        found_on=command.found_on,
        rectification_due=command.rectification_due,
        officer_ids=command.officer_ids,
    )


def decide_rectify(state: HazardState, command: RectifyHazard, latest: date) -> list[DomainEvent]:
    found = _known(state)
    if not state.awaiting_rectification:
        raise DomainRejected(f"hazard {found.hazard_id} is already {state.status.value}")
    require_text(command.measures, "measures", TEXT_LENGTH)
    require_officers(command.officer_ids)
    require_not_after(command.rectified_on, latest, "rectified_on")
    if command.rectified_on < found.found_on:
        raise InvalidCommand("a hazard cannot be rectified before it was found", field="rectified_on")
    return [
        HazardRectified(
            hazard_id=found.hazard_id,
            enterprise_id=found.enterprise_id,
            rectified_on=command.rectified_on,
            measures=command.measures,
            officer_ids=command.officer_ids,
            on_time=command.rectified_on <= found.rectification_due,
        )
    ]


def decide_verify(state: HazardState, command: VerifyHazard, latest: date) -> list[DomainEvent]:
    found = _known(state)
    if state.status is HazardStatus.VERIFIED and state.verified_on_visit_id == command.on_visit_id:
        return []
    if state.rectified is None or state.status is not HazardStatus.RECTIFIED:
        raise DomainRejected(f"hazard {found.hazard_id} is {state.status.value}, not rectified")
    require_text(command.on_visit_id, "on_visit_id", IDENT_LENGTH)
    require_officers(command.officer_ids)
    require_not_after(command.verified_on, latest, "verified_on")
    if command.verified_on < state.rectified.rectified_on:
        raise InvalidCommand("verification must come on a visit after rectification", field="verified_on")
    return [
        HazardVerified(
            hazard_id=found.hazard_id,
            enterprise_id=found.enterprise_id,
            on_visit_id=command.on_visit_id,
            verified_on=command.verified_on,
            officer_ids=command.officer_ids,
        )
    ]


def decide_mark_overdue(state: HazardState, command: MarkRectificationOverdue, today: date) -> list[DomainEvent]:
    found = _known(state)
    if state.status is not HazardStatus.OPEN:
        return []
    if not is_rectification_overdue(state, today):
        raise DomainRejected(f"hazard {found.hazard_id} is due by {found.rectification_due}")
    return [
        HazardRectificationOverdue(
            hazard_id=found.hazard_id,
            enterprise_id=found.enterprise_id,
            rectification_due=found.rectification_due,
            detected_on=today,
        )
    ]


def is_rectification_overdue(state: HazardState, today: date) -> bool:
    """The deadline day itself still counts as in time."""
    return state.found is not None and state.awaiting_rectification and today > state.found.rectification_due
