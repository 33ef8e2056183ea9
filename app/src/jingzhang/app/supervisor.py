"""The local stack's supervisor: it starts its children in order, restarts one that dies, and stops them all.

Generic over its children: anything that can start, say whether it runs, how it ended, whether it is
ready, and stop (`Child`) is supervised the same way: nats-server, PostgreSQL, the services, a web app.
A child that dies is reported (exit status and log) and started again after a back-off that doubles
with each crash in a row (`Backoff`); after `Backoff.give_up_after` crashes in a row it is left dead and
said so loudly. A child that stayed ready for `Backoff.stable_after` seconds starts its count afresh.

Readiness talks to the process we started, never to whatever answers on a port: a service reports the
per-start token it was given (`INSTANCE_ID`) on `/health/live`; a plain server must hold the listening
socket itself (`holds_listening_port`).
"""

import contextlib
import os
import secrets
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Protocol

STOP_WAIT = 15.0
START_WAIT = 120.0  # a child not ready this long after its start counts as a crash


class Child(Protocol):
    """One supervised process."""

    name: str
    log_path: Path
    address: str

    def start(self) -> None: ...

    def pid(self) -> int | None: ...

    def running(self) -> bool: ...

    def exit_status(self) -> int | None:
        """How it ended (negative: the signal that killed it); None while it runs or when nobody can tell."""
        ...

    def ready(self) -> bool: ...

    def stop(self) -> None: ...


@dataclass
class ProcessChild:
    """A process we spawn ourselves, in a session of its own: a terminal's Ctrl-C reaches only the
    supervisor, which stops its children in order. `probe` says whether this very process is ready."""

    name: str
    argv: list[str]
    log_path: Path
    address: str
    probe: Callable[["ProcessChild"], bool]
    env: dict[str, str] | None = None
    process: subprocess.Popen[bytes] | None = None
    instance: str = ""

    def start(self) -> None:
        self.instance = secrets.token_hex(8)
        env = {**(os.environ if self.env is None else self.env), "INSTANCE_ID": self.instance}
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def exit_status(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def ready(self) -> bool:
        return self.running() and self.probe(self)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGCONT)  # a stopped process would never see the SIGTERM
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(STOP_WAIT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def holds_listening_port(pid: int, port: int) -> bool | None:
    """Whether process `pid` holds the listening TCP socket on `port` (Linux `/proc`); None where `/proc`
    cannot tell."""
    tables = [Path("/proc/net/tcp"), Path("/proc/net/tcp6")]
    if not tables[0].exists():
        return None
    listening: set[str] = set()
    for table in tables:
        with contextlib.suppress(OSError):
            for line in table.read_text().splitlines()[1:]:
                fields = line.split()
                if len(fields) > 9 and fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                    listening.add(f"socket:[{fields[9]}]")
    try:
        descriptors = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return False
    for fd in descriptors:
        with contextlib.suppress(OSError):
            if os.readlink(fd) in listening:
                return True
    return False


def describe_exit(status: int | None) -> str:
    if status is None:
        return "exit status unknown"
    if status < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-status).name}"
        return f"killed by signal {-status}"
    return f"exit status {status}"


@dataclass(frozen=True)
class Backoff:
    first: float = 0.5
    cap: float = 30.0
    give_up_after: int = 5
    stable_after: float = 60.0

    def delay(self, crashes: int) -> float:
        return float(min(self.cap, self.first * 2 ** max(0, crashes - 1)))


class State(StrEnum):
    PENDING = "pending"
    STARTING = "starting"
    READY = "ready"
    WAITING = "restarting"
    GAVE_UP = "gave up"
    STOPPED = "stopped"


@dataclass
class Supervised:
    child: Child
    batch: int = 0
    state: State = State.PENDING
    starts: int = 0
    crashes: int = 0  # in a row
    last_exit: str = ""
    since: float = 0.0
    restart_at: float = 0.0

    @property
    def restarts(self) -> int:
        return max(0, self.starts - 1)

    @property
    def first_start(self) -> bool:
        return self.state is State.PENDING or (self.state is State.STARTING and self.starts == 1)


Say = Callable[[str], None]


