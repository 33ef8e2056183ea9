"""`contract export`: the published event contract for subscribing systems, refusing breaking changes."""

from pathlib import Path
from typing import Annotated

import typer

from jingzhang.app.cli.common import EXIT_INCOMPATIBLE, console

app = typer.Typer(help="The public event contract for subscribing systems.", no_args_is_help=True)


@app.command("export")
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
