"""The local stack's supervisor, over children of our own (no processes): order, restarts with back-off,
giving up loudly, stopping every child whatever state it is in. `tests/e2e/test_supervisor.py` proves
the same with `up` and real processes."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from jingzhang.app.supervisor import Backoff, State, Supervisor, describe_exit

QUICK = Backoff(first=0.01, cap=0.05, give_up_after=3, stable_after=60)


@dataclass
class Fake:
    """A child that runs until `die()`, or dies at once `crashing` times after a start."""

    name: str
    crashing: int = 0
    log_path: Path = Path("/tmp/fake.log")
    address: str = "fake://"
    starts: int = 0
    alive: bool = False
    status: int | None = None
    events: list[str] = field(default_factory=list)

    def start(self) -> None:
        self.starts += 1
        self.alive = self.starts > self.crashing
        self.status = None if self.alive else 1

    def pid(self) -> int | None:
        return 1000 + self.starts

    def running(self) -> bool:
        return self.alive

    def exit_status(self) -> int | None:
        return self.status

    def ready(self) -> bool:
        return self.alive

    def die(self, status: int = -9) -> None:
        self.alive, self.status = False, status

    def stop(self) -> None:
        self.events.append(f"stop {self.name}")
        self.alive = False


def until(condition: Callable[[], bool], within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "condition not met"
        time.sleep(0.01)


def test_children_start_in_order_and_one_that_dies_is_restarted_and_said_so() -> None:
    said: list[str] = []
    first, second = Fake("nats-server"), Fake("assignment")
    supervisor = Supervisor([first], said.append, QUICK, poll=0.01)
    supervisor.add(second)
    supervisor.start()
    try:
        assert supervisor.wait_ready(5)
        second.die()
        until(lambda: second.starts == 2 and supervisor.table["assignment"].state is State.READY)
    finally:
        supervisor.stop()
    assert any("assignment died" in s and "killed by SIGKILL" in s and "/tmp/fake.log" in s for s in said), said
    assert any("assignment is ready again" in s for s in said), said
    assert supervisor.table["assignment"].restarts == 1
    assert first.starts == 1


def test_a_child_that_keeps_crashing_is_given_up_loudly_and_the_rest_keeps_running() -> None:
    said: list[str] = []
    steady, broken = Fake("nats-server"), Fake("patrols", crashing=99)
    supervisor = Supervisor([steady, broken], said.append, QUICK, poll=0.01)
    supervisor.start()
    try:
        assert not supervisor.wait_ready(5)  # False as soon as one is given up
        assert supervisor.table["patrols"].state is State.GAVE_UP
        assert broken.starts == QUICK.give_up_after
        assert supervisor.table["nats-server"].state is State.READY
    finally:
        supervisor.stop()
    assert any("given up" in s and "3 times in a row" in s for s in said), said


def test_stop_reaches_every_child_the_last_added_first_whatever_its_state() -> None:
    order: list[str] = []
    server, waiting, broken = Fake("postgresql"), Fake("appeals"), Fake("evaluation", crashing=99)
    for child in (server, waiting, broken):
        child.events = order
    supervisor = Supervisor([server], lambda _: None, Backoff(first=30, give_up_after=5), poll=0.01)
    supervisor.add(waiting, broken)
    supervisor.start()
    until(lambda: supervisor.table["evaluation"].state is State.WAITING)  # waiting 30 s to restart
    supervisor.stop()
    assert sorted(order[:2]) == ["stop appeals", "stop evaluation"]
    assert order[2:] == ["stop postgresql"]
    assert {e.state for e in supervisor.table.values()} == {State.STOPPED}


def test_back_off_doubles_up_to_its_cap_and_exits_are_described() -> None:
    backoff = Backoff(first=0.5, cap=30)
    assert [backoff.delay(n) for n in range(1, 9)] == [0.5, 1, 2, 4, 8, 16, 30, 30]
    assert describe_exit(-9) == "killed by SIGKILL"
    assert describe_exit(3) == "exit status 3"
    assert describe_exit(None) == "exit status unknown"
