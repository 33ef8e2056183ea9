"""Only facts about someone count: a command naming an enterprise or officer must name one that exists.

A service knows another service's subjects from its own projection of their events, which may lag
by a moment: an enterprise registered in assignment an instant ago is not in appeals' projection
yet. So an id the projection lacks is refused in one of two ways: while the producer's events are
still on their way, `NotYetKnown` (409, `Retry-After`: retry the same command); once this service has
applied everything published, `UnknownSubject` (422 naming the field: nobody by that id exists).
"""

from collections.abc import Awaitable, Callable

from jingzhang.shared.errors import NotYetKnown, UnknownSubject

CaughtUp = Callable[[str], Awaitable[bool]]
"""Has this service applied everything the named producer published? (`Runtime.caught_up`)"""


async def require_known(known: bool, kind: str, ident: str, *, field: str, producer: str, caught_up: CaughtUp) -> None:
    if known:
        return
    if await caught_up(producer):
        raise UnknownSubject(kind, ident, field=field)
    raise NotYetKnown(kind, ident, field=field)
