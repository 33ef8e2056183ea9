"""Personal data in assignment's events: which fields are sealed, and decisions that still hold once they are.

Read back from the log, a personal field holds a token (`pii:1:<kind>:<subject>:<sealed>`), never the
text that was sent. `sealed` plays the log's part here with token look-alikes (no key needed): every
decision must come out the same over a sealed history as over the plaintext one.
"""

import base64
import hashlib
from collections.abc import Callable, Sequence
from typing import TypeVar

import pytest

from jingzhang.assignment.domain import chiefs, offices
from jingzhang.assignment.domain import officer as officers
from jingzhang.assignment.domain.commands import (
    AssignChief,
    DeclareAbsence,
    EndAbsence,
    RelieveChief,
    RemoveTaskForceMember,
    RetireOfficer,
    TransferOfficer,
)
from jingzhang.assignment.domain.enterprise import EnterpriseState
from jingzhang.assignment.domain.events import (
    ENTERPRISE_EVENTS,
    OFFICER_EVENTS,
    AbsenceDeclared,
    ChiefRelieved,
    EnterpriseRegistered,
    OfficerEnrolled,
    Slot,
    TaskForceFormed,
    TaskForceMemberAdded,
    TaskForceMemberRemoved,
    UnitKind,
)
from jingzhang.assignment.domain.officer import OfficerState
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.privacy.fields import Personal, PersonalKind

from .samples import (
    ENTERPRISE_ID,
    OFFICERS,
    PC,
    SC,
    SPARE_STATION_OFFICER,
    assigned,
    day,
    enrolled,
    given,
    given_officer,
    staffed,
)

E = TypeVar("E", bound=DomainEvent)
PC_A = OFFICERS[(PC, Slot.A)]
CONTACT, OFFICER = "contact/{enterprise_id}", "officer/{officer_id}"

SEALED_FIELDS: dict[type[DomainEvent], dict[str, tuple[PersonalKind, str]]] = {
    EnterpriseRegistered: {
        "contact_name": (PersonalKind.NAME, CONTACT),
        "contact_phone": (PersonalKind.PHONE, CONTACT),
    },
    ChiefRelieved: {"reason": (PersonalKind.FREE_TEXT, OFFICER)},
    TaskForceMemberRemoved: {"reason": (PersonalKind.FREE_TEXT, OFFICER)},
    OfficerEnrolled: {
        "name": (PersonalKind.NAME, OFFICER),
        "phone": (PersonalKind.PHONE, OFFICER),
        "wechat_id": (PersonalKind.WECHAT, OFFICER),
        "photo_ref": (PersonalKind.PHOTO, OFFICER),
    },
    AbsenceDeclared: {"reason": (PersonalKind.FREE_TEXT, OFFICER)},
}


def markers(model: type[DomainEvent]) -> dict[str, Personal]:
    return {
        name: marker
        for name, info in model.model_fields.items()
        for marker in info.metadata
        if isinstance(marker, Personal)
    }


def sealed(event: E) -> E:
    """`event` as the log gives it back: each personal value replaced by a token of its subject."""
    fields = event.model_dump()
    for name, marker in markers(type(event)).items():
        if (value := fields[name]) is not None:
            digest = base64.urlsafe_b64encode(hashlib.sha256(value.encode()).digest()).decode().rstrip("=")
            fields[name] = f"pii:1:{marker.kind.value}:{marker.subject_for(fields)}:{digest}"
    return type(event).model_validate(fields)


@pytest.mark.parametrize("event_type", [*ENTERPRISE_EVENTS, *OFFICER_EVENTS], ids=lambda t: t.__name__)
def test_exactly_the_personal_fields_are_marked_with_their_kind_and_subject(event_type: type[DomainEvent]) -> None:
    marked = {name: (m.kind, m.subject) for name, m in markers(event_type).items()}

    assert marked == SEALED_FIELDS.get(event_type, {})


def test_a_sealed_event_holds_no_personal_value_and_names_its_subject() -> None:
    event = sealed(enrolled(PC_A))

    assert event.name.startswith(f"pii:1:name:officer/{PC_A}:")
    assert event.phone.startswith(f"pii:1:phone:officer/{PC_A}:")
    assert "13900000000" not in event.model_dump_json()


