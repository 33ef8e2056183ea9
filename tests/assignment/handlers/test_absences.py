"""Handler level: absences, the A/B double-absence rule under concurrency, and acting chiefs."""

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import replace
from datetime import timedelta

import pytest

from jingzhang.assignment import handlers
from jingzhang.assignment.domain.commands import EndAbsence
from jingzhang.assignment.domain.events import AbsenceDeclared, ActingChiefChanged, Slot
from jingzhang.assignment.events import SERVICE
from jingzhang.shared.errors import ConcurrencyError, DomainRejected, NotFound
from jingzhang.shared.store.protocol import EventStore

from ..unit.samples import ENTERPRISE_ID, OFFICERS, PC, day
from .world import META, InterleavingStore, World, absence, acting_now, staffed, world

PC_A, PC_B = OFFICERS[(PC, Slot.A)], OFFICERS[(PC, Slot.B)]


class NoLocks:
    """What the handler would be without the officer locks: each reads, decides and writes alone."""

    def __init__(self, store: EventStore) -> None:
        self._store = store

    @contextlib.asynccontextmanager
    async def hold(self, officer_ids: Iterable[str]) -> AsyncIterator[EventStore]:
        yield self._store


async def declare_both_at_once(w: World) -> list[object]:
    return await asyncio.gather(
        handlers.declare_absence(w.deps, absence(PC_A, "leave-a", 1, 5), META),
        handlers.declare_absence(w.deps, absence(PC_B, "leave-b", 3, 8), META),
        return_exceptions=True,
    )


class TestDoubleAbsence:
    async def test_the_partner_is_refused_while_a_is_away_naming_who_and_when(self) -> None:
        w = world()
        await staffed(w)
        await handlers.declare_absence(w.deps, absence(PC_A, "leave-a", 1, 5), META)

        with pytest.raises(DomainRejected) as refused:
            await handlers.declare_absence(w.deps, absence(PC_B, "leave-b", 3, 8), META)

        assert refused.value.code == "double_absence"
        assert PC_A in refused.value.reason
        assert ENTERPRISE_ID in refused.value.reason

    async def test_a_partner_away_at_another_time_is_accepted(self) -> None:
        w = world()
        await staffed(w)
        await handlers.declare_absence(w.deps, absence(PC_A, "leave-a", 1, 5), META)

        decided = await handlers.declare_absence(w.deps, absence(PC_B, "leave-b", 5, 8), META)

        assert [type(e) for e in decided.events] == [AbsenceDeclared]

    async def test_two_partners_declaring_at_once_let_exactly_one_through(self) -> None:
        w = world(InterleavingStore(SERVICE))
        await staffed(w)

        results = await declare_both_at_once(w)

        refused = [r for r in results if isinstance(r, DomainRejected)]
        assert len(refused) == 1
        assert refused[0].code == "double_absence"
        declared = [e for e in w.store.log if e.event_type == "AbsenceDeclared"]
        assert len(declared) == 1

    async def test_without_the_officer_locks_the_same_race_lets_both_through(self) -> None:
        """The control: it is the locks, not luck, that make the test above pass."""
        w = world(InterleavingStore(SERVICE))
        await staffed(w)
        unlocked = replace(w.deps, locks=NoLocks(w.store))

        results = await asyncio.gather(
            handlers.declare_absence(unlocked, absence(PC_A, "leave-a", 1, 5), META),
            handlers.declare_absence(unlocked, absence(PC_B, "leave-b", 3, 8), META),
            return_exceptions=True,
        )

        assert not any(isinstance(r, Exception) for r in results)


class TestActingChief:
    async def test_a_away_b_acts_a_returns(self) -> None:
        w = world()
        await staffed(w)
        w.clock.set(day(1))

        await handlers.declare_absence(w.deps, absence(PC_A, "leave-a", 1, 5), META)
        during = await acting_now(w, PC)
        w.clock.set(day(2))
        await handlers.end_absence(w.deps, EndAbsence(officer_id=PC_A, absence_id="leave-a", ended_at=day(2)), META)

        assert (during, await acting_now(w, PC)) == (PC_B, PC_A)
        changes = [e for e in w.events("enterprise", ENTERPRISE_ID) if isinstance(e, ActingChiefChanged)]
        assert [(e.officer_id, e.reason) for e in changes[-2:]] == [
            (PC_B, "absence leave-a declared"),
            (PC_A, "absence leave-a ended"),
        ]

    async def test_a_future_absence_changes_nothing_until_a_recheck_after_it_starts(self) -> None:
        w = world()
        await staffed(w)
        await handlers.declare_absence(w.deps, absence(PC_A, "leave-a", 1, 5), META)
        before = await acting_now(w, PC)

        w.clock.set(day(1) + timedelta(minutes=1))
        await handlers.recheck_acting_of(w.deps, PC_A, META, "absence leave-a started", w.clock.now())

        assert (before, await acting_now(w, PC)) == (PC_A, PC_B)


class TestAbsenceIds:
    async def test_an_absence_declared_without_an_id_gets_the_next_one_of_the_id_factory(self) -> None:
        w = world()
        await staffed(w)

        decided = await handlers.declare_absence(w.deps, absence(PC_A, None, 1, 5), META)

        [declared] = decided.events
        assert isinstance(declared, AbsenceDeclared)
        assert declared.absence_id == uuid.UUID(int=1).hex  # `world`'s ids are sequential from 1

    async def test_the_callers_id_is_kept(self) -> None:
        w = world()
        await staffed(w)

        decided = await handlers.declare_absence(w.deps, absence(PC_A, "leave-a", 1, 5), META)

        assert [e.absence_id for e in decided.events if isinstance(e, AbsenceDeclared)] == ["leave-a"]


class TestOfficerCommands:
    async def test_an_absence_of_an_unknown_officer_is_not_found(self) -> None:
        w = world()

        with pytest.raises(NotFound):
            await handlers.declare_absence(w.deps, absence("nobody", "leave", 1, 2), META)

    async def test_a_stale_expected_version_conflicts(self) -> None:
        w = world()
        await staffed(w)

        with pytest.raises(ConcurrencyError):
            await handlers.declare_absence(w.deps, absence(PC_A, "leave-a", 1, 5, expected_version=0), META)
