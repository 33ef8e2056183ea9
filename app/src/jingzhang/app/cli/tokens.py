"""`token issue`: access tokens signed with the local key that `up` creates and the services trust."""

from pathlib import Path
from typing import Annotated

import typer

from jingzhang.app.cli.common import EXIT_BAD_INPUT, console

app = typer.Typer(help="Access tokens from the local signing key (the embedded default issuer).", no_args_is_help=True)


@app.command("issue")
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
