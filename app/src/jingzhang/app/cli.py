"""`jingzhang`: the one entry point for running and operating the system."""

import asyncio
import dataclasses
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console
from rich.progress import ProgressColumn, Task
from rich.table import Table
from rich.text import Text

from jingzhang.app.services import SERVICES, app_factory
from jingzhang.app.services import projections as service_projections

if TYPE_CHECKING:  # imported where used, so the CLI starts fast
    import asyncpg

    from jingzhang.shared.projection import Projection

app = typer.Typer(
    help="jingzhang: police chief for every enterprise (警长制), event-sourced on NATS JetStream.", no_args_is_help=True
)
parked_app = typer.Typer(help="Parked events: list and retry.", no_args_is_help=True)
app.add_typer(parked_app, name="parked")
contract_app = typer.Typer(help="The public event contract for subscribing systems.", no_args_is_help=True)
app.add_typer(contract_app, name="contract")
events_app = typer.Typer(help="Watch the events on JetStream.", no_args_is_help=True)
app.add_typer(events_app, name="events")
privacy_app = typer.Typer(help="Personal data: erase a person (crypto-shredding).", no_args_is_help=True)
app.add_typer(privacy_app, name="privacy")
token_app = typer.Typer(
    help="Access tokens from the local signing key (the embedded default issuer).", no_args_is_help=True
)
app.add_typer(token_app, name="token")
console = Console(stderr=True)

EXIT_BAD_INPUT = 2
EXIT_UNAVAILABLE = 3
EXIT_FAILED = 4
EXIT_INCOMPATIBLE = 5

T = TypeVar("T")


def _check_service(service: str) -> str:
    if service not in SERVICES:
        console.print(f"[red]unknown service {service!r}[/red]: choose one of {', '.join(SERVICES)}")
        raise typer.Exit(EXIT_BAD_INPUT)
    return service


def _unavailable(exc: BaseException) -> typer.Exit:
    console.print(f"[red]cannot reach {exc or type(exc).__name__}[/red]", highlight=False)
    return typer.Exit(EXIT_UNAVAILABLE)


def _failed(what: str, exc: BaseException) -> typer.Exit:
    console.print(f"[red]{what} failed: {exc or type(exc).__name__}[/red]")
    return typer.Exit(EXIT_FAILED)


def _is_unreachable(exc: BaseException) -> bool:
    """Connection failures (servers down or wrong address), as opposed to failures of the work itself."""
    import nats.errors

    unreachable = (OSError, TimeoutError, nats.errors.NoServersError, nats.errors.ConnectionClosedError)
    return isinstance(exc, unreachable) or "connection" in type(exc).__name__.lower()


def _run(what: str, work: "Coroutine[object, object, T]") -> T:
    """Run `work`; unreachable servers exit 3, any other failure exits 4, both with a clear message."""
    try:
        return asyncio.run(work)
    except typer.Exit:
        raise
    except Exception as exc:
        if _is_unreachable(exc):
            raise _unavailable(exc) from exc
        raise _failed(what, exc) from exc


async def _connect_nats(url: str):  # type: ignore[no-untyped-def]
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


async def _pg_pool(url: str, size: int):  # type: ignore[no-untyped-def]
    import asyncpg

    try:
        return await asyncpg.create_pool(url, min_size=1, max_size=size, timeout=5)
    except (OSError, TimeoutError) as exc:
        where = url.rsplit("@", 1)[-1]  # never print the password
        raise ConnectionError(f"PostgreSQL at {where}: {exc}") from exc


def _need_database(database_url: str) -> None:
    if not database_url:
        console.print("[red]DATABASE_URL (or --database-url) must name the service's database[/red]")
        raise typer.Exit(EXIT_BAD_INPUT)


