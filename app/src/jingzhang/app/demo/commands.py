"""One HTTP command of the demo, and the bureau's clock face its times are written in."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

BUREAU_TZ = timezone(timedelta(hours=8), "CST")
"""The bureau's time zone (China has kept UTC+8 without daylight saving since 1991)."""

NOT_YET = ("stale_version",)
"""409 codes that mean "try again": a worker appended to the same stream between our read and write
(`runner.NOT_YET_ANYWHERE` lists the codes every command retries)."""


@dataclass(frozen=True, slots=True)
class Command:
    """A POST to `path` of `service`. `retry`: 409/404 codes meaning "not yet" (another service's
    projection has not caught up); `done`: 409 codes meaning it already happened (a retried request);
    `refused`: the codes of the 409 the plan expects, for a command the rules must turn down;
    `settled`: sent only once its service has applied everything recorded before it, in it and in every
    service whose events it applies, transitively, and their periodic passes have run on that (what it
    does depends on another service's projections: an appeal routed to whoever acts, a spot check drawn
    from the enterprises known, the ranking computed from everything; see `runner.Runner.behind`)."""

    service: str
    path: str
    body: dict[str, Any]
    retry: tuple[str, ...] = NOT_YET
    done: tuple[str, ...] = ()
    refused: tuple[str, ...] = ()
    settled: bool = False


Chain = tuple[Command, ...]
"""Commands run in order (an enterprise's chiefs, a day of an appeal's life); chains run concurrently."""


def at(day: date, clock: time) -> str:
    """An ISO timestamp of `clock` on `day`, bureau time."""
    return instant(day, clock).isoformat()


def instant(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, BUREAU_TZ)
