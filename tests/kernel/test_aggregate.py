"""`execute` with `assume_new`: a new stream is decided on the initial state and appended at version 0
without a read; a retry, a race or a refusal reads the stream once and answers as the usual way does."""

import asyncio
from collections.abc import Callable, Sequence

import pytest

from jingzhang.shared.aggregate import Aggregate, Authorize, Decided, execute
from jingzhang.shared.auth.policy import Forbidden
from jingzhang.shared.envelope import Envelope, Metadata, NewEvent, StreamId
from jingzhang.shared.errors import ConcurrencyError, DomainRejected
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.store.memory import InMemoryEventStore
from jingzhang.shared.testing.sample import REGISTRY, T0, Noted, meta

Amounts = tuple[int, ...]


def evolve(state: Amounts, event: DomainEvent) -> Amounts:
    assert isinstance(event, Noted)
    return (*state, event.amount)


LEDGER: Aggregate[Amounts] = Aggregate("ledger", (), evolve)
STREAM = StreamId("ledger", "l-1")


def note_once(amount: int) -> Callable[[Amounts], Sequence[DomainEvent]]:
    """A report recorded once under its id: the same again records nothing, another is a duplicate."""

    def decide(state: Amounts) -> Sequence[DomainEvent]:
        if not state:
            return [Noted(amount=amount)]
        if state[0] == amount:
            return []
        raise DomainRejected("another report under this id", field="id", code="duplicate")

    return decide


class CountingStore(InMemoryEventStore):
    """The in-memory store, counting reads and appends (what would be round trips to PostgreSQL)."""

    def __init__(self) -> None:
        super().__init__("assignment")
        self.reads = 0
        self.appends = 0

    async def read_stream(self, stream: StreamId) -> list[Envelope]:
        self.reads += 1
        envelopes = await super().read_stream(stream)
        await asyncio.sleep(0)  # lets another command run between the read and the append, as a request may
        return envelopes

    async def append(self, stream: StreamId, expected_version: int, events: Sequence[NewEvent], m: Metadata) -> int:
        self.appends += 1
        return await super().append(stream, expected_version, events, m)


async def run(
    store: CountingStore,
    amount: int,
    *,
    assume_new: bool = True,
    expected_version: int | None = None,
    authorize: Authorize[Amounts] | None = None,
) -> Decided[Amounts]:
    decide = note_once(amount)
    return await execute(
        store,
        REGISTRY,
        LEDGER,
        "l-1",
        decide,
        meta=meta(),
        now=T0,
        expected_version=expected_version,
        authorize=authorize,
        assume_new=assume_new,
    )


async def test_a_new_stream_is_appended_without_a_read() -> None:
    store, usual = CountingStore(), CountingStore()
    decided = await run(store, 5)
    assert (decided.version, decided.state, store.reads, store.appends) == (1, (5,), 0, 1)
    assert await run(usual, 5, assume_new=False) == Decided(1, decided.events, (5,))  # the usual way reads first
    assert usual.reads == 1


async def test_a_retry_reads_once_and_answers_as_the_usual_way() -> None:
    store = CountingStore()
    await run(store, 5)
    again = await run(store, 5)
    assert (again.version, list(again.events), again.state) == (1, [], (5,))
    assert (store.reads, store.appends, len(store.log)) == (1, 2, 1)  # the conflicting append wrote nothing


async def test_another_report_under_the_id_is_still_refused() -> None:
    store = CountingStore()
    await run(store, 5)
    with pytest.raises(DomainRejected) as refused:
        await run(store, 6)
    assert refused.value.code == "duplicate"
    assert [e.data["amount"] for e in store.log] == [5]


async def test_two_first_reports_racing_record_one_and_the_loser_reads() -> None:
    store = CountingStore()
    answers = await asyncio.gather(run(store, 5), run(store, 5))
    assert sorted(len(a.events) for a in answers) == [0, 1]
    assert [a.state for a in answers] == [(5,), (5,)]
    assert (store.reads, len(store.log)) == (1, 1)


async def test_an_expected_version_other_than_zero_reads_first() -> None:
    store = CountingStore()
    with pytest.raises(ConcurrencyError):
        await run(store, 5, expected_version=2)
    assert (store.reads, store.appends) == (1, 0)


async def test_a_refusal_of_the_initial_state_stands_for_a_new_stream_after_one_read() -> None:
    store = CountingStore()
    seen: list[Amounts] = []

    async def refuse_empty(state: Amounts) -> None:
        seen.append(state)
        if not state:
            raise Forbidden("only a recorded ledger may be read back")

    with pytest.raises(Forbidden):
        await run(store, 5, authorize=refuse_empty)
    assert (seen, store.reads, store.appends) == ([()], 1, 0)


async def test_a_refusal_of_the_initial_state_is_decided_again_on_an_existing_stream() -> None:
    store = CountingStore()
    await store.append(STREAM, 0, [NewEvent(Noted(amount=5), T0)], meta())
    seen: list[Amounts] = []

    async def refuse_empty(state: Amounts) -> None:
        seen.append(state)
        if not state:
            raise Forbidden("only a recorded ledger may be read back")

    again = await run(store, 5, authorize=refuse_empty)
    assert (again.version, list(again.events), seen, store.reads) == (1, [], [(), (5,)], 1)


async def test_nothing_to_record_on_the_initial_state_answers_from_the_stream() -> None:
    store = CountingStore()

    def nothing(state: Amounts) -> Sequence[DomainEvent]:
        return []

    decided = await execute(store, REGISTRY, LEDGER, "l-1", nothing, meta=meta(), now=T0, assume_new=True)
    assert (decided.version, list(decided.events), store.reads, store.appends) == (0, [], 1, 0)