TRANSFER = TransferOfficer(officer_id=PC_A, unit_kind=UnitKind.BRIGADE, unit_name="治安大队", position="大队长")
REASSIGN = AssignChief(enterprise_id=ENTERPRISE_ID, tier=PC, slot=Slot.A, officer_id=SPARE_STATION_OFFICER)
RELIEVE = RelieveChief(enterprise_id=ENTERPRISE_ID, tier=PC, slot=Slot.A, reason="调岗")
REMOVE = RemoveTaskForceMember(enterprise_id=ENTERPRISE_ID, officer_id=PC_A, reason="另有任务")


class TestDecisionsOverASealedHistory:
    """The same decision, whether the history holds the plaintext or the tokens the log gives back."""

    def test_a_retried_absence_is_recognised_though_its_reason_reads_back_sealed(self) -> None:
        reason = "去医院复查 (hospital)"
        cmd = DeclareAbsence(officer_id=PC_A, starts_at=day(1), ends_at=day(3), reason=reason)
        away = AbsenceDeclared(officer_id=PC_A, absence_id="leave-1", starts_at=day(1), ends_at=day(3), reason=reason)
        history = [enrolled(PC_A), away]

        assert officers.declare_absence(given_officer(*map(sealed, history)), cmd, [], absence_id="leave-1") == []

    @pytest.mark.parametrize(
        "decide",
        [
            lambda s: officers.transfer_officer(s, TRANSFER, at=day(5)),
            lambda s: officers.retire_officer(s, RetireOfficer(officer_id=PC_A), at=day(5)),
            lambda s: officers.end_absence(s, EndAbsence(officer_id=PC_A, absence_id="leave-1"), at=day(2)),
        ],
        ids=["transfer", "retire", "end absence"],
    )
    def test_officer_decisions(self, decide: Callable[[OfficerState], Sequence[DomainEvent]]) -> None:
        away = AbsenceDeclared(officer_id=PC_A, absence_id="leave-1", starts_at=day(1), ends_at=day(3), reason="病假")
        history = [enrolled(PC_A), away]

        assert decide(given_officer(*map(sealed, history))) == decide(given_officer(*history))

    @pytest.mark.parametrize(
        "decide",
        [
            lambda s: chiefs.relieve_chief(s, RELIEVE, at=day(3)),
            lambda s: chiefs.assign_chief(s, REASSIGN, given_officer(enrolled(SPARE_STATION_OFFICER)), at=day(3)),
            lambda s: offices.remove_task_force_member(s, REMOVE),
        ],
        ids=["relieve", "reassign", "remove task force member"],
    )
    def test_enterprise_decisions(self, decide: Callable[[EnterpriseState], Sequence[DomainEvent]]) -> None:
        sc_a = OFFICERS[(SC, Slot.A)]
        history = [
            *staffed(),
            ChiefRelieved(
                enterprise_id=ENTERPRISE_ID, tier=SC, slot=Slot.A, officer_id=sc_a, effective_from=day(1), reason="休假"
            ),
            assigned(SC, Slot.A, at=day(1)),
            TaskForceFormed(enterprise_id=ENTERPRISE_ID, name="雅纺专班", leader_officer_id=PC_A),
            TaskForceMemberAdded(enterprise_id=ENTERPRISE_ID, officer_id=PC_A, role="联络员"),
        ]

        assert decide(given(*map(sealed, history))) == decide(given(history))


def test_what_a_person_writes_when_relieving_a_chief_is_kept_only_where_the_log_seals_it() -> None:
    words = "张三 transferred after a complaint"
    cmd = RelieveChief(enterprise_id=ENTERPRISE_ID, tier=PC, slot=Slot.A, reason=words)

    events = chiefs.relieve_chief(given(staffed()), cmd, at=day(3))

    carrying = [
        (type(e).__name__, name) for e in events for name, value in e if isinstance(value, str) and words in value
    ]
    assert carrying == [("ChiefRelieved", "reason")]