@dataclass
class Supervisor:
    """Starts children in the order given (each once the ones before it are ready), watches and restarts
    them from a thread, stops them in reverse order.

    Only the watching thread starts children, so a signal handled by the main thread (Ctrl-C) never
    interrupts a start half-way; `stop` then waits for that thread before stopping every child."""

    children: list[Child]
    say: Say
    backoff: Backoff = field(default_factory=Backoff)
    on_change: Callable[[], None] | None = None  # a child is ready again after a restart, or was given up
    poll: float = 0.25
    table: dict[str, Supervised] = field(default_factory=dict, init=False)
    _stopping: threading.Event = field(default_factory=threading.Event, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.table = {c.name: Supervised(c) for c in self.children}  # one batch

    def add(self, *children: Child) -> None:
        """Supervise more children from now on, each started once the ones before it are up; children
        added together are stopped together, after those added later."""
        with self._lock:
            batch = 1 + max((e.batch for e in self.table.values()), default=0)
            for child in children:
                self.children.append(child)
                self.table[child.name] = Supervised(child, batch=batch)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._watch, name="supervisor", daemon=True)
            self._thread.start()

    def wait_ready(self, within: float = START_WAIT) -> bool:
        """Whether every child is ready within `within` seconds (False as soon as one is given up)."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            states = [e.state for e in list(self.table.values())]
            if all(s is State.READY for s in states):
                return True
            if any(s is State.GAVE_UP for s in states) or self._stopping.is_set():
                return False
            time.sleep(self.poll)
        return False

    def _watch(self) -> None:
        while not self._stopping.is_set():
            self.step()
            self._stopping.wait(self.poll)

    def step(self) -> None:
        """One look at every child: notice deaths, start or restart when due, notice readiness."""
        with self._lock:
            earlier_starting = False
            for entry in list(self.table.values()):
                if self._stopping.is_set():
                    return
                self._step(entry, time.monotonic(), earlier_starting)
                earlier_starting = earlier_starting or entry.first_start

    def _step(self, entry: Supervised, now: float, earlier_starting: bool) -> None:
        child = entry.child
        if entry.state is State.PENDING and not earlier_starting:
            self._launch(entry)
        elif entry.state in (State.STARTING, State.READY) and not child.running():
            self._died(entry, child.exit_status(), now)
        elif entry.state is State.STARTING and child.ready():
            entry.state, entry.since = State.READY, now
            if entry.restarts:
                self.say(f"{child.name} is ready again (pid {child.pid()}, restart {entry.restarts})")
                self._changed()
        elif entry.state is State.STARTING and now - entry.since > START_WAIT:
            self.say(f"{child.name} (pid {child.pid()}) not ready after {START_WAIT:.0f} s: stopping it")
            child.stop()
            self._died(entry, child.exit_status(), now)
        elif entry.state is State.READY and entry.crashes and now - entry.since > self.backoff.stable_after:
            entry.crashes = 0
        elif entry.state is State.WAITING and now >= entry.restart_at:
            self._launch(entry)

    def _died(self, entry: Supervised, status: int | None, now: float) -> None:
        child = entry.child
        entry.crashes += 1
        entry.last_exit = describe_exit(status)
        if entry.crashes >= self.backoff.give_up_after:
            entry.state = State.GAVE_UP
            self.say(
                f"[bold red]{child.name} died ({entry.last_exit}) {entry.crashes} times in a row: given up,"
                f" the rest keeps running[/bold red]; see {child.log_path}"
            )
            self._changed()
            return
        delay = self.backoff.delay(entry.crashes)
        entry.state, entry.restart_at = State.WAITING, now + delay
        self.say(
            f"[red]{child.name} died[/red] (pid {child.pid()}, {entry.last_exit}); restarting in {delay:g} s"
            f" (crash {entry.crashes} in a row, given up at {self.backoff.give_up_after}); log: {child.log_path}"
        )

    def _launch(self, entry: Supervised) -> None:
        entry.state, entry.since = State.STARTING, time.monotonic()
        entry.starts += 1
        try:
            entry.child.start()
        except Exception as exc:  # a start that fails is a crash like any other: retried, then given up
            self.say(f"[red]{entry.child.name} did not start[/red]: {exc}")
            self._died(entry, None, time.monotonic())
            return
        if entry.restarts:
            self.say(f"{entry.child.name} restarted (pid {entry.child.pid()}, restart {entry.restarts})")

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    def stop(self) -> None:
        """Every child, whatever state each is in, also one the watcher was starting: the last batch
        added first, the children of one batch at once (a slow one does not hold up the others)."""
        self._stopping.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(STOP_WAIT * 2)
        held = self._lock.acquire(timeout=STOP_WAIT)
        try:
            for batch in sorted({e.batch for e in self.table.values()}, reverse=True):
                entries = [e for e in self.table.values() if e.batch == batch]
                stoppers = [threading.Thread(target=_stop_quietly, args=(e.child,)) for e in entries]
                for stopper in stoppers:
                    stopper.start()
                for stopper in stoppers:
                    stopper.join()
                for entry in entries:
                    entry.state = State.STOPPED
        finally:
            if held:
                self._lock.release()


def _stop_quietly(child: Child) -> None:
    with contextlib.suppress(Exception):  # one child failing to stop must not spare the others
        child.stop()
