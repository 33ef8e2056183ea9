"""`privacy erase`: erase a person by destroying their key (crypto-shredding); final, there is no undo."""

import asyncio
import json
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Annotated

import typer

from jingzhang.app.cli.common import EXIT_BAD_INPUT, EXIT_FAILED, console, failed, is_unreachable, pg_pool, unavailable

if TYPE_CHECKING:  # imported where used, so the CLI starts fast
    from jingzhang.shared.privacy.admin import ErasureResult

app = typer.Typer(help="Personal data: erase a person (crypto-shredding).", no_args_is_help=True)


@app.command("erase")
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

    from jingzhang.shared.errors import NotFound
    from jingzhang.shared.privacy.admin import NoKeyStore

    _check_request(subject, yes, keystore_url)
    who = actor or f"cli:{getpass.getuser()}"
    try:
        result = _run_erasure(_erase(keystore_url, subject, who))
    except (NotFound, NoKeyStore) as exc:
        console.print(f"[red]{exc}: nothing erased[/red]", highlight=False)
        raise typer.Exit(EXIT_FAILED) from exc
    t = result.tombstone
    if as_json:
        typer.echo(json.dumps({"subject": t.subject, "erased_at": t.erased_at.isoformat(), "erased_by": t.erased_by}))
        return
    done = "was already erased" if result.already else "erased: key destroyed"
    typer.echo(f"{t.subject} {done} at {t.erased_at.isoformat()} by {t.erased_by}")


def _check_request(subject: str, yes: bool, keystore_url: str) -> None:
    """A well-formed subject, the confirmation and a key store, or exit 2 saying which is missing."""
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


async def _erase(keystore_url: str, subject: str, who: str) -> "ErasureResult":
    from datetime import UTC, datetime

    from jingzhang.shared.privacy import admin

    pool = await pg_pool(keystore_url, 1)
    try:
        return await admin.erase(pool, subject, who, datetime.now(UTC))
    finally:
        await pool.close()


def _run_erasure(work: "Coroutine[object, object, ErasureResult]") -> "ErasureResult":
    """`common.run`, letting the erasure's own refusals through to their message."""
    from jingzhang.shared.errors import NotFound
    from jingzhang.shared.privacy.admin import NoKeyStore

    try:
        return asyncio.run(work)
    except (NotFound, NoKeyStore):
        raise
    except Exception as exc:
        if is_unreachable(exc):
            raise unavailable(exc) from exc
        raise failed("privacy erase", exc) from exc
