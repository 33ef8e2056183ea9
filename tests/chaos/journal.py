"""What the chaos run sent and what came back: every HTTP attempt, grouped into logical commands.

Each attempt of a command carries a correlation id of its own (`X-Correlation-Id`): the events a command
records carry it, so the checker finds, for every attempt, exactly what it wrote. A logical command is
one thing the workload wanted done (one client-given id where the API takes one); it is sent again only
when nothing can have been written (connection refused, 503, a `not_yet_known` refusal) or when the
API makes a repeat harmless (the same id and content answers the first answer, or is refused).
"""

import dataclasses
import json
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

REFUSED = "refused"
"""No connection: nothing was sent (the service is down or not listening yet)."""
TIMEOUT = "timeout"
"""Sent, no answer within the client's bound."""
BROKEN = "broken"
"""Sent, the connection dropped before an answer (the service died under it)."""
CONNECT_TIMEOUT = "connect_timeout"
"""Could not even connect within the bound (a paused process whose backlog is full)."""


@dataclass
class Attempt:
    service: str
    method: str
    route: str
    started: float
    ended: float = 0.0
    status: int | None = None
    failure: str | None = None
    retry_after: str | None = None
    content_type: str = ""
    code: str | None = None
    correlation_id: uuid.UUID | None = None
    excerpt: str = ""
    probe: bool = False

    @property
    def answered(self) -> bool:
        return self.status is not None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class Command:
    key: str
    service: str
    kind: str
    retry_safe: bool
    body: dict[str, Any] = field(default_factory=dict)
    attempts: list[Attempt] = field(default_factory=list)
    answer: dict[str, Any] | None = None
    """The body of the 2xx answer, if one came."""

    @property
    def acknowledged(self) -> bool:
        return self.answer is not None

    @property
    def recorded_events(self) -> list[str]:
        """The event types the 2xx answer says the command recorded (none for a no-op)."""
        return list((self.answer or {}).get("events") or [])

    @property
    def correlation_ids(self) -> list[uuid.UUID]:
        return [a.correlation_id for a in self.attempts if a.correlation_id is not None]

    @property
    def final(self) -> Attempt | None:
        return self.attempts[-1] if self.attempts else None


@dataclass
class Journal:
    started: float = field(default_factory=time.monotonic)
    attempts: list[Attempt] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)

    def now(self) -> float:
        """Seconds since the run began: the clock of attempts and faults alike."""
        return time.monotonic() - self.started

    def statuses(self, *, probes: bool = False) -> Counter[str]:
        return Counter(
            str(a.status) if a.status is not None else str(a.failure) for a in self.attempts if a.probe == probes
        )

    def dump(self) -> str:
        """Every attempt as one JSON line (the evidence kept with a failed run's state)."""
        lines = []
        for command in self.commands:
            for a in command.attempts:
                lines.append(json.dumps({"command": command.key, "kind": command.kind, **_plain(a)}, default=str))
        lines.extend(json.dumps(_plain(a), default=str) for a in self.attempts if a.correlation_id is None)
        return "\n".join(lines) + "\n"

    def codes(self) -> Counter[str]:
        return Counter(f"{a.status} {a.code}" for a in self.attempts if a.status is not None and a.status >= 400)


def _plain(attempt: Attempt) -> dict[str, Any]:
    return dataclasses.asdict(attempt)
