"""The Decider shape every aggregate follows, and the one way commands reach the event store.

An aggregate module holds its events, its state, a pure `evolve(state, event) -> state` and one
pure decide function per command returning the events to record (or raising `DomainRejected`).
`execute` reads the stream, folds it, decides and appends at the version it read, so a concurrent
writer makes it fail with `ConcurrencyError` instead of overwriting. A command loads its aggregate
once: whatever must be checked on the state before deciding (may this caller act on this appeal's
enterprise?) is the `authorize` hook, called on the state `execute` loaded.

A command that creates a stream under an id its caller chose (a report recorded once under its id)
may pass `assume_new`: it is decided on the aggregate's initial state and appended at version 0 with
no read first. Only when that is not the whole story (the append conflicts: the stream exists, a retry
or a race; or the initial state was refused) is the stream loaded and the command run the usual way,
so its answer is the one the usual way gives, at the cost of one read only then.
"""

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from jingzhang.shared.envelope import Envelope, Metadata, NewEvent, StreamId
from jingzhang.shared.errors import ConcurrencyError, JingzhangError
from jingzhang.shared.events import DomainEvent, EventRegistry
from jingzhang.shared.store.protocol import EventStore

S = TypeVar("S")

Evolve = Callable[[S, DomainEvent], S]
Authorize = Callable[[S], Awaitable[None]]
"""Looks at the state a command loaded and raises to refuse the caller (see `execute`)."""


def fold(evolve: Evolve[S], initial: S, events: Iterable[DomainEvent]) -> S:
    state = initial
    for event in events:
        state = evolve(state, event)
    return state


@dataclass(frozen=True, slots=True)
class Decided(Generic[S]):
    """What a command did: the stream's new version, the events it recorded and the state after them."""

    version: int
    events: Sequence[DomainEvent]
    state: S


@dataclass(frozen=True, slots=True)
class Aggregate(Generic[S]):
    """How to rebuild one aggregate type from its events."""

    aggregate_type: str
    initial: S
    evolve: Evolve[S]

    def stream(self, aggregate_id: str) -> StreamId:
        return StreamId(self.aggregate_type, aggregate_id)


async def load(store: EventStore, registry: EventRegistry, aggregate: Aggregate[S], aggregate_id: str) -> tuple[S, int]:
    history = await store.read_stream(aggregate.stream(aggregate_id))
    return fold(aggregate.evolve, aggregate.initial, payloads(history, registry)), len(history)


def payloads(history: Iterable[Envelope], registry: EventRegistry) -> list[DomainEvent]:
    return [env.payload(registry) for env in history]


async def execute(
    store: EventStore,
    registry: EventRegistry,
    aggregate: Aggregate[S],
    aggregate_id: str,
    decide: Callable[[S], Sequence[DomainEvent]],
    *,
    meta: Metadata,
    now: datetime,
    expected_version: int | None = None,
    authorize: Authorize[S] | None = None,
    assume_new: bool = False,
) -> Decided[S]:
    """Decide against the current state and append; `expected_version`, when given, must match too.

    `authorize` sees the loaded state before anything is decided and raises to refuse (`Forbidden`).
    With `assume_new` (and no expected version other than 0) the stream is first taken to be empty
    (see the module's doc)."""
    stream = aggregate.stream(aggregate_id)
    loaded: tuple[S, int] | None = None
    if assume_new and not expected_version:
        try:
            return await _append_new(store, aggregate, stream, decide, meta, now, authorize)
        except ConcurrencyError:
            pass  # the stream exists (a retry, or a race lost): decide on what it holds
        except JingzhangError as refused:
            # refused on the initial state (or nothing to record): the answer stands if the stream is new
            loaded = await load(store, registry, aggregate, aggregate_id)
            if loaded[1] == 0:
                if isinstance(refused, _NothingNew):
                    return Decided(version=0, events=[], state=loaded[0])
                raise
    state, version = loaded or await load(store, registry, aggregate, aggregate_id)
    if authorize is not None:
        await authorize(state)
    if expected_version is not None and expected_version != version:
        raise ConcurrencyError(str(stream), expected_version, version)
    events = list(decide(state))
    if events:
        version = await store.append(stream, version, [NewEvent(e, now) for e in events], meta)
    return Decided(version=version, events=events, state=fold(aggregate.evolve, state, events))


class _NothingNew(JingzhangError):
    """The initial state decided nothing: only the stream can say what to answer."""


async def _append_new(
    store: EventStore,
    aggregate: Aggregate[S],
    stream: StreamId,
    decide: Callable[[S], Sequence[DomainEvent]],
    meta: Metadata,
    now: datetime,
    authorize: Authorize[S] | None,
) -> Decided[S]:
    """`execute` on a stream taken to be empty: raises (nothing written) whenever that may be wrong."""
    state = aggregate.initial
    if authorize is not None:
        await authorize(state)
    events = list(decide(state))
    if not events:
        raise _NothingNew(str(stream))
    version = await store.append(stream, 0, [NewEvent(e, now) for e in events], meta)
    return Decided(version=version, events=events, state=fold(aggregate.evolve, state, events))
