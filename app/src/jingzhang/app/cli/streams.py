"""The JetStream streams: `provision` creates them, `republish` rebuilds one from PostgreSQL,
`events tail` follows them."""

import asyncio
import dataclasses
import json
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from jingzhang.app.cli.common import (
    DEFAULT_STATE_DIR,
    EXIT_UNAVAILABLE,
    DatabaseUrl,
    NatsUrl,
    ServiceName,
    StateDir,
    Yes,
    check_service,
    confirm,
    connect_nats,
    console,
    database_url_or_local,
    failed,
    nats_url_or_local,
    pg_pool,
    run,
)
from jingzhang.app.services import SERVICES

if TYPE_CHECKING:  # imported where used, so the CLI starts fast
    from jingzhang.shared.durables import Durable
    from jingzhang.shared.republish import RepublishResult
    from jingzhang.shared.tail import Tailed

events_app = typer.Typer(help="Watch the events on JetStream.", no_args_is_help=True)


def provision(
    nats_url: NatsUrl = "",
    state_dir: StateDir = DEFAULT_STATE_DIR,
    replicas: Annotated[int, typer.Option(min=1, max=5)] = 1,
    partitions: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=64,
            envvar="PARTITIONS",
            help="Partitions of the projection consumers, as every service's PARTITIONS says (default: 1, no"
            " partitioned copies: the consumers read the service streams; e.g. 8: replicas share each source's"
            " consumers through partitioned copies). A wrong count removes the running services' durables as stale",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Change nothing: list the stale consumers that would be removed")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print what was done as JSON")] = False,
) -> None:
    """Create or update every service's JetStream stream from the configuration in code, then remove the
    durable consumers of earlier deployments that no current projection declares (see
    `jingzhang.shared.durables`); a declared consumer is never touched. Run it after a rollout.

    Exits 3 when NATS is unreachable or refuses, 4 when the services' declared consumers cannot be read.
    """
    from jingzhang.shared.durables import Durable, remove, stale
    from jingzhang.shared.streams import provision as provision_streams

    partitions = deployment_partitions(partitions)
    try:
        keep = declared_consumers(partitions)
    except Exception as exc:  # a service that cannot be built: never guess which consumers are stale
        raise failed("reading the consumers the services declare", exc) from exc
    nats_url = nats_url_or_local(nats_url, state_dir)

    async def work() -> tuple[list[str], list[Durable]]:
        nc = await connect_nats(nats_url)
        try:
            js = nc.jetstream()
            done = [] if dry_run else await provision_streams(js, SERVICES, replicas, partitions)
            found = await stale(js, SERVICES, keep)
            return done, found if dry_run else await remove(js, found)
        finally:
            await nc.close()

    try:
        done, found = asyncio.run(work())
    except Exception as exc:
        console.print(f"[red]cannot provision streams at {nats_url}: {exc}[/red]", highlight=False)
        raise typer.Exit(EXIT_UNAVAILABLE) from exc
    if as_json:
        removed = [str(d) for d in found]
        report = {"streams": done, "stale_consumers": removed, "removed": not dry_run, "dry_run": dry_run}
        sys.stdout.write(json.dumps(report, ensure_ascii=False) + "\n")
        return
    for line in done:
        console.print(line)
    verb = "would remove" if dry_run else "removed"
    for durable in found:
        console.print(f"{verb} stale consumer {durable} (no projection declares it)", highlight=False)
    if dry_run:
        console.print(f"dry run: {len(found)} stale consumers, nothing changed", highlight=False)


def deployment_partitions(given: int | None) -> int:
    """The count given (or PARTITIONS), else the kernel's default (one partition), the local stack's too."""
    from jingzhang.shared.partitions import PARTITIONS

    return PARTITIONS if given is None else given


def declared_consumers(partitions: int) -> "set[Durable]":
    """Every durable consumer the current code's services create (their runtimes' projections, the
    kernel's included), as `deploy/nats/generate.py` lists them."""
    from jingzhang.app.services import app_factory
    from jingzhang.shared.durables import declared
    from jingzhang.shared.settings import ServiceSettings

    found: set[Durable] = set()
    for service in SERVICES:
        found |= declared(service, app_factory(service)(ServiceSettings()).state.runtime.projections, partitions)
    return found


def republish(
    service: ServiceName,
    database_url: DatabaseUrl = "",
    nats_url: NatsUrl = "",
    state_dir: StateDir = DEFAULT_STATE_DIR,
    replicas: Annotated[int, typer.Option(min=1, max=5, help="Replicas if the stream must be created")] = 1,
    partitions: Annotated[
        int | None,
        typer.Option(min=1, max=64, envvar="PARTITIONS", help="The deployment's partitions (see provision)"),
    ] = None,
    purge: Annotated[
        bool, typer.Option(help="Empty the stream first (when it diverged); asks first, or give --yes")
    ] = False,
    yes: Yes = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON")] = False,
) -> None:
    """Rebuild SERVICE's JetStream stream from its PostgreSQL store, idempotently.

    Publishes, in commit order, every event the stream lacks; stop the service's relay first.
    With --purge it first empties the stream: subscribers' consumers then see every event again.
    """
    from jingzhang.shared import republish as rp
    from jingzhang.shared.store.postgres import PostgresEventStore
    from jingzhang.shared.streams import stream_name

    check_service(service)
    count = deployment_partitions(partitions)
    database_url = database_url_or_local(database_url, service, state_dir)
    nats_url = nats_url_or_local(nats_url, state_dir)
    if purge:
        confirm(f"Empty JetStream stream {stream_name(service)} before republishing it from PostgreSQL?", yes)

    async def work() -> "RepublishResult":
        pool = await pg_pool(database_url, 2)
        try:
            nc = await connect_nats(nats_url)
            try:
                if purge:
                    await rp.purge(nc, service)
                store = PostgresEventStore(pool, service)
                return await rp.republish(store, nc, replicas=replicas, partitions=count)
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
    nats_url: NatsUrl = "",
    state_dir: StateDir = DEFAULT_STATE_DIR,
    max_events: Annotated[int, typer.Option("--max", min=0, help="Stop after N events (0: no limit)")] = 0,
    seconds: Annotated[float, typer.Option(min=0, help="Stop after S seconds (0: until Ctrl-C)")] = 0,
    from_start: Annotated[bool, typer.Option(help="Begin with the oldest retained event")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print each event's CloudEvent JSON, one per line")] = False,
) -> None:
    """Follow events on JetStream: time, subject, type, aggregate@version, event id (one line each)."""
    from jingzhang.shared.tail import tail

    nats_url = nats_url_or_local(nats_url, state_dir)

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
    if not as_json:
        console.print(f"{seen} events", highlight=False)
