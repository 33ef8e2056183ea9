"""`up` runs the whole system on one machine (with `--demo`, a year of data); `serve` runs one service."""

import asyncio
import os
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from jingzhang.app.cli.common import EXIT_BAD_INPUT, EXIT_UNAVAILABLE, check_service, console
from jingzhang.app.services import SERVICES, app_factory

if TYPE_CHECKING:  # imported where used, so the CLI starts fast
    from jingzhang.app.stack import Stack

# the demo year is 2025: the services start on its first morning with a controlled clock, which the
# demo moves through the year day by day; afterwards their clocks run on with real time from there
DEMO_CLOCK_START = "2025-01-01T08:00:00+08:00"
DEMO_SETTINGS = {"CLOCK_START": DEMO_CLOCK_START, "CLOCK_CONTROL": "true"}


def up(
    state_dir: Annotated[Path, typer.Option(envvar="JZ_STATE_DIR", help="Where embedded servers keep data")] = Path(
        ".state"
    ),
    seconds: Annotated[float, typer.Option(help="Stop by itself after this many seconds (0: run until Ctrl-C)")] = 0,
    port_base: Annotated[
        int,
        typer.Option(
            envvar="JZ_PORT_BASE",
            min=1024,
            max=65000,
            help="The console listens on base, the services on base+1 … base+5, the local sinks on base+20",
        ),
    ] = 8100,
    demo: Annotated[
        bool, typer.Option(help="Load a year (2025) of demo data shaped like the report, once per state dir")
    ] = False,
) -> None:
    """Run the whole system: embedded NATS and PostgreSQL unless NATS_URL / DATABASE_URL are set.

    Supervised: a process that dies is reported and started again (given up after repeated crashes);
    one `up` per state dir; Ctrl-C or SIGTERM stops every process it started."""
    from jingzhang.app.stack import Stack, StackRunning, local_partitions

    try:
        local_partitions()  # PARTITIONS, if set, before anything starts
    except ValueError as exc:
        console.print(f"[red]refused:[/red] {exc}", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    stack = Stack(state_dir.resolve(), os.environ.get("NATS_URL"), os.environ.get("DATABASE_URL"))
    stack.ports = {service: port_base + i for i, service in enumerate(SERVICES, start=1)}
    stack.sink_port = port_base + 20
    stack.console_port = port_base
    stack.say = console.print
    try:
        stack.claim()  # before anything starts: a second `up` on this state dir writes nothing
    except StackRunning as running:
        console.print(f"[red]refused:[/red] {running}")
        raise typer.Exit(EXIT_UNAVAILABLE) from None
    if demo:
        for name, value in DEMO_SETTINGS.items():
            os.environ.setdefault(name, value)
    signal.signal(signal.SIGTERM, _interrupt)  # as Ctrl-C, wherever the main thread is (the demo too)
    try:
        busy = stack.busy_ports()
        if busy:
            console.print(
                f"[red]refused:[/red] ports {', '.join(map(str, busy))} are taken; choose another --port-base"
            )
            raise typer.Exit(EXIT_UNAVAILABLE)
        _run_stack(stack, demo)
        threading.Event().wait(seconds or None)
    except KeyboardInterrupt:
        pass
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):  # a second Ctrl-C must not cut the stopping short
            signal.signal(signum, signal.SIG_IGN)
        console.print("stopping services and servers …")
        stack.stop()
        console.print("stopped.")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def serve(service: str) -> None:
    """Run one service (settings from the environment: NATS_URL, DATABASE_URL, HTTP_HOST, HTTP_PORT, …)."""
    from jingzhang.shared.serve import serve as serve_app

    serve_app(app_factory(check_service(service)))


def _run_stack(stack: "Stack", demo: bool) -> None:
    """Servers, streams, the services, all supervised; then the demo year if asked and not loaded yet."""
    logs = stack.state_dir / "logs"
    if not stack.start_servers():
        _print_stack(stack, logs)
        raise typer.Exit(EXIT_UNAVAILABLE)
    for line in asyncio.run(stack.prepare()):
        console.print(f"JetStream: {line}")
    logs.mkdir(exist_ok=True)
    ready = stack.start_services(logs)
    _print_stack(stack, logs)
    stack.on_change = lambda: _print_table(stack, "jingzhang: a process died or came back")
    if not all(ready.values()):
        raise typer.Exit(EXIT_UNAVAILABLE)
    if demo:
        _load_demo(stack)


