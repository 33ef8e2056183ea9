"""The JetStream streams: `provision` creates them, `republish` rebuilds one from PostgreSQL,
`events tail` follows them."""

import asyncio
import dataclasses
import json
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from jingzhang.app.cli.common import EXIT_UNAVAILABLE, check_service, connect_nats, console, need_database, pg_pool, run
from jingzhang.app.services import SERVICES

if TYPE_CHECKING:  # imported where used, so the CLI starts fast
    from jingzhang.shared.republish import RepublishResult
    from jingzhang.shared.tail import Tailed

events_app = typer.Typer(help="Watch the events on JetStream.", no_args_is_help=True)


def provision(
    nats_url: Annotated[str, typer.Option(envvar="NATS_URL")] = "nats://127.0.0.1:4222",
    replicas: Annotated[int, typer.Option(min=1, max=5)] = 1,
) -> None:
    """Create or update every service's JetStream stream from the configuration in code."""
    import nats

    from jingzhang.shared.streams import provision as provision_streams

    async def work() -> list[str]:
        nc = await nats.connect(nats_url, connect_timeout=3, max_reconnect_attempts=1)
        try:
            return await provision_streams(nc.jetstream(), SERVICES, replicas)
        finally:
            await nc.close()

    try:
        for line in asyncio.run(work()):
            console.print(line)
    except Exception as exc:
        console.print(f"[red]cannot provision streams at {nats_url}: {exc}[/red]")
        raise typer.Exit(EXIT_UNAVAILABLE) from exc


def republish(
    service: str,
    database_url: Annotated[str, typer.Option(envvar="DATABASE_URL")] = "",
    nats_url: Annotated[str, typer.Option(envvar="NATS_URL")] = "nats://127.0.0.1:4222",
    replicas: Annotated[int, typer.Option(min=1, max=5, help="Replicas if the stream must be created")] = 1,
    purge: Annotated[bool, typer.Option(help="Empty the stream first (when it diverged)")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON")] = False,
) -> None:
    """Rebuild SERVICE's JetStream stream from its PostgreSQL store, idempotently.

    Publishes, in commit order, every event the stream lacks; stop the service's relay first.
    """
    from jingzhang.shared import republish as rp
    from jingzhang.shared.store.postgres import PostgresEventStore

    check_service(service)
    need_database(database_url)

    async def work() -> "RepublishResult":
        pool = await pg_pool(database_url, 2)
        try:
            nc = await connect_nats(nats_url)
            try:
                if purge:
                    await rp.purge(nc, service)
                return await rp.republish(PostgresEventStore(pool, service), nc, replicas=replicas)
            finally:
                await nc.close()
        finally:
            await pool.close()

    done = run("republish", work())
    if as_json:
        sys.stdout.write(json.dumps(dataclasses.asdict(done)) + "\n")
        return
    console.print(
        f"{done.stream}: {done.published} events published, {done.already} already there"
        f"{', stream created' if done.created else ''} ({done.seconds:.2f} s)",
        highlight=False,
    )


@events_app.command("tail")
def events_tail(
    subject_filter: Annotated[str, typer.Argument(metavar="FILTER", help="NATS subject filter")] = "jz.>",
    nats_url: Annotated[str, typer.Option(envvar="NATS_URL")] = "nats://127.0.0.1:4222",
    max_events: Annotated[int, typer.Option("--max", min=0, help="Stop after N events (0: no limit)")] = 0,
    seconds: Annotated[float, typer.Option(min=0, help="Stop after S seconds (0: until Ctrl-C)")] = 0,
    from_start: Annotated[bool, typer.Option(help="Begin with the oldest retained event")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print each event's CloudEvent JSON, one per line")] = False,
) -> None:
    """Follow events on JetStream: time, subject, type, aggregate@version, event id (one line each)."""
    from jingzhang.shared.tail import tail

    def show(event: "Tailed") -> None:
        sys.stdout.write((event.body.decode(errors="replace") if as_json else event.line()) + "\n")
        sys.stdout.flush()

    async def work() -> int:
        nc = await connect_nats(nats_url)
        try:
            return await tail(nc, show, subject_filter, from_start=from_start, max_events=max_events, seconds=seconds)
        finally:
            await nc.close()

    try:
        seen = run("events tail", work())
    except KeyboardInterrupt:
        return
    console.print(f"{seen} events", highlight=False)
