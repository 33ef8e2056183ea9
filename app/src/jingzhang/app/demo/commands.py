"""One HTTP command of the demo, and the bureau's clock face its times are written in."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

BUREAU_TZ = timezone(timedelta(hours=8), "CST")
"""The bureau's time zone (China has kept UTC+8 without daylight saving since 1991)."""

NOT_YET = ("stale_version",)
"""409 codes that mean "try again": a worker appended to the same stream between our read and write."""


@dataclass(frozen=True, slots=True)
class Command:
    """A POST to `path` of `service`. `retry`: 409/404 codes meaning "not yet" (another service's
    projection has not caught up); `done`: 409 codes meaning it already happened (a retried request)."""

    service: str
    path: str
    body: dict[str, Any]
    retry: tuple[str, ...] = NOT_YET
    done: tuple[str, ...] = ()


Chain = tuple[Command, ...]
"""Commands run in order (an enterprise's chiefs, an appeal's life); chains run concurrently."""


def at(day: date, clock: time) -> str:
    """An ISO timestamp of `clock` on `day`, bureau time."""
    return datetime.combine(day, clock, BUREAU_TZ).isoformat()
