"""`jingzhang`: the one entry point for running and operating the system.

One module per command group; this one puts them together. The exit codes are part of the interface
(scripts tell bad input from an unreachable server from failed work): see `common`.
"""

from typing import Annotated

import typer

from jingzhang.app.cli import contract, parked, privacy, replay, stack, streams, tokens
from jingzhang.app.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_CODES,
    EXIT_FAILED,
    EXIT_INCOMPATIBLE,
    EXIT_UNAVAILABLE,
    friendly,
)
from jingzhang.app.services import SERVICES

__all__ = ["EXIT_BAD_INPUT", "EXIT_FAILED", "EXIT_INCOMPATIBLE", "EXIT_UNAVAILABLE", "app", "main"]

app = typer.Typer(
    help=(
        "jingzhang: police chief for every enterprise (警长制), event-sourced on NATS JetStream.\n\n"
        f"Services: {', '.join(SERVICES)}. Ops commands given no NATS_URL / DATABASE_URL use the local"
        " stack running in --state-dir (default .state)."
    ),
    epilog=EXIT_CODES,
    no_args_is_help=True,
)


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("jingzhang-app")
    except PackageNotFoundError:  # run from a source tree without installing
        return "unknown"


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"jingzhang {version()}")
        raise typer.Exit()


@app.callback()
def _root(
    _version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version and exit"),
    ] = False,
) -> None:
    """The one entry point for running and operating the system."""


for command in (stack.up, stack.serve, streams.provision, replay.replay, streams.republish):
    app.command(epilog=EXIT_CODES)(friendly(command))
app.add_typer(parked.app, name="parked", epilog=EXIT_CODES)
app.add_typer(contract.app, name="contract", epilog=EXIT_CODES)
app.add_typer(streams.events_app, name="events", epilog=EXIT_CODES)
app.add_typer(privacy.app, name="privacy", epilog=EXIT_CODES)
app.add_typer(tokens.app, name="token", epilog=EXIT_CODES)


def main() -> None:
    app()
