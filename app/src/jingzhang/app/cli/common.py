"""What every command shares: the exit codes, the console, running async work, reaching the servers.

A command fails with one clear message and a distinct exit code: 2 bad input, 3 a server it cannot
reach, 4 the work itself failed, 5 an incompatible contract change.

Ops commands given no server URL (option or environment) use the local stack that `jingzhang up`
runs from its state directory (`--state-dir`, default `.state`), when one is running there.
"""

import asyncio
import os
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, ParamSpec, TypeVar

import typer
from rich.console import Console

from jingzhang.app.services import SERVICES
from jingzhang.app.services import projections as service_projections
from jingzhang.shared.projection import Projection

if TYPE_CHECKING:  # imported where used, so the CLI starts fast
    import asyncpg
    from nats.aio.client import Client as NATS

EXIT_BAD_INPUT = 2
EXIT_UNAVAILABLE = 3
EXIT_FAILED = 4
EXIT_INCOMPATIBLE = 5
EXIT_CODES = (
    "Exit codes: 0 done; 2 bad input, or a confirmation refused (nothing changed); 3 a server is"
    " unreachable; 4 the work itself failed; 5 an incompatible contract change."
)
LOCAL_NATS = "nats://127.0.0.1:4222"
DEFAULT_STATE_DIR = Path(".state")

ServiceName = Annotated[
    str, typer.Argument(metavar="SERVICE", help=f"One of: {', '.join(SERVICES)}", show_default=False)
]
NatsUrl = Annotated[
    str,
    typer.Option(
        envvar="NATS_URL",
        show_default=False,
        help=f"NATS server; default: the local stack in --state-dir when it runs, else {LOCAL_NATS}",
    ),
]
DatabaseUrl = Annotated[
    str,
    typer.Option(
        envvar="DATABASE_URL",
        show_default=False,
        help="The service's database; default: its database (jz_<service>) in the local stack in --state-dir",
    ),
]
StateDir = Annotated[
    Path,
    typer.Option(envvar="JZ_STATE_DIR", help="The local stack's state dir (`jingzhang up`), used when no URL is given"),
]
Yes = Annotated[bool, typer.Option("--yes", "-y", help="Confirm a destructive step without asking")]

console = Console(stderr=True, soft_wrap=True)  # one message, one line, whatever the width

T = TypeVar("T")
P = ParamSpec("P")


def check_service(service: str) -> str:
    if service not in SERVICES:
        console.print(f"[red]unknown service {service!r}[/red]: choose one of {', '.join(SERVICES)}")
        raise typer.Exit(EXIT_BAD_INPUT)
    return service


def projections(service: str) -> dict[str, Projection]:
    return {p.name: p for p in service_projections(service)}


def need_database(database_url: str) -> None:
    if not database_url:
        console.print("[red]DATABASE_URL (or --database-url) must name the service's database[/red]")
        raise typer.Exit(EXIT_BAD_INPUT)


def nats_url_or_local(nats_url: str, state_dir: Path) -> str:
    """The NATS URL given, else the running local stack's, else the usual local address."""
    if nats_url:
        return nats_url
    from jingzhang.app.cli.local import find

    found = find(state_dir).nats_url
    if found:
        console.print(f"[dim]using the local stack's NATS in {state_dir}: {found}[/dim]", highlight=False)
    return found or LOCAL_NATS


def database_url_or_local(database_url: str, service: str, state_dir: Path, *, keystore: bool = False) -> str:
    """The database URL given, else the service's database in the running local stack (and, with
    `keystore`, its key store where the environment names none); exits 2 when there is neither."""
    if database_url:
        return database_url
    from jingzhang.app.cli.local import find

    stack = find(state_dir)
    found = stack.database_url(service)
    if found is None:
        console.print(
            f"[red]DATABASE_URL (or --database-url) must name the service's database:"
            f" no local stack is running in {state_dir} (`jingzhang up`, or --state-dir)[/red]",
            highlight=False,
        )
        raise typer.Exit(EXIT_BAD_INPUT)
    console.print(f"[dim]using the local stack's PostgreSQL in {state_dir}[/dim]", highlight=False)
    if keystore:
        for name, value in stack.keystore_env().items():
            os.environ.setdefault(name, value)
    return found


def confirm(question: str, yes: bool) -> None:
    """Ask before a destructive step; without a terminal, only --yes confirms (else exit 2, nothing done)."""
    if yes:
        return
    import sys

    if not sys.stdin.isatty():
        console.print(f"[red]{question} Refused without --yes (no terminal to ask on).[/red]", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT)
    if not typer.confirm(question, default=False, err=True):
        console.print("nothing done.")
        raise typer.Exit(EXIT_BAD_INPUT)


def unavailable(exc: BaseException) -> typer.Exit:
    said = str(exc) or type(exc).__name__
    where = said if said.startswith(("NATS", "PostgreSQL", "no NATS")) else f"a server: {said}"
    console.print(f"[red]cannot reach {where}[/red]", highlight=False)
    return typer.Exit(EXIT_UNAVAILABLE)


def friendly(command: "Callable[P, None]") -> "Callable[P, None]":
    """`command` failing with one line and its exit code (3 unreachable, 4 otherwise), never a traceback."""
    import functools

    import click

    @functools.wraps(command)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            command(*args, **kwargs)
        except (typer.Exit, typer.Abort, click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise  # the command's own answer
        except Exception as exc:
            if is_unreachable(exc):
                raise unavailable(exc) from exc
            raise failed(command.__name__, exc) from exc

    return guarded


def failed(what: str, exc: BaseException) -> typer.Exit:
    console.print(f"[red]{what} failed: {exc or type(exc).__name__}[/red]")
    return typer.Exit(EXIT_FAILED)


def is_unreachable(exc: BaseException) -> bool:
    """Connection failures (servers down or wrong address), as opposed to failures of the work itself."""
    import nats.errors

    unreachable = (OSError, TimeoutError, nats.errors.NoServersError, nats.errors.ConnectionClosedError)
    return isinstance(exc, unreachable) or "connection" in type(exc).__name__.lower()


def run(what: str, work: "Coroutine[object, object, T]") -> T:
    """Run `work`; unreachable servers exit 3, any other failure exits 4, both with a clear message."""
    try:
        return asyncio.run(work)
    except typer.Exit:
        raise
    except Exception as exc:
        if is_unreachable(exc):
            raise unavailable(exc) from exc
        raise failed(what, exc) from exc


async def connect_nats(url: str) -> "NATS":
    import nats

    async def quiet(_: Exception) -> None:  # failures surface as one clear message, not tracebacks
        return None

    try:
        return await asyncio.wait_for(
            nats.connect(url, connect_timeout=3, max_reconnect_attempts=1, error_cb=quiet), timeout=8
        )
    except TimeoutError as exc:
        raise ConnectionError(f"no NATS server answered at {url}") from exc
    except Exception as exc:
        raise ConnectionError(f"NATS at {url}: {exc}") from exc


async def pg_pool(url: str, size: int) -> "asyncpg.Pool":
    import asyncpg

    try:
        return await asyncpg.create_pool(url, min_size=1, max_size=size, timeout=5)
    except (OSError, TimeoutError) as exc:
        where = url.rsplit("@", 1)[-1]  # never print the password
        raise ConnectionError(f"PostgreSQL at {where}: {exc}") from exc
