"""`privacy erase`: erase a person by destroying their key (crypto-shredding); final, there is no undo.

`privacy rotate-master-key`, `master-keys`, `retire-master-key` and `new-master-key`: rotating the master
key that wraps every person's key, online (see `jingzhang.shared.privacy.rotation`).
"""

import asyncio
import json
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Annotated, NoReturn, TypeVar

import typer

from jingzhang.app.cli.common import EXIT_BAD_INPUT, EXIT_FAILED, console, failed, is_unreachable, pg_pool, unavailable

if TYPE_CHECKING:  # imported where used, so the CLI starts fast
    from jingzhang.shared.privacy.admin import ErasureResult
    from jingzhang.shared.privacy.rotation import Retirement, Rotation

T = TypeVar("T")

app = typer.Typer(help="Personal data: erase a person (crypto-shredding), rotate the master key.", no_args_is_help=True)


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


KeystoreUrl = Annotated[str, typer.Option(envvar=["KEYSTORE_URL", "DATABASE_URL"], help="The key store's database")]
AsJson = Annotated[bool, typer.Option("--json", help="Print the result as JSON")]


@app.command("new-master-key")
def new_master_key() -> None:
    """Print a fresh master key (base64 of 32 random bytes) on stdout and its id on stderr: put it in the
    bureau's secret store, never in a file beside the databases."""
    from jingzhang.shared.privacy.crypto import MasterKey

    text = MasterKey.new_base64()
    typer.echo(text)
    console.print(f"master key id {MasterKey.from_base64(text).key_id}", highlight=False)


@app.command("rotate-master-key")
def rotate_master_key(
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: every data key is re-wrapped")] = False,
    keystore_url: KeystoreUrl = "",
    batch: Annotated[int, typer.Option(min=1, max=10_000, help="Keys re-wrapped per transaction")] = 500,
    as_json: AsJson = False,
) -> None:
    """Re-wrap every person's key under KEYSTORE_MASTER_KEY, online, in batches; the old master key(s)
    in KEYSTORE_PREVIOUS_MASTER_KEYS (comma-separated) open what is not yet re-wrapped. Both are read
    from the environment only, never from the command line (a process list would show them).

    Run it once every service runs with the same two settings. Exits 2 on a malformed or wrong key, a
    data key wrapped under a master key not given, or without --yes (nothing changed), 3 when the
    database is unreachable, 4 when the work failed.
    """
    import dataclasses
    import os

    from jingzhang.shared.privacy.crypto import MasterKeyRing

    current, previous = os.environ.get("KEYSTORE_MASTER_KEY", ""), os.environ.get("KEYSTORE_PREVIOUS_MASTER_KEYS", "")
    if not current:
        _refuse("KEYSTORE_MASTER_KEY (the new master key) must be set in the environment")
    try:
        ring = MasterKeyRing.from_settings(current, previous)
    except ValueError as exc:
        _refuse(str(exc))
    if not yes:
        _refuse(f"re-wrapping every data key under master key {ring.current.key_id}: add --yes")
    _need_keystore(keystore_url)

    async def work() -> "Rotation":
        from jingzhang.shared.privacy.rotation import rotate

        pool = await pg_pool(keystore_url, 2)
        try:
            return await rotate(pool, ring, batch=batch, progress=_progress(as_json))
        finally:
            await pool.close()

    done = _run_keys("privacy rotate-master-key", work())
    if as_json:
        typer.echo(json.dumps(dataclasses.asdict(done)))
        return
    typer.echo(
        f"{done.rewrapped} data keys re-wrapped under master key {done.master_key_id} in {done.batches} batches"
        f" ({done.seconds:.2f} s); keys per master key now: {_counts(done.wrapped_by)}"
    )


