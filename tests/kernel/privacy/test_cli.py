"""`jingzhang privacy erase`: exit codes and messages, and an erasure against a real key store."""

import asyncio

import pytest
from typer.testing import CliRunner, Result

from jingzhang.app.cli import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_UNAVAILABLE, app
from jingzhang.shared.privacy import PersonErased
from jingzhang.shared.privacy.keystore import PostgresKeyStore

runner = CliRunner()


async def invoke(args: list[str], url: str) -> Result:
    """Off the test's event loop: the command runs its own, as from a shell."""
    return await asyncio.to_thread(runner.invoke, app, args, env={"KEYSTORE_URL": url})


class TestRefusals:
    def test_a_malformed_subject_exits_2(self) -> None:
        result = runner.invoke(app, ["privacy", "erase", "officer:o-1", "--yes", "--keystore-url", "postgresql://x/y"])

        assert result.exit_code == EXIT_BAD_INPUT
        assert "subject 'officer:o-1' must look like 'officer/<id>'" in result.output

    def test_without_yes_nothing_happens_and_it_exits_2(self) -> None:
        result = runner.invoke(app, ["privacy", "erase", "officer/o-1", "--keystore-url", "postgresql://x/y"])

        assert result.exit_code == EXIT_BAD_INPUT
        assert "--yes" in result.output

    def test_an_unreachable_key_store_exits_3_without_the_password(self) -> None:
        url = "postgresql://jz:secret@127.0.0.1:1/keys"
        result = runner.invoke(app, ["privacy", "erase", "officer/o-1", "--yes", "--keystore-url", url])

        assert result.exit_code == EXIT_UNAVAILABLE
        assert "secret" not in result.output


async def test_erase_destroys_the_key_and_says_so_once(database_url: str, keystore: PostgresKeyStore) -> None:
    await keystore.get_or_create("officer/o-1")
    args = ["privacy", "erase", "officer/o-1", "--yes", "--actor", "ops:li"]

    first = await invoke(args, database_url)
    again = await invoke([*args, "--json"], database_url)

    assert first.exit_code == 0, first.output
    assert "officer/o-1 erased: key destroyed at" in first.output
    assert "by ops:li" in first.output
    assert again.exit_code == 0
    assert '"erased_by": "ops:li"' in again.output
    with pytest.raises(PersonErased):
        await keystore.get_or_create("officer/o-1")


async def test_erasing_an_unknown_subject_exits_4_and_erases_nothing(
    database_url: str, keystore: PostgresKeyStore
) -> None:
    result = await invoke(["privacy", "erase", "officer/nobody", "--yes"], database_url)

    assert result.exit_code == EXIT_FAILED
    assert "'officer/nobody' not found: nothing erased" in result.output
    assert await keystore.erasure("officer/nobody") is None


async def test_a_database_without_a_key_store_exits_4(database_url: str) -> None:
    result = await invoke(["privacy", "erase", "officer/o-1", "--yes"], database_url)

    assert result.exit_code == EXIT_FAILED
    assert "no key store in that database" in result.output