def _print_stack(stack: "Stack", logs: Path) -> None:
    _print_table(stack, "jingzhang is running (Ctrl-C stops everything)")
    console.print(f"NATS: {stack.nats_url}   PostgreSQL: {stack.database_url}")
    console.print(f"logs: {logs} (services), {stack.state_dir / 'nats'}, {stack.state_dir / 'postgres' / 'log'}")
    console.print(f"OpenAPI: {stack.url(SERVICES[0])}/docs (each service's address + /docs)")
    console.print(
        f"console 控制台: {stack.console_url} (local sign-in: {stack.console_url}/dev-login?role=bureau;"
        " docs/console.md)"
    )
    console.print(
        f"notifications: the local WeCom robot and SMS gateway at {stack.sinks_url} write what would have"
        f" been sent to {stack.sinks_dir} (wecom/<enterprise>.jsonl, sms.jsonl); docs/notifications.md"
    )
    console.print(
        "Every API needs a bearer token: "
        f"TOKEN=$(./jz token issue --role bureau --key-file {stack.signing_key_file}); "
        'curl -H "Authorization: Bearer $TOKEN" ' + f"{stack.url('evaluation')}/figures"
    )


def _print_table(stack: "Stack", title: str) -> None:
    table = Table(title=title)
    for column in ("process", "address", "pid", "state", "restarts", "last exit"):
        table.add_column(column, overflow="fold")
    entries = stack.supervisor.table.values() if stack.supervisor is not None else []
    for entry in list(entries):
        child, state = entry.child, entry.state.value
        shown = state if state == "ready" else f"[red]{state}[/red]"
        table.add_row(child.name, child.address, str(child.pid() or "-"), shown, str(entry.restarts), entry.last_exit)
    console.print(table)


def _load_demo(stack: "Stack") -> None:
    from jingzhang.app.demo import DemoError, align_clocks, generate
    from jingzhang.app.demo.commands import BUREAU_TZ

    marker = stack.state_dir / "demo-loaded"
    token = os.environ.get("JZ_TOKEN") or _demo_token(stack)
    if marker.exists():
        console.print(f"demo data already loaded into {stack.state_dir}")
        try:  # a restarted service resumes at its own latest event: put them back on one time
            now = asyncio.run(align_clocks({s: stack.url(s) for s in SERVICES}, token))
            console.print(f"the services' clocks read {now.astimezone(BUREAU_TZ).isoformat()} (bureau time)")
        except DemoError as exc:
            console.print(f"the services' clocks were left as they are: {exc}")
        return
    console.print("driving the services through a year (2025) of demo work, day by day, through their APIs …")
    try:
        summary = asyncio.run(
            generate(
                {s: stack.url(s) for s in SERVICES},
                progress=lambda m: console.print(m),
                wait_timeout=600,
                token=token,
                group_sinks=stack.sinks_url,  # each enterprise's WeChat group: the local robot sink
            )
        )
    except DemoError as exc:
        console.print(f"[red]the demo year was not loaded:[/red] {exc}")
        console.print(
            f"(the demo needs services that hold nothing yet: run `up --demo` with an empty --state-dir,"
            f" not {stack.state_dir})"
        )
        return
    marker.write_text(summary.plan_digest)
    status = "matches the report" if summary.matched else f"differs: {summary.mismatches()}"
    published = "published" if summary.published else "not published"
    console.print(
        f"demo loaded in {summary.elapsed_seconds} s ({summary.steps} steps through the year); figure table for"
        f" {summary.year} {status}; ranking {published} ({summary.models} models, {summary.laggards} laggards"
        f" of {summary.ranked_officers} ranked); the services' clocks run on from the year's end. See"
        f" {stack.url('evaluation')}/figures?from=2025-01-01&to=2026-01-01 and /rankings/2025, or the console:"
        f" http://{stack.host}:{stack.console_port}/dev-login?role=bureau, then"
        f" /overview?from=2025-01-01&to=2026-01-01"
    )


def _demo_token(stack: "Stack") -> str:
    """A bureau token for the generator, signed with the stack's local key."""
    from datetime import UTC, datetime, timedelta

    from jingzhang.shared.auth import Principal, Role

    principal = Principal(subject="demo-generator", role=Role.BUREAU)
    return stack.signing_key().issue(principal, datetime.now(UTC), timedelta(hours=2))