@app.command("master-keys")
def master_keys(keystore_url: KeystoreUrl = "", as_json: AsJson = False) -> None:
    """The master keys this key store knows, and how many data keys each still wraps (no key needed)."""
    _need_keystore(keystore_url)

    async def work() -> list[dict[str, object]]:
        from jingzhang.shared.privacy import masters
        from jingzhang.shared.privacy.rotation import UNRECORDED, wrapped_by

        pool = await pg_pool(keystore_url, 1)
        try:
            keys, counts = await masters.registered(pool), await wrapped_by(pool)
        finally:
            await pool.close()
        rows: list[dict[str, object]] = [
            {
                "key_id": k.key_id,
                "introduced_at": k.introduced_at.isoformat(),
                "retired_at": k.retired_at.isoformat() if k.retired_at else None,
                "retired_by": k.retired_by,
                "wraps": counts.get(k.key_id, 0),
            }
            for k in keys
        ]
        if counts.get(UNRECORDED):
            rows.append({"key_id": UNRECORDED, "wraps": counts[UNRECORDED]})
        return rows

    rows = _run_keys("privacy master-keys", work())
    if as_json:
        typer.echo(json.dumps(rows))
        return
    for row in rows:
        retired = f", retired {row['retired_at']} by {row['retired_by']}" if row.get("retired_at") else ""
        typer.echo(f"{row['key_id']}: wraps {row['wraps']} data keys{retired}")


@app.command("retire-master-key")
def retire_master_key(
    key_id: Annotated[str, typer.Argument(help="The master key's id (`privacy master-keys` lists them)")],
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: no service may use this key again")] = False,
    keystore_url: KeystoreUrl = "",
    actor: Annotated[str, typer.Option(help="Recorded as who retired it (default: cli:<login name>)")] = "",
    as_json: AsJson = False,
) -> None:
    """Retire an old master key once no data key is wrapped under it; then delete it from the secret store.

    Exits 2 on a malformed or unknown key id or without --yes, 3 when the database is unreachable, 4
    while data keys are still wrapped under it (run rotate-master-key first); nothing changes then.
    """
    import getpass
    from datetime import UTC, datetime

    from jingzhang.shared.privacy.crypto import KEY_ID_PATTERN

    if not KEY_ID_PATTERN.fullmatch(key_id):
        _refuse(f"master key id {key_id!r} must be 16 lower-case hex digits (see `privacy master-keys`)")
    if not yes:
        _refuse(f"retiring master key {key_id} is final: add --yes")
    _need_keystore(keystore_url)
    who = actor or f"cli:{getpass.getuser()}"

    async def work() -> "Retirement":
        from jingzhang.shared.privacy.rotation import retire

        pool = await pg_pool(keystore_url, 1)
        try:
            return await retire(pool, key_id, who, datetime.now(UTC))
        finally:
            await pool.close()

    done = _run_keys("privacy retire-master-key", work())
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "key_id": done.key_id,
                    "retired_at": done.retired_at.isoformat(),
                    "retired_by": done.retired_by,
                    "already": done.already,
                }
            )
        )
        return
    state = "was already retired" if done.already else "retired"
    typer.echo(f"master key {done.key_id} {state} at {done.retired_at.isoformat()} by {done.retired_by}")


def _refuse(message: str) -> NoReturn:
    console.print(f"[red]{message}[/red]", highlight=False)
    raise typer.Exit(EXIT_BAD_INPUT)


def _need_keystore(keystore_url: str) -> None:
    if not keystore_url:
        _refuse("KEYSTORE_URL (or --keystore-url) must name the key store's database")


def _progress(quiet: bool) -> "Callable[[int], None] | None":
    if quiet:
        return None
    return lambda done: console.print(f"{done} data keys re-wrapped", highlight=False)


def _counts(by_key: dict[str, int]) -> str:
    return ", ".join(f"{key} {count}" for key, count in by_key.items()) or "none"


def _run_keys(what: str, work: "Coroutine[object, object, T]") -> T:
    """`common.run`, telling the key store's refusals apart: bad input exits 2, work that cannot be done 4."""
    import asyncpg

    from jingzhang.shared.privacy.errors import MasterKeyRetired, WrongMasterKey
    from jingzhang.shared.privacy.rotation import InvalidKeyId, MasterKeyInUse

    try:
        return asyncio.run(work)
    except (WrongMasterKey, MasterKeyRetired, InvalidKeyId) as exc:
        console.print(f"[red]{exc}[/red]", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from exc
    except MasterKeyInUse as exc:
        console.print(f"[red]{exc}[/red]", highlight=False)
        raise typer.Exit(EXIT_FAILED) from exc
    except (asyncpg.UndefinedTableError, asyncpg.InvalidSchemaNameError) as exc:
        message = "no key store in that database (KEYSTORE_URL names the services' shared key store)"
        console.print(f"[red]{message}[/red]", highlight=False)
        raise typer.Exit(EXIT_FAILED) from exc
    except Exception as exc:
        if is_unreachable(exc):
            raise unavailable(exc) from exc
        raise failed(what, exc) from exc
