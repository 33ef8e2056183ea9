"""`jingzhang token issue`: a token the services accept, and clear refusals with exit code 2."""

from pathlib import Path

from typer.testing import CliRunner

from jingzhang.app.cli import EXIT_BAD_INPUT, app
from jingzhang.shared.auth import LocalSigningKey, Role, TokenVerifier

runner = CliRunner()


async def test_issues_a_token_the_public_key_verifies(tmp_path: Path) -> None:
    key = LocalSigningKey.load_or_create(tmp_path / "signing-key.pem")
    args = [
        "token",
        "issue",
        "--role",
        "officer",
        "--officer-id",
        "off-3",
        "--key-file",
        str(tmp_path / "signing-key.pem"),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    principal = await TokenVerifier.from_pem(key.public_pem).verify(result.stdout.strip())
    assert principal.role is Role.OFFICER
    assert principal.officer_id == "off-3"


def test_bad_role_missing_scope_and_missing_key_exit_2(tmp_path: Path) -> None:
    LocalSigningKey.load_or_create(tmp_path / "k.pem")
    key = ["--key-file", str(tmp_path / "k.pem")]
    bad_role = runner.invoke(app, ["token", "issue", "--role", "root", *key])
    assert bad_role.exit_code == EXIT_BAD_INPUT
    assert "not a role" in bad_role.output
    no_scope = runner.invoke(app, ["token", "issue", "--role", "enterprise_contact", *key])
    assert no_scope.exit_code == EXIT_BAD_INPUT
    assert "--enterprise-id" in no_scope.output
    no_key = runner.invoke(app, ["token", "issue", "--role", "bureau", "--key-file", str(tmp_path / "none.pem")])
    assert no_key.exit_code == EXIT_BAD_INPUT
    assert "no signing key" in no_key.output
