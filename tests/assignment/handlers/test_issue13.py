"""Handler level, issue 13: retries answer what the first request answered, A and B are never both away on
the assignment path either (also when racing a declaration), business dates read from old events."""

import asyncio
import uuid
from datetime import date, timedelta

import pytest

from jingzhang.assignment import handlers
from jingzhang.assignment.dated import DatedStore
from jingzhang.assignment.domain.commands import AssignChief, OpenPoliceOffice
from jingzhang.assignment.domain.events import (
    AbsenceDeclared,
    ChiefAssigned,
    EnterpriseRegistered,
    NobodyActing,
    OfficerEnrolled,
    Slot,
)
from jingzhang.assignment.events import ENTERPRISE, OFFICER, REGISTRY, SERVICE
from jingzhang.shared.aggregate import load
from jingzhang.shared.envelope import Metadata, NewEvent
from jingzhang.shared.errors import DomainRejected, InvalidCommand

from ..unit.samples import ENTERPRISE_ID, OFFICERS, PC, REGISTER, T0, day, registered
from .world import META, InterleavingStore, World, absence, enrol, staffed, world

PC_A, PC_B = OFFICERS[(PC, Slot.A)], OFFICERS[(PC, Slot.B)]


def take_b(officer_id: str = PC_B, at: float = 1) -> AssignChief:
    return AssignChief(enterprise_id=ENTERPRISE_ID, tier=PC, slot=Slot.B, officer_id=officer_id, effective_from=day(at))


class TestRetriedRegistration:
    async def test_the_same_registration_again_answers_what_the_first_answered_and_records_nothing(self) -> None:
        w = world()
        first = await handlers.register_enterprise(w.deps, REGISTER, META)
        w.clock.set(day(3))

        again = await handlers.register_enterprise(w.deps, REGISTER, META)

        assert (again.version, again.events) == (first.version, first.events) == (2, first.events)
        assert [type(e).__name__ for e in again.events] == ["EnterpriseRegistered", "CoverageGapOpened"]
        assert len(w.events("enterprise", ENTERPRISE_ID)) == 2

    async def test_the_first_answer_stands_after_later_changes(self) -> None:
        """Events appended together share their instant and correlation id; later requests have their own
        correlation id (as each HTTP request without `X-Correlation-Id` does), even at the same instant."""
        w = world()
        first = await handlers.register_enterprise(w.deps, REGISTER, META)
        await staffed_after_registration(w)

        again = await handlers.register_enterprise(w.deps, REGISTER, META)

        assert (again.version, list(again.events)) == (first.version, list(first.events))

    async def test_other_details_under_the_same_id_are_a_duplicate(self) -> None:
        w = world()
        await handlers.register_enterprise(w.deps, REGISTER, META)

        with pytest.raises(DomainRejected) as refused:
            await handlers.register_enterprise(w.deps, REGISTER.model_copy(update={"address": "别处"}), META)

        assert (refused.value.code, refused.value.field) == ("duplicate", "address")

    async def test_two_first_requests_at_once_both_answer_the_same(self) -> None:
        w = world(InterleavingStore(SERVICE))

        answers = await asyncio.gather(
            handlers.register_enterprise(w.deps, REGISTER, META), handlers.register_enterprise(w.deps, REGISTER, META)
        )

        assert answers[0].version == answers[1].version == 2
        assert answers[0].events == answers[1].events
        assert len(w.events("enterprise", ENTERPRISE_ID)) == 2


class TestRetriedEnrolment:
    async def test_the_same_enrolment_again_answers_what_the_first_answered(self) -> None:
        w = world()
        first = await handlers.enrol_officer(w.deps, enrol(PC_A), META)
        w.clock.set(day(2))

        again = await handlers.enrol_officer(w.deps, enrol(PC_A), META)

        assert (again.version, again.events) == (first.version, first.events)
        assert len(w.events("officer", PC_A)) == 1

    async def test_other_details_under_the_same_id_are_a_duplicate(self) -> None:
        w = world()
        await handlers.enrol_officer(w.deps, enrol(PC_A), META)

        with pytest.raises(DomainRejected) as refused:
            await handlers.enrol_officer(w.deps, enrol(PC_A).model_copy(update={"position": "所长"}), META)

        assert (refused.value.code, refused.value.field) == ("duplicate", "position")


async def staffed_after_registration(w: World) -> None:
    later = Metadata(actor="test", correlation_id=uuid.UUID(int=8))
    for officer_id in (PC_A, PC_B):
        await handlers.enrol_officer(w.deps, enrol(officer_id), later)
    cmd = AssignChief(enterprise_id=ENTERPRISE_ID, tier=PC, slot=Slot.A, officer_id=PC_A, effective_from=T0)
    await handlers.assign_chief(w.deps, cmd, later)


