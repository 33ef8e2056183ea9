"""Figure 7 reads a round's CPU once the processes are idle again (`bench.web.quiet`)."""

import time

from bench.web import QUIET_SHARE, quiet


class Busy:
    """A CPU meter that climbs by `burst` seconds per reading for `readings` readings, then stays."""

    def __init__(self, readings: int, burst: float) -> None:
        self.left = readings
        self.burst = burst
        self.total = 0.0
        self.read = 0

    def __call__(self) -> float:
        self.read += 1
        if self.left > 0:
            self.left -= 1
            self.total += self.burst
        return self.total


async def test_it_waits_while_any_process_still_works_then_returns_once_all_are_idle() -> None:
    server, database = Busy(readings=6, burst=0.01), Busy(readings=2, burst=0.01)  # a core's 100 % at step 0.01
    assert QUIET_SHARE < 1.0  # a burst of a whole step per step is work
    started = time.monotonic()
    await quiet([server, database], limit=5.0, step=0.01)
    assert (server.left, database.left) == (0, 0)  # it waited out every busy reading of both
    assert server.read == 7  # the first, five more busy ones, then one unchanged: idle
    assert time.monotonic() - started < 4.0  # returned on idleness, not at the limit


async def test_it_gives_up_after_its_limit() -> None:
    endless = Busy(readings=10**9, burst=1.0)
    started = time.monotonic()
    await quiet([endless], limit=0.2, step=0.01)
    assert time.monotonic() - started < 2.0
