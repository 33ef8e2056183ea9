"""What every command shares: the exit codes, the console, running async work, reaching the servers.

A command fails with one clear message and a distinct exit code: 2 bad input, 3 a server it cannot
reach, 4 the work itself failed, 5 an incompatible contract change.
"""

import asyncio
from collections.abc import Coroutine
from typing import TYPE_CHECKING, TypeVar

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

console = Console(stderr=True)

T = TypeVar("T")


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


def unavailable(exc: BaseException) -> typer.Exit:
    console.print(f"[red]cannot reach {exc or type(exc).__name__}[/red]", highlight=False)
    return typer.Exit(EXIT_UNAVAILABLE)


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
