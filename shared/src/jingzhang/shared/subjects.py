"""Only facts about someone count: a command naming an enterprise or officer must name one that exists.

A service knows another service's subjects from its own projection of their events, which may lag
by a moment: an enterprise registered in assignment an instant ago is not in appeals' projection
yet. So an id the projection lacks is refused in one of two ways: while the producer's events may
still be on their way, `NotYetKnown` (409, `Retry-After`: retry the same command); once this service
has applied every event the producer committed before it asked (`Runtime.caught_up`, see `watermark`),
`UnknownSubject` (422 naming the field: nobody by that id exists).

The projection is read again after `caught_up` says so: what it applied while this service waited
for it must count, so the lookup is a function, not an answer read before.
"""

from collections.abc import Awaitable, Callable, Sequence
from typing import NamedTuple, TypeVar

from jingzhang.shared.errors import NotYetKnown, UnknownSubject

T = TypeVar("T")

CaughtUp = Callable[[str], Awaitable[bool]]
"""Has this service applied every event the named producer committed before this call?
(`Runtime.caught_up`, which may wait a moment for it)"""


class Named(NamedTuple):
    """A subject a command names: its kind (`enterprise`, `officer`), its id, and the field naming it."""

    kind: str
    ident: str
    field: str


async def require_all_known(
    lookup: Callable[[], Awaitable[T]],
    missing: Callable[[T], Sequence[Named]],
    *,
    producer: str,
    caught_up: CaughtUp,
) -> T:
    """What `lookup` finds, once nothing the command names is `missing` from it; else the first missing
    one refused: not known yet while the producer's events may still arrive, unknown once they have."""
    found = await lookup()
    if not missing(found):
        return found
    settled = await caught_up(producer)
    if settled:
        found = await lookup()  # what was applied while we waited counts
    absent = missing(found)
    if not absent:
        return found
    kind, ident, field = absent[0]
    if settled:
        raise UnknownSubject(kind, ident, field=field)
    raise NotYetKnown(kind, ident, field=field)


async def require_found(
    lookup: Callable[[], Awaitable[T | None]],
    kind: str,
    ident: str,
    *,
    field: str,
    producer: str,
    caught_up: CaughtUp,
) -> T:
    """The one subject `lookup` reads (None: not in the projection), or its refusal (see `require_all_known`)."""

    def missing(found: T | None) -> list[Named]:
        return [Named(kind, ident, field)] if found is None else []

    found = await require_all_known(lookup, missing, producer=producer, caught_up=caught_up)
    assert found is not None
    return found


async def require_known(
    lookup: Callable[[], Awaitable[bool]],
    kind: str,
    ident: str,
    *,
    field: str,
    producer: str,
    caught_up: CaughtUp,
) -> None:
    """Refuse a command naming a subject that `lookup` says the projection does not hold."""

    def missing(known: bool) -> list[Named]:
        return [] if known else [Named(kind, ident, field)]

    await require_all_known(lookup, missing, producer=producer, caught_up=caught_up)