@app.command()
def up(
    state_dir: Annotated[Path, typer.Option(envvar="JZ_STATE_DIR", help="Where embedded servers keep data")] = Path(
        ".state"
    ),
    seconds: Annotated[float, typer.Option(help="Stop by itself after this many seconds (0: run until Ctrl-C)")] = 0,
    port_base: Annotated[
        int, typer.Option(envvar="JZ_PORT_BASE", min=1024, max=65000, help="Services listen on base+1 … base+4")
    ] = 8100,
    demo: Annotated[
        bool, typer.Option(help="Load a year (2025) of demo data shaped like the report, once per state dir")
    ] = False,
) -> None:
    """Run the whole system: embedded NATS and PostgreSQL unless NATS_URL / DATABASE_URL are set."""
    from jingzhang.app.stack import Stack

    stack = Stack(state_dir.resolve(), os.environ.get("NATS_URL"), os.environ.get("DATABASE_URL"))
    stack.ports = {service: port_base + i for i, service in enumerate(SERVICES, start=1)}
    if demo:  # the demo year is 2025: the services run as if started on its last evening
        os.environ.setdefault("CLOCK_START", DEMO_CLOCK_START)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        stack.start_servers()
        for line in asyncio.run(stack.prepare()):
            console.print(f"JetStream: {line}")
        logs = stack.state_dir / "logs"
        logs.mkdir(exist_ok=True)
        stack.start_services(logs)
        ready = asyncio.run(stack.wait_ready())
        _print_stack(stack, ready, logs)
        if not all(ready.values()):
            raise typer.Exit(EXIT_UNAVAILABLE)
        if demo:
            _load_demo(stack)
        stopping.wait(seconds or None)
    except KeyboardInterrupt:
        pass
    finally:
        console.print("stopping services and servers …")
        stack.stop()
        console.print("stopped.")


DEMO_CLOCK_START = "2025-12-31T20:00:00+08:00"


def _load_demo(stack: "object") -> None:
    from jingzhang.app.demo import generate
    from jingzhang.app.stack import Stack

    assert isinstance(stack, Stack)
    marker = stack.state_dir / "demo-loaded"
    if marker.exists():
        console.print(f"demo data already loaded into {stack.state_dir}")
        return
    console.print("loading a year (2025) of demo data through the services' APIs …")
    token = os.environ.get("JZ_TOKEN") or _demo_token(stack)
    summary = asyncio.run(
        generate({s: stack.url(s) for s in SERVICES}, progress=lambda m: console.print(m), token=token)
    )
    marker.write_text(summary.plan_digest)
    status = "matches the report" if summary.matched else f"differs: {summary.mismatches()}"
    console.print(
        f"demo loaded in {summary.elapsed_seconds} s; figure table for {summary.year} {status}; "
        f"see {stack.url('evaluation')}/figures?from=2025-01-01&to=2026-01-01"
    )


def _demo_token(stack: "object") -> str:
    from datetime import UTC, datetime, timedelta

    from jingzhang.app.stack import Stack
    from jingzhang.shared.auth import Principal, Role

    assert isinstance(stack, Stack)
    principal = Principal(subject="demo-generator", role=Role.BUREAU)
    return stack.signing_key().issue(principal, datetime.now(UTC), timedelta(hours=2))


def _print_stack(stack: "object", ready: dict[str, bool], logs: Path) -> None:
    from jingzhang.app.stack import Stack

    assert isinstance(stack, Stack)
    table = Table(title="jingzhang is running (Ctrl-C stops everything)")
    for column in ("service", "HTTP API", "OpenAPI", "ready"):
        table.add_column(column)
    for service in SERVICES:
        url = stack.url(service)
        table.add_row(service, url, f"{url}/docs", "yes" if ready[service] else "NO")
    console.print(table)
    console.print(f"NATS: {stack.nats_url}   PostgreSQL: {stack.database_url}   logs: {logs}")
    console.print(
        "Every API needs a bearer token: "
        f"TOKEN=$(./jz token issue --role bureau --key-file {stack.signing_key_file}); "
        'curl -H "Authorization: Bearer $TOKEN" ' + f"{stack.url('evaluation')}/figures"
    )


