"""`jingzhang`: the one entry point for running and operating the system.

One module per command group; this one puts them together. The exit codes are part of the interface
(scripts tell bad input from an unreachable server from failed work): see `common`.
"""

import typer

from jingzhang.app.cli import contract, parked, privacy, replay, stack, streams, tokens
from jingzhang.app.cli.common import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INCOMPATIBLE, EXIT_UNAVAILABLE

__all__ = ["EXIT_BAD_INPUT", "EXIT_FAILED", "EXIT_INCOMPATIBLE", "EXIT_UNAVAILABLE", "app", "main"]

app = typer.Typer(
    help="jingzhang: police chief for every enterprise (警长制), event-sourced on NATS JetStream.", no_args_is_help=True
)
app.command()(stack.up)
app.command()(stack.serve)
app.command()(streams.provision)
app.command()(replay.replay)
app.command()(streams.republish)
app.add_typer(parked.app, name="parked")
app.add_typer(contract.app, name="contract")
app.add_typer(streams.events_app, name="events")
app.add_typer(privacy.app, name="privacy")
app.add_typer(tokens.app, name="token")


def main() -> None:
    app()
