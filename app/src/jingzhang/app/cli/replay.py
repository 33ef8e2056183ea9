"""`replay`: rebuild a service's projections from the retained streams, resumable."""

import json
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from jingzhang.app.cli.common import (
    DEFAULT_STATE_DIR,
    EXIT_BAD_INPUT,
    DatabaseUrl,
    NatsUrl,
    ServiceName,
    StateDir,
    check_service,
    connect_nats,
    console,
    database_url_or_local,
    nats_url_or_local,
    pg_pool,
    projections,
    run,
)
from jingzhang.app.cli.progress import ReplayProgress

if TYPE_CHECKING:  # imported where used, so the CLI starts fast
    from jingzhang.shared.replay import ReplayResult


def replay(
    service: ServiceName,
    projection: Annotated[str | None, typer.Option(help="One projection; default: all of the service's")] = None,
    database_url: DatabaseUrl = "",
    nats_url: NatsUrl = "",
    state_dir: StateDir = DEFAULT_STATE_DIR,
    dry_run: Annotated[bool, typer.Option(help="Build the shadow tables, then drop them")] = False,
    restart: Annotated[bool, typer.Option(help="Drop what an interrupted replay left and start over")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print results as JSON")] = False,
) -> None:
    """Rebuild projections from the retained streams into shadow tables, then swap them in.

    An interrupted replay continues where it stopped when run again (unless --restart).
    """
    from jingzhang.shared.replay import rebuild

    available = projections(check_service(service))
    if projection and projection not in available:
        console.print(f"[red]unknown projection {projection!r}[/red]; {service} has: {', '.join(available)}")
        raise typer.Exit(EXIT_BAD_INPUT)
    chosen = [available[projection]] if projection else list(available.values())
    database_url = database_url_or_local(database_url, service, state_dir)
    nats_url = nats_url_or_local(nats_url, state_dir)

    async def work() -> list[dict[str, object]]:
        pool = await pg_pool(database_url, 4)
        try:
            nc = await connect_nats(nats_url)
            try:
                results = []
                for item in chosen:
                    if item.reactor:
                        continue
                    with ReplayProgress(item.name, quiet=as_json) as shown:
                        done = await rebuild(pool, nc, item, dry_run=dry_run, restart=restart, progress=shown.update)
                    results.append(_result(done, dry_run))
                return results
            finally:
                await nc.close()
        finally:
            await pool.close()

    results = run("replay", work())
    if as_json:
        sys.stdout.write(json.dumps(results) + "\n")
        return
    for r in results:
        console.print(
            f"{r['projection']}: {r['events']} events in {r['seconds']} s ({r['events_per_second']}/s)"
            f"{' [resumed]' if r['resumed'] else ''}{' [dry run]' if dry_run else ''}"
        )


def _result(done: "ReplayResult", dry_run: bool) -> dict[str, object]:
    return {
        "projection": done.projection,
        "events": done.events,
        "applied": done.applied,
        "parked": done.parked,
        "seconds": round(done.seconds, 3),
        "events_per_second": round(done.rate, 1),
        "resumed": done.resumed,
        "dry_run": dry_run,
    }
