"""Handler level: registering, assigning with the officer read from its stream, and coverage."""

import pytest

from jingzhang.assignment import handlers
from jingzhang.assignment.domain.commands import AssignChief, RelieveChief
from jingzhang.assignment.domain.events import (
    ActingChiefChanged,
    ChiefAssigned,
    CoverageGapClosed,
    CoverageGapOpened,
    CoverageShortfallOpened,
    Slot,
)
from jingzhang.assignment.events import SERVICE
from jingzhang.shared.envelope import Envelope, StreamId
from jingzhang.shared.errors import InvalidCommand, UnknownSubject
from jingzhang.shared.store.memory import InMemoryEventStore

from ..unit.samples import BL, ENTERPRISE_ID, OFFICERS, PC, REGISTER, SPARE_STATION_OFFICER, T0, day
from .world import META, absence, enrol, staffed, world


def assign(tier: object, slot: Slot, officer_id: str, at: float = 0) -> AssignChief:
    return AssignChief(enterprise_id=ENTERPRISE_ID, tier=tier, slot=slot, officer_id=officer_id, effective_from=day(at))


class TestRegister:
    async def test_a_new_enterprise_opens_a_coverage_gap_at_version_two(self) -> None:
        w = world()

        decided = await handlers.register_enterprise(w.deps, REGISTER, META)

        assert decided.version == 2
        assert isinstance(decided.events[-1], CoverageGapOpened)

    async def test_a_new_enterprise_is_recorded_without_reading_its_stream_and_a_retry_reads_it(self) -> None:
        store = ReadCountingStore(SERVICE)
        w = world(store)

        first = await handlers.register_enterprise(w.deps, REGISTER, META)
        assert store.reads == []  # appended at version 0 on the initial state
        again = await handlers.register_enterprise(w.deps, REGISTER, META)

        assert set(store.reads) == {StreamId("enterprise", ENTERPRISE_ID)}  # the retry read it
        assert (again.version, again.events) == (first.version, first.events)
        assert len(store.log) == 2


class ReadCountingStore(InMemoryEventStore):
    """The in-memory store, recording which streams were read."""

    def __init__(self, service: str) -> None:
        super().__init__(service)
        self.reads: list[StreamId] = []

    async def read_stream(self, stream: StreamId) -> list[Envelope]:
        self.reads.append(stream)
        return await super().read_stream(stream)


class TestAssign:
    async def test_an_officer_never_enrolled_is_unknown_naming_the_field(self) -> None:
        w = world()
        await handlers.register_enterprise(w.deps, REGISTER, META)

        with pytest.raises(UnknownSubject) as refused:
            await handlers.assign_chief(w.deps, assign(PC, Slot.A, "nobody"), META)

        assert (refused.value.code, refused.value.field) == ("unknown_officer", "officer_id")

    async def test_a_station_officer_cannot_be_bureau_leader(self) -> None:
        w = world()
        await handlers.register_enterprise(w.deps, REGISTER, META)
        await handlers.enrol_officer(w.deps, enrol(SPARE_STATION_OFFICER), META)

        with pytest.raises(InvalidCommand) as invalid:
            await handlers.assign_chief(w.deps, assign(BL, Slot.A, SPARE_STATION_OFFICER), META)

        assert invalid.value.field == "officer_id"

    async def test_filling_every_tier_closes_the_gap(self) -> None:
        w = world()

        await staffed(w, Slot.A)

        kinds = [type(e) for e in w.events("enterprise", ENTERPRISE_ID)]
        assert kinds.count(ChiefAssigned) == 3
        assert kinds[-3:] == [CoverageGapClosed, CoverageShortfallOpened, ActingChiefChanged]

    async def test_assigning_a_b_whose_a_is_away_makes_b_act_at_once(self) -> None:
        w = world()
        await staffed(w, Slot.A)
        w.clock.set(day(1))
        await handlers.declare_absence(w.deps, absence(OFFICERS[(PC, Slot.A)], "leave", 1, 5), META)

        decided = await handlers.assign_chief(w.deps, assign(PC, Slot.B, OFFICERS[(PC, Slot.B)], at=2), META)

        acting = [e for e in decided.events if isinstance(e, ActingChiefChanged)]
        assert [(e.officer_id, e.previous_officer_id) for e in acting] == [(OFFICERS[(PC, Slot.B)], None)]


class TestWhenTheCallerGivesNoTime:
    async def test_a_chief_is_assigned_from_the_instant_the_handler_read(self) -> None:
        w = world()
        await staffed(w, Slot.A)
        w.clock.set(day(3))
        cmd = AssignChief(enterprise_id=ENTERPRISE_ID, tier=PC, slot=Slot.B, officer_id=OFFICERS[(PC, Slot.B)])

        decided = await handlers.assign_chief(w.deps, cmd, META)

        [assigned] = [e for e in decided.events if isinstance(e, ChiefAssigned)]
        assert assigned.effective_from == day(3)
        assert {env.occurred_at for env in w.store.log[-len(decided.events) :]} == {day(3)}


class TestRelieve:
    async def test_relieving_the_only_chief_of_a_tier_reopens_the_gap(self) -> None:
        w = world()
        await staffed(w, Slot.A)
        cmd = RelieveChief(enterprise_id=ENTERPRISE_ID, tier=PC, slot=Slot.A, reason="rotation", effective_from=T0)

        decided = await handlers.relieve_chief(w.deps, cmd, META)

        assert any(isinstance(e, CoverageGapOpened) and e.missing == (PC,) for e in decided.events)
