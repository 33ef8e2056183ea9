"""`/clock`: the service's time, and (demo only) the bureau's driver moving it forward.

Mounted only when the settings ask for a controlled clock (`CLOCK_CONTROL` with `CLOCK_START`):
production has no such route (404). Moving the clock runs every periodic worker once at the new time
(see `ticks`); reading it says how many events are still on their way (`unsettled`), so a driver
can wait for every projection before it moves on.
"""

from datetime import datetime, timedelta

from fastapi import APIRouter, Depends
from pydantic import AwareDatetime, BaseModel, Field

from jingzhang.shared.auth import Role
from jingzhang.shared.auth.http import require_roles
from jingzhang.shared.clock import ShiftedClock
from jingzhang.shared.errors import DomainRejected
from jingzhang.shared.runtime import Runtime
from jingzhang.shared.ticks import ClockMovedBack, Ticker

BEHIND_TOLERATED = timedelta(minutes=1)
"""A driver moving several services that share one clock (the tests) asks each for the same instant;
the clock has moved on a little since: that is no step back."""


class ClockReading(BaseModel):
    now: datetime
    unsettled: int = Field(description="events not yet published or applied by this service")


class ClockMove(BaseModel):
    now: AwareDatetime = Field(description="the instant the service reads from now on; only forward")


class ClockMoved(BaseModel):
    now: datetime
    passes: dict[str, int] = Field(description="what each periodic worker recorded at the new time")


def clock_router(clock: ShiftedClock, ticker: Ticker, runtime: Runtime) -> APIRouter:
    router = APIRouter(tags=["clock"], dependencies=[Depends(require_roles(Role.BUREAU, what="the demo clock"))])

    @router.get("/clock")
    async def read_clock() -> ClockReading:
        return ClockReading(now=clock.now(), unsettled=await runtime.unsettled())

    @router.put("/clock")
    async def move_clock(body: ClockMove) -> ClockMoved:
        if not clock.advance_to(body.now) and clock.now() - body.now > BEHIND_TOLERATED:
            error = ClockMovedBack(body.now, clock.now())
            raise DomainRejected(str(error), field="now", code="clock_moved_back")
        return ClockMoved(now=clock.now(), passes=await ticker.run_all())

    return router
