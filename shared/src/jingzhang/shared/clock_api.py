"""`/clock`: the service's time, and (demo only) the bureau's driver moving it forward.

Mounted only when the settings ask for a controlled clock (`CLOCK_CONTROL` with `CLOCK_START`):
production has no such route (404). Moving the clock runs every periodic worker once at the new time
(see `ticks`); reading it says how many events are still on their way (`unsettled`), so a driver
can wait for every projection before it moves on, and whose events the service applies (`follows`),
so a driver that needs one service's projections current waits for those services only. A driver
that only asks whether anything is on its way (`quick`) has its answer at the first place something is:
while the services are busy that is one question to the database or JetStream, not one per consumer.
"""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from itertools import groupby

from fastapi import APIRouter, Depends, Query
from nats.js.client import JetStreamContext
from pydantic import AwareDatetime, BaseModel, Field

from jingzhang.shared.auth import Role
from jingzhang.shared.auth.http import require_roles
from jingzhang.shared.clock import ShiftedClock
from jingzhang.shared.errors import DomainRejected
from jingzhang.shared.runtime import Followed, Runtime, consumer_waiting
from jingzhang.shared.ticks import ClockMovedBack, Ticker

BEHIND_TOLERATED = timedelta(minutes=1)
"""A driver moving several services that share one clock (the tests) asks each for the same instant;
the clock has moved on a little since: that is no step back."""


class ClockReading(BaseModel):
    now: datetime
    unsettled: int = Field(description="events not yet published or applied by this service")
    follows: list[str] = Field(
        default_factory=list, description="the services whose events this service's projections apply"
    )


class ClockMove(BaseModel):
    now: AwareDatetime = Field(description="the instant the service reads from now on; only forward")


class ClockMoved(BaseModel):
    now: datetime
    passes: dict[str, int] = Field(description="what each periodic worker recorded at the new time")


def clock_router(clock: ShiftedClock, ticker: Ticker, runtime: Runtime) -> APIRouter:
    router = APIRouter(tags=["clock"], dependencies=[Depends(require_roles(Role.BUREAU, what="the demo clock"))])
    follows = sorted({service for projection in runtime.projections for service in projection.services()})

    async def backlog() -> int:
        return await runtime.relay.backlog() if runtime.relay is not None else 0

    async def quick_count() -> int:
        return await first_unsettled(backlog, runtime.nc.jetstream(), runtime.consumers)

    @router.get("/clock")
    async def read_clock(
        quick: bool = Query(
            False,
            description="stop counting at the first relay or consumer with something on its way: `unsettled`"
            " is then 0 exactly when the full count is, and a lower bound otherwise",
        ),
    ) -> ClockReading:
        unsettled = await quick_count() if quick else await runtime.unsettled()
        return ClockReading(now=clock.now(), unsettled=unsettled, follows=follows)

    @router.put("/clock")
    async def move_clock(body: ClockMove) -> ClockMoved:
        if not clock.advance_to(body.now) and clock.now() - body.now > BEHIND_TOLERATED:
            error = ClockMovedBack(body.now, clock.now())
            raise DomainRejected(str(error), field="now", code="clock_moved_back")
        return ClockMoved(now=clock.now(), passes=await ticker.run_all())

    return router


async def first_unsettled(
    backlog: Callable[[], Awaitable[int]], js: JetStreamContext, consumers: Sequence[Followed]
) -> int:
    """`Runtime.unsettled`, stopped at the first part that is not settled: the relay's backlog, then the
    consumers one source at a time (its partitions at once). 0 exactly when `unsettled` is 0; otherwise
    what that part has still to do."""
    waiting = await backlog()
    if waiting:
        return waiting
    by_source = sorted(consumers, key=lambda c: c.source_service)
    for _, group in groupby(by_source, key=lambda c: c.source_service):
        waiting = sum(1 if w is None else w for w in await asyncio.gather(*(consumer_waiting(js, c) for c in group)))
        if waiting:
            return waiting
    return 0
