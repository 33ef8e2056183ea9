"""A replay's progress: a bar with events/s and ETA on a terminal, a plain line every few seconds otherwise."""

import time

from rich.progress import ProgressColumn, Task
from rich.text import Text

from jingzhang.app.cli.common import console


class ReplayProgress:
    """Shows one projection's rebuild; `update` is the `progress` callback of `shared.replay.rebuild`."""

    def __init__(self, name: str, *, quiet: bool = False, every: float = 2.0) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.name = name
        self.quiet = quiet
        self.every = every
        self._last_line = 0.0
        self._bar: Progress | None = None
        if not quiet and console.is_terminal:
            self._bar = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                _RateColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=console,
            )
            self._task = self._bar.add_task(name, total=None)

    def __enter__(self) -> "ReplayProgress":
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, *_: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def update(self, read: int, pending: int) -> None:
        if self.quiet:
            return
        if self._bar is not None:
            self._bar.update(self._task, completed=read, total=read + pending)
            return
        now = time.monotonic()
        if now - self._last_line >= self.every or not pending:
            self._last_line = now
            console.print(f"{self.name}: {read} read, {pending} pending", highlight=False)


class _RateColumn(ProgressColumn):
    """Events per second (rich's TransferSpeedColumn speaks bytes)."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} events/s" if speed else "- events/s", style="progress.data.speed")