@token_app.command("issue")
def token_issue(
    role: Annotated[str, typer.Option(help="enterprise_contact, officer, station_chief, bureau or auditor")],
    sub: Annotated[str | None, typer.Option(help="The token's subject (default: derived from the role's ids)")] = None,
    enterprise_id: Annotated[str | None, typer.Option(help="An enterprise contact's enterprise")] = None,
    officer_id: Annotated[str | None, typer.Option(help="An officer's or station chief's officer id")] = None,
    station: Annotated[str | None, typer.Option(help="A station chief's station (the unit name)")] = None,
    ttl_minutes: Annotated[int, typer.Option(min=1, max=7 * 24 * 60, help="Lifetime in minutes")] = 8 * 60,
    key_file: Annotated[
        Path, typer.Option(envvar="JZ_SIGNING_KEY_FILE", help="The local signing key (`up` creates it)")
    ] = Path(".state/auth/signing-key.pem"),
) -> None:
    """Print a signed access token for local use (the services trust the key's public half)."""
    from datetime import UTC, datetime, timedelta

    from jingzhang.shared.auth import LocalSigningKey, Principal, Role
    from jingzhang.shared.auth.principal import PrincipalError

    try:
        parsed = Role(role)
    except ValueError:
        console.print(f"[red]--role {role!r} is not a role[/red]: choose one of {', '.join(r.value for r in Role)}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    subject = sub or officer_id or (f"contact@{enterprise_id}" if enterprise_id else None) or f"{parsed.value}-local"
    try:
        principal = Principal(subject, parsed, enterprise_id=enterprise_id, officer_id=officer_id, station=station)
    except PrincipalError as exc:
        console.print(f"[red]--{str(exc).replace('_', '-', 1)}[/red]")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if not key_file.exists():
        console.print(f"[red]no signing key at {key_file}[/red]: run `jz up` once, or pass --key-file")
        raise typer.Exit(EXIT_BAD_INPUT)
    key = LocalSigningKey.load(key_file)
    typer.echo(key.issue(principal, datetime.now(UTC), timedelta(minutes=ttl_minutes)))


@app.command()
def serve(service: str) -> None:
    """Run one service (settings from the environment: NATS_URL, DATABASE_URL, HTTP_HOST, HTTP_PORT, …)."""
    from jingzhang.shared.serve import serve as serve_app

    serve_app(app_factory(_check_service(service)))


@app.command("provision")
def provision_cmd(
    nats_url: Annotated[str, typer.Option(envvar="NATS_URL")] = "nats://127.0.0.1:4222",
    replicas: Annotated[int, typer.Option(min=1, max=5)] = 1,
) -> None:
    """Create or update every service's JetStream stream from the configuration in code."""
    import nats

    from jingzhang.shared.streams import provision

    async def run() -> list[str]:
        nc = await nats.connect(nats_url, connect_timeout=3, max_reconnect_attempts=1)
        try:
            return await provision(nc.jetstream(), SERVICES, replicas)
        finally:
            await nc.close()

    try:
        for line in asyncio.run(run()):
            console.print(line)
    except Exception as exc:
        console.print(f"[red]cannot provision streams at {nats_url}: {exc}[/red]")
        raise typer.Exit(EXIT_UNAVAILABLE) from exc


def _projections(service: str) -> dict[str, object]:
    return {p.name: p for p in service_projections(service)}


@app.command()
def replay(
    service: str,
    projection: Annotated[str | None, typer.Option(help="One projection; default: all of the service's")] = None,
    database_url: Annotated[str, typer.Option(envvar="DATABASE_URL")] = "",
    nats_url: Annotated[str, typer.Option(envvar="NATS_URL")] = "nats://127.0.0.1:4222",
    dry_run: Annotated[bool, typer.Option(help="Build the shadow tables, then drop them")] = False,
    restart: Annotated[bool, typer.Option(help="Drop what an interrupted replay left and start over")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print results as JSON")] = False,
) -> None:
    """Rebuild projections from the retained streams into shadow tables, then swap them in.

    An interrupted replay continues where it stopped when run again (unless --restart).
    """
    from jingzhang.shared.projection import Projection
    from jingzhang.shared.replay import rebuild

    available = _projections(_check_service(service))
    if projection and projection not in available:
        console.print(f"[red]unknown projection {projection!r}[/red]; {service} has: {', '.join(available)}")
        raise typer.Exit(EXIT_BAD_INPUT)
    chosen = [available[projection]] if projection else list(available.values())
    _need_database(database_url)

    async def run() -> list[dict[str, object]]:
        pool = await _pg_pool(database_url, 4)
        try:
            nc = await _connect_nats(nats_url)
            try:
                results = []
                for item in chosen:
                    assert isinstance(item, Projection)
                    if item.reactor:
                        continue
                    with ReplayProgress(item.name, quiet=as_json) as shown:
                        done = await rebuild(pool, nc, item, dry_run=dry_run, restart=restart, progress=shown.update)
                    results.append(
                        {
                            "projection": done.projection,
                            "events": done.events,
                            "applied": done.applied,
                            "parked": done.parked,
                            "seconds": round(done.seconds, 3),
                            "events_per_second": round(done.rate, 1),
                            "resumed": done.resumed,
                            "dry_run": dry_run,
                        }
                    )
                return results
            finally:
                await nc.close()
        finally:
            await pool.close()

    results = _run("replay", run())
    if as_json:
        sys.stdout.write(json.dumps(results) + "\n")
        return
    for r in results:
        console.print(
            f"{r['projection']}: {r['events']} events in {r['seconds']} s ({r['events_per_second']}/s)"
            f"{' [resumed]' if r['resumed'] else ''}{' [dry run]' if dry_run else ''}"
        )


class ReplayProgress:
    """A progress bar with events/s and ETA on a terminal; a plain line every few seconds otherwise."""

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


@parked_app.command("list")
def parked_list(
    service: str,
    database_url: Annotated[str, typer.Option(envvar="DATABASE_URL")] = "",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List parked events and rejected messages of every projection of SERVICE."""
    from jingzhang.shared.projection import Projection

    projections = _projections(_check_service(service))
    _need_database(database_url)

    async def run() -> list[dict[str, object]]:
        pool = await _pg_pool(database_url, 1)
        try:
            out = []
            for p in projections.values():
                assert isinstance(p, Projection)
                out += await _parked_rows(pool, p)
            return out
        finally:
            await pool.close()

    rows = _run("parked list", run())
    if as_json:
        sys.stdout.write(json.dumps(rows) + "\n")
        return
    table = Table(title=f"parked events and rejected messages of {service}")
    for column in ("projection", "kind", "stream", "version", "subject", "error"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            *(str(r[c]) if r[c] is not None else "-" for c in ("projection", "kind", "stream", "version")),
            str(r["subject"]),
            str(r["error"]),
        )
    Console().print(table)


async def _parked_rows(pool: "asyncpg.Pool", projection: "Projection") -> list[dict[str, object]]:
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


@parked_app.command("retry")
def parked_retry(
    service: str,
    projection: Annotated[str, typer.Option(help="The projection whose parked events to retry")],
    stream: Annotated[str | None, typer.Option(help="Only this stream key (service/aggregate/id)")] = None,
    database_url: Annotated[str, typer.Option(envvar="DATABASE_URL")] = "",
) -> None:
    """Re-apply parked events in order; what fails again is parked again."""
    from jingzhang.shared.applier import Applier, Outcome
    from jingzhang.shared.parking import retry_parked
    from jingzhang.shared.projection import Projection

    available = _projections(_check_service(service))
    chosen = available.get(projection)
    if not isinstance(chosen, Projection):
        console.print(f"[red]unknown projection {projection!r}[/red]; {service} has: {', '.join(available)}")
        raise typer.Exit(EXIT_BAD_INPUT)
    _need_database(database_url)

    async def run() -> dict[str, list[Outcome]]:
        from jingzhang.shared.privacy.protect import Protector
        from jingzhang.shared.privacy.setup import open_keystore
        from jingzhang.shared.settings import ServiceSettings
        from jingzhang.shared.store.postgres import PostgresEventStore

        pool = await _pg_pool(database_url, 2)
        keys = None
        try:
            store = PostgresEventStore(pool, service)
            if chosen.reactor:  # it records events: personal data in them is sealed, as in the service
                keys = await open_keystore(ServiceSettings(database_url=database_url), pool)
                store = PostgresEventStore(pool, service, Protector(keys.keystore))
            async with pool.acquire() as conn:
                return await retry_parked(conn, Applier(chosen, store), stream)
        finally:
            if keys is not None:
                await keys.close()
            await pool.close()

    results = _run("parked retry", run())
    still = sum(o is Outcome.PARKED for outcomes in results.values() for o in outcomes)
    for key, outcomes in results.items():
        console.print(f"{key}: " + ", ".join(o.value for o in outcomes))
    if still:
        console.print(f"[yellow]{still} events parked again[/yellow]")
        raise typer.Exit(EXIT_FAILED)


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
    from jingzhang.shared.tail import Tailed, tail

    def show(event: Tailed) -> None:
        sys.stdout.write((event.body.decode(errors="replace") if as_json else event.line()) + "\n")
        sys.stdout.flush()

    async def run() -> int:
        nc = await _connect_nats(nats_url)
        try:
            return await tail(nc, show, subject_filter, from_start=from_start, max_events=max_events, seconds=seconds)
        finally:
            await nc.close()

    try:
        seen = _run("events tail", run())
    except KeyboardInterrupt:
        return
    console.print(f"{seen} events", highlight=False)


@app.command()
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

    _check_service(service)
    _need_database(database_url)

    async def run() -> "rp.RepublishResult":
        pool = await _pg_pool(database_url, 2)
        try:
            nc = await _connect_nats(nats_url)
            try:
                if purge:
                    await rp.purge(nc, service)
                return await rp.republish(PostgresEventStore(pool, service), nc, replicas=replicas)
            finally:
                await nc.close()
        finally:
            await pool.close()

    done = _run("republish", run())
    if as_json:
        sys.stdout.write(json.dumps(dataclasses.asdict(done)) + "\n")
        return
    console.print(
        f"{done.stream}: {done.published} events published, {done.already} already there"
        f"{', stream created' if done.created else ''} ({done.seconds:.2f} s)",
        highlight=False,
    )


@contract_app.command("export")
def contract_export(
    target: Annotated[Path, typer.Argument(help="Folder to write AsyncAPI, JSON Schemas and the lock into")] = Path(
        "contract"
    ),
) -> None:
    """Export the AsyncAPI 3 document and one JSON Schema per event type; refuse incompatible changes."""
    from jingzhang.app.services import contracts
    from jingzhang.shared.contract.export import ContractBroken, export

    try:
        written = export(target, contracts())
    except ContractBroken as exc:
        for breach in exc.breaches:
            console.print(f"[red]{breach}[/red]")
        console.print("[red]incompatible change: give the event type a new schema_version and an upcaster[/red]")
        raise typer.Exit(EXIT_INCOMPATIBLE) from exc
    console.print(f"wrote {len(written)} files into {target}")


@privacy_app.command("erase")
def privacy_erase(
    subject: Annotated[str, typer.Argument(help="The data subject: officer/<id>, contact/<enterprise id>, ...")],
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: erasure is final, there is no undo")] = False,
    keystore_url: Annotated[
        str, typer.Option(envvar=["KEYSTORE_URL", "DATABASE_URL"], help="The key store's database")
    ] = "",
    actor: Annotated[str, typer.Option(help="Recorded as who erased (default: cli:<login name>)")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print the tombstone as JSON")] = False,
) -> None:
    """Erase a person: destroy their key, so every event and read model holding their data shows it as erased.

    Exits 2 on a malformed subject or without --yes, 3 when the database is unreachable, 4 when no
    personal data was ever recorded for the subject (nothing to erase).
    """
    import getpass
    from datetime import UTC, datetime

    from jingzhang.shared.errors import NotFound
    from jingzhang.shared.privacy import admin
    from jingzhang.shared.privacy.fields import InvalidSubject, check_subject

    try:
        check_subject(subject)
    except InvalidSubject as exc:
        console.print(f"[red]{exc}[/red]", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from exc
    if not yes:
        console.print(f"erasing {subject} is final: their personal data can never be read again. Add --yes.")
        raise typer.Exit(EXIT_BAD_INPUT)
    if not keystore_url:
        console.print("[red]KEYSTORE_URL (or --keystore-url) must name the key store's database[/red]")
        raise typer.Exit(EXIT_BAD_INPUT)
    who = actor or f"cli:{getpass.getuser()}"

    async def run() -> "admin.ErasureResult":
        pool = await _pg_pool(keystore_url, 1)
        try:
            return await admin.erase(pool, subject, who, datetime.now(UTC))
        finally:
            await pool.close()

    try:
        result = _run_erasure(run())
    except (NotFound, admin.NoKeyStore) as exc:
        console.print(f"[red]{exc}: nothing erased[/red]", highlight=False)
        raise typer.Exit(EXIT_FAILED) from exc
    t = result.tombstone
    if as_json:
        typer.echo(json.dumps({"subject": t.subject, "erased_at": t.erased_at.isoformat(), "erased_by": t.erased_by}))
        return
    done = "was already erased" if result.already else "erased: key destroyed"
    typer.echo(f"{t.subject} {done} at {t.erased_at.isoformat()} by {t.erased_by}")


def _run_erasure(work: "Coroutine[object, object, T]") -> T:
    """`_run`, letting the erasure's own refusals through to their message."""
    from jingzhang.shared.errors import NotFound
    from jingzhang.shared.privacy.admin import NoKeyStore

    try:
        return asyncio.run(work)
    except (NotFound, NoKeyStore):
        raise
    except Exception as exc:
        if _is_unreachable(exc):
            raise _unavailable(exc) from exc
        raise _failed("privacy erase", exc) from exc


def main() -> None:
    app()


if __name__ == "__main__":
    main()
