"""`contract export`: the published event contract and HTTP APIs for other systems, refusing breaking changes."""

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from jingzhang.app.cli.common import EXIT_INCOMPATIBLE, console

app = typer.Typer(help="The public contract (events and HTTP APIs) for other systems.", no_args_is_help=True)


@app.command("export")
def contract_export(
    target: Annotated[Path, typer.Argument(help="Folder to write AsyncAPI, JSON Schemas and the lock into")] = Path(
        "contract"
    ),
    as_json: Annotated[bool, typer.Option("--json", help="Print the files written (or the breaches) as JSON")] = False,
) -> None:
    """Export the AsyncAPI 3 document, one JSON Schema per event type and each service's OpenAPI document
    (`openapi/<service>.json`); refuse changes that would break subscribers or callers.

    Exits 5 on an incompatible change (nothing is written).
    """
    from jingzhang.app.services import contracts, openapi_documents
    from jingzhang.shared.contract.export import ContractBroken, export

    try:
        written = export(target, contracts(), openapi_documents())
    except ContractBroken as exc:
        if as_json:
            breaches = [{"path": b.path, "reason": b.reason} for b in exc.breaches]
            sys.stdout.write(json.dumps({"compatible": False, "breaches": breaches}, ensure_ascii=False) + "\n")
        for breach in exc.breaches:
            console.print(f"[red]{breach}[/red]", highlight=False)
        console.print(
            "[red]incompatible change: a new schema_version and an upcaster (events) or a new path (HTTP)[/red]"
        )
        raise typer.Exit(EXIT_INCOMPATIBLE) from exc
    if as_json:
        files = [str(p) for p in written]
        sys.stdout.write(json.dumps({"compatible": True, "written": files}, ensure_ascii=False) + "\n")
        return
    console.print(f"wrote {len(written)} files into {target}", highlight=False)
