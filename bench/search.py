"""The search for the highest offered rate a pipeline keeps up with (figure 5), as plain logic.

A `Search` proposes the next rate to offer and is told whether the pipeline kept up:
- up: from the start rate, +25 % a step while every step holds;
- down: if the start rate fails before anything held, halve it until one holds, but never below the
  floor (when even the floor fails, nothing was sustained and the answer is 0);
- bisect: once a rate held and a higher one failed, offer their geometric mean until the two are
  within `precision` of each other (or the step budget is spent).
The answer is the highest rate that held, and a rate that held is never reported as 0.

It holds no clock and runs nothing, so several searches can be stepped in alternation (ours, the
naive pipeline, ours, …) and the logic is tested without servers (tests/bench/test_search.py).
"""

import math
from dataclasses import dataclass, field


@dataclass
class Search:
    start: float
    floor: float = 50.0
    max_steps: int = 12
    grow: float = 1.25
    precision: float = 1.1
    held: float | None = None  # highest rate kept up
    failed: float | None = None  # lowest rate that fell behind
    steps: list[tuple[float, bool]] = field(default_factory=list)
    _next: float = 0.0

    def __post_init__(self) -> None:
        if self.floor <= 0 or self.start <= 0:
            raise ValueError("rates must be positive")
        self._next = max(self.start, self.floor)

    @property
    def done(self) -> bool:
        if len(self.steps) >= self.max_steps:
            return True
        if self.held is None:
            # nothing held yet: finished only once the floor itself fell behind
            return self.failed is not None and self.failed <= self.floor
        if self.failed is None:
            return False
        return self.failed / self.held <= self.precision

    def next_rate(self) -> float:
        if self.done:
            raise RuntimeError("the search is over")
        return self._next

    def record(self, rate: float, ok: bool) -> None:
        self.steps.append((rate, ok))
        if ok:
            self.held = rate if self.held is None else max(self.held, rate)
        else:
            self.failed = rate if self.failed is None else min(self.failed, rate)
        if self.failed is None:
            self._next = rate * self.grow
        elif self.held is None:
            self._next = max(self.floor, rate / 2)
        else:
            self._next = math.sqrt(self.held * self.failed)

    @property
    def best(self) -> float:
        """The highest rate that held; 0 only when even the floor fell behind (or nothing ran)."""
        return self.held or 0.0