class TestAssigningAPartnerWhoIsAway:
    async def test_a_b_away_while_the_a_is_away_is_refused_reading_both_officers_streams(self) -> None:
        w = world()
        await staffed(w, Slot.A)
        await handlers.declare_absence(w.deps, absence(PC_A, "leave-a", 2, 5), META)
        await handlers.declare_absence(w.deps, absence(PC_B, "leave-b", 4, 8), META)  # no partner yet: allowed

        with pytest.raises(DomainRejected) as refused:
            await handlers.assign_chief(w.deps, take_b(), META)

        assert refused.value.code == "partners_both_away"
        assert PC_A in refused.value.reason
        assert PC_B in refused.value.reason
        assert not any(isinstance(e, ChiefAssigned) and e.slot is Slot.B for e in w.events("enterprise", ENTERPRISE_ID))

    @pytest.mark.parametrize("assign_first", [True, False])
    async def test_racing_an_overlapping_declaration_of_the_partner_lets_only_one_through(
        self, assign_first: bool
    ) -> None:
        """Without the officers' locks both would pass: each reads the other's officer before it writes."""
        w = world(InterleavingStore(SERVICE))
        await staffed(w, Slot.A)
        await handlers.declare_absence(w.deps, absence(PC_B, "leave-b", 4, 8), META)
        calls = [
            handlers.assign_chief(w.deps, take_b(), META),
            handlers.declare_absence(w.deps, absence(PC_A, "leave-a", 2, 5), META),
        ]

        answers = await asyncio.gather(*(calls if assign_first else calls[::-1]), return_exceptions=True)

        refused = [a for a in answers if isinstance(a, DomainRejected)]
        assert len(refused) == 1, answers
        assert refused[0].code in ("partners_both_away", "double_absence")


class TestBusinessDatesOfOlderEvents:
    async def recorded_without_dates(self, w: World, on: date) -> None:
        """A registration and an enrolment as recorded before business dates: no `registered_on`/`enrolled_on`."""
        at = T0.replace(year=on.year, month=on.month, day=on.day)
        enterprise = registered().model_copy(update={"registered_on": None})
        officer = OfficerEnrolled(**{**enrol(PC_A).model_dump(), "photo_ref": None})
        await w.store.append(ENTERPRISE.stream(ENTERPRISE_ID), 0, [NewEvent(enterprise, at)], META)
        await w.store.append(OFFICER.stream(PC_A), 0, [NewEvent(officer, at)], META)

    async def test_they_read_as_dated_the_day_they_were_recorded(self) -> None:
        w = world()
        await self.recorded_without_dates(w, date(2024, 3, 10))
        assert isinstance(w.events("enterprise", ENTERPRISE_ID)[0], EnterpriseRegistered)

        state = await handlers.officer_state(w.store, PC_A)
        enterprise, _ = await load(DatedStore(w.store), REGISTRY, ENTERPRISE, ENTERPRISE_ID)

        assert (state.enrolled_on, enterprise.registered_on) == (date(2024, 3, 10), date(2024, 3, 10))

    async def test_a_term_before_that_day_is_refused(self) -> None:
        w = world()
        await self.recorded_without_dates(w, date(2024, 3, 10))
        w.clock.set(day(20))
        early = AssignChief(enterprise_id=ENTERPRISE_ID, tier=PC, slot=Slot.A, officer_id=PC_A, effective_from=day(5))

        with pytest.raises(InvalidCommand) as refused:
            await handlers.assign_chief(w.deps, early, META)

        assert refused.value.field == "effective_from"

    async def test_an_office_opened_before_the_enterprise_was_registered_is_refused(self) -> None:
        w = world()
        await handlers.register_enterprise(
            w.deps, REGISTER.model_copy(update={"registered_on": date(2024, 2, 1)}), META
        )
        office = OpenPoliceOffice(
            enterprise_id=ENTERPRISE_ID, office_id="po-1", online=True, offline=False, opened_on=date(2024, 1, 31)
        )

        with pytest.raises(InvalidCommand) as refused:
            await handlers.open_police_office(w.deps, office, META)

        assert refused.value.field == "opened_on"


class TestNobodyActingFoundLater:
    async def test_a_recheck_records_a_tier_left_with_nobody_by_data_from_before_the_rule(self) -> None:
        w = world()
        await staffed(w, Slot.A, Slot.B)
        # both away at once, as could be recorded before the A/B rule held on every path
        for officer_id in (PC_A, PC_B):
            away = AbsenceDeclared(
                officer_id=officer_id, absence_id=f"leave-{officer_id}", starts_at=day(2), ends_at=day(5), reason="x"
            )
            await w.store.append(OFFICER.stream(officer_id), 1, [NewEvent(away, T0)], META)
        w.clock.set(day(3))

        decided = await handlers.recheck_acting(w.deps, ENTERPRISE_ID, META, "absence started", day(3))

        assert decided is not None
        alarms = [e for e in decided.events if isinstance(e, NobodyActing)]
        assert [(e.tier, e.since) for e in alarms] == [(PC, day(3))]
        again = await handlers.recheck_acting(
            w.deps, ENTERPRISE_ID, META, "absence started", day(3) + timedelta(hours=1)
        )
        assert again is not None
        assert not again.events
