"""`parked list` and `parked retry`: events a projection could not apply, and messages that were no event."""

import json
import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from jingzhang.app.cli.common import (
    DEFAULT_STATE_DIR,
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    DatabaseUrl,
    ServiceName,
    StateDir,
    check_service,
    console,
    database_url_or_local,
    pg_pool,
    projections,
    run,
)
from jingzhang.shared.projection import Projection

if TYPE_CHECKING:  # imported where used, so the CLI starts fast
    import asyncpg

    from jingzhang.shared.applier import Outcome

app = typer.Typer(help="Parked events: list and retry.", no_args_is_help=True)


@app.command("list")
def parked_list(
    service: ServiceName,
    database_url: DatabaseUrl = "",
    state_dir: StateDir = DEFAULT_STATE_DIR,
    as_json: Annotated[bool, typer.Option("--json", help="Print the rows as JSON")] = False,
) -> None:
    """List parked events and rejected messages of every projection of SERVICE."""
    available = projections(check_service(service))
    database_url = database_url_or_local(database_url, service, state_dir)

    async def work() -> list[dict[str, object]]:
        pool = await pg_pool(database_url, 1)
        try:
            out = []
            for p in available.values():
                out += await _parked_rows(pool, p)
            return out
        finally:
            await pool.close()

    rows = run("parked list", work())
    if as_json:
        sys.stdout.write(json.dumps(rows) + "\n")
        return
    Console().print(_table(service, rows))


def _table(service: str, rows: list[dict[str, object]]) -> Table:
    table = Table(title=f"parked events and rejected messages of {service}")
    for column in ("projection", "kind", "stream", "version", "subject", "error"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            *(str(r[c]) if r[c] is not None else "-" for c in ("projection", "kind", "stream", "version")),
            str(r["subject"]),
            str(r["error"]),
        )
    return table


async def _parked_rows(pool: "asyncpg.Pool", projection: Projection) -> list[dict[str, object]]:
    """One projection's parked events (`kind` parked: they belong to a stream and can be retried) and
    rejected messages (`kind` rejected: no event at all, kept as evidence)."""
    from jingzhang.shared.parking import list_parked, list_rejected

    parked: list[dict[str, object]] = [
        {
            "projection": e.projection,
            "kind": "parked",
            "stream": e.stream_key,
            "version": e.version,
            "subject": e.subject,
            "error": e.error,
            "parked_at": e.parked_at.isoformat(),
        }
        for e in await list_parked(pool, projection)
    ]
    rejected: list[dict[str, object]] = [
        {
            "projection": r.projection,
            "kind": "rejected",
            "stream": None,
            "version": None,
            "subject": r.subject,
            "origin": r.origin,
            "size": r.size,
            "error": r.error,
            "parked_at": r.rejected_at.isoformat(),
        }
        for r in await list_rejected(pool, projection)
    ]
    return parked + rejected


@app.command("retry")
def parked_retry(
    service: ServiceName,
    projection: Annotated[str, typer.Option(help="The projection whose parked events to retry")],
    stream: Annotated[str | None, typer.Option(help="Only this stream key (service/aggregate/id)")] = None,
    database_url: DatabaseUrl = "",
    state_dir: StateDir = DEFAULT_STATE_DIR,
    as_json: Annotated[bool, typer.Option("--json", help="Print each stream's outcomes as JSON")] = False,
) -> None:
    """Re-apply parked events in order; what fails again is parked again (and the command exits 4)."""
    from jingzhang.shared.applier import Outcome

    available = projections(check_service(service))
    chosen = available.get(projection)
    if chosen is None:
        console.print(f"[red]unknown projection {projection!r}[/red]; {service} has: {', '.join(available)}")
        raise typer.Exit(EXIT_BAD_INPUT)
    database_url = database_url_or_local(database_url, service, state_dir, keystore=chosen.reactor)

    results = run("parked retry", _retry(service, chosen, stream, database_url))
    still = sum(o is Outcome.PARKED for outcomes in results.values() for o in outcomes)
    if as_json:
        shown = {key: [o.value for o in outcomes] for key, outcomes in results.items()}
        sys.stdout.write(json.dumps({"streams": shown, "parked_again": still}) + "\n")
    else:
        for key, outcomes in results.items():
            console.print(f"{key}: " + ", ".join(o.value for o in outcomes))
    if still:
        console.print(f"[yellow]{still} events parked again[/yellow]")
        raise typer.Exit(EXIT_FAILED)


async def _retry(
    service: str, projection: Projection, stream: str | None, database_url: str
) -> "dict[str, list[Outcome]]":
    from jingzhang.shared.applier import Applier
    from jingzhang.shared.parking import retry_parked
    from jingzhang.shared.privacy.protect import Protector
    from jingzhang.shared.privacy.setup import open_keystore
    from jingzhang.shared.settings import ServiceSettings
    from jingzhang.shared.store.postgres import PostgresEventStore

    pool = await pg_pool(database_url, 2)
    keys = None
    try:
        store = PostgresEventStore(pool, service)
        if projection.reactor:  # it records events: personal data in them is sealed, as in the service
            keys = await open_keystore(ServiceSettings(database_url=database_url), pool)
            store = PostgresEventStore(pool, service, Protector(keys.keystore))
        async with pool.acquire() as conn:
            return await retry_parked(conn, Applier(projection, store), stream)
    finally:
        if keys is not None:
            await keys.close()
        await pool.close()
