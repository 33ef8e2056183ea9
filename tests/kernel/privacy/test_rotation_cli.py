"""`jingzhang privacy rotate-master-key`, `master-keys`, `retire-master-key`: a rotation from the shell,
exit codes, and bad input changing nothing."""

import asyncio
import json

import asyncpg
from typer.testing import CliRunner, Result

from jingzhang.app.cli import EXIT_BAD_INPUT, EXIT_FAILED, app
from jingzhang.shared.privacy.crypto import MasterKey
from jingzhang.shared.privacy.keystore import PostgresKeyStore

runner = CliRunner()


async def invoke(args: list[str], url: str, current: str = "", previous: str = "") -> Result:
    """Off the test's event loop: the command runs its own, as from a shell."""
    env = {"KEYSTORE_URL": url, "KEYSTORE_MASTER_KEY": current, "KEYSTORE_PREVIOUS_MASTER_KEYS": previous}
    return await asyncio.to_thread(runner.invoke, app, args, env=env)


def said(result: Result) -> str:
    """What the command printed, lines re-joined (the console wraps long messages)."""
    return " ".join(result.output.split())


async def snapshot(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    return await pool.fetch("SELECT subject, wrapped_key, master_key_id FROM keystore.subject_keys ORDER BY subject")


async def test_rotate_then_retire_from_the_shell(database_url: str, pool: asyncpg.Pool) -> None:
    old, new = MasterKey.new_base64(), MasterKey.new_base64()
    old_id, new_id = MasterKey.from_base64(old).key_id, MasterKey.from_base64(new).key_id
    store = PostgresKeyStore(pool, MasterKey.from_base64(old))
    await store.install()
    await store.get_or_create_many([f"officer/o-{n}" for n in range(12)])

    early = await invoke(["privacy", "retire-master-key", old_id, "--yes"], database_url)
    rotated = await invoke(["privacy", "rotate-master-key", "--yes", "--batch", "5", "--json"], database_url, new, old)
    listed = await invoke(["privacy", "master-keys", "--json"], database_url)
    retired = await invoke(["privacy", "retire-master-key", old_id, "--yes", "--actor", "ops:li"], database_url)

    assert early.exit_code == EXIT_FAILED
    assert "only one in service" in said(early)
    assert rotated.exit_code == 0, rotated.output
    assert json.loads(rotated.stdout) | {"seconds": 0} == {
        "master_key_id": new_id,
        "rewrapped": 12,
        "batches": 3,
        "wrapped_by": {new_id: 12},
        "seconds": 0,
    }
    assert listed.exit_code == 0, listed.output
    assert [(k["key_id"], k["wraps"]) for k in json.loads(listed.stdout)] == [(old_id, 0), (new_id, 12)]
    assert retired.exit_code == 0, retired.output
    assert f"master key {old_id} retired at" in said(retired)
    assert "by ops:li" in said(retired)
    for secret in (old, new):
        assert secret not in rotated.output + listed.output + retired.output


class TestBadInputChangesNothing:
    async def test_without_yes(self, database_url: str, pool: asyncpg.Pool, keystore: PostgresKeyStore) -> None:
        await keystore.get_or_create("officer/o-1")
        before = await snapshot(pool)

        result = await invoke(["privacy", "rotate-master-key"], database_url, MasterKey.new_base64())

        assert result.exit_code == EXIT_BAD_INPUT
        assert "add --yes" in said(result)
        assert await snapshot(pool) == before

    async def test_a_malformed_key(self, database_url: str, pool: asyncpg.Pool, keystore: PostgresKeyStore) -> None:
        await keystore.get_or_create("officer/o-1")
        before = await snapshot(pool)

        result = await invoke(
            ["privacy", "rotate-master-key", "--yes"], database_url, MasterKey.new_base64(), "not base64!"
        )

        assert result.exit_code == EXIT_BAD_INPUT
        assert "KEYSTORE_PREVIOUS_MASTER_KEYS (key 1) is not valid base64" in said(result)
        assert await snapshot(pool) == before

    async def test_no_key_at_all(self, database_url: str) -> None:
        result = await invoke(["privacy", "rotate-master-key", "--yes"], database_url)

        assert result.exit_code == EXIT_BAD_INPUT
        assert "KEYSTORE_MASTER_KEY (the new master key) must be set" in said(result)

    async def test_the_old_key_missing(self, database_url: str, pool: asyncpg.Pool, keystore: PostgresKeyStore) -> None:
        await keystore.get_or_create("officer/o-1")
        before = await snapshot(pool)

        result = await invoke(["privacy", "rotate-master-key", "--yes"], database_url, MasterKey.new_base64())

        assert result.exit_code == EXIT_BAD_INPUT
        assert "which were not given: set KEYSTORE_PREVIOUS_MASTER_KEYS" in said(result)
        assert await snapshot(pool) == before
        assert await pool.fetchval("SELECT count(*) FROM keystore.master_keys") == 1

    async def test_an_unknown_key_id(self, database_url: str, keystore: PostgresKeyStore) -> None:
        result = await invoke(["privacy", "retire-master-key", "0123456789abcdef", "--yes"], database_url)

        assert result.exit_code == EXIT_BAD_INPUT
        assert "knows no master key 0123456789abcdef" in said(result)

    async def test_a_malformed_key_id(self, database_url: str, keystore: PostgresKeyStore) -> None:
        result = await invoke(["privacy", "retire-master-key", "OLD-KEY", "--yes"], database_url)

        assert result.exit_code == EXIT_BAD_INPUT
        assert "16 lower-case hex digits" in said(result)


def test_a_new_master_key_is_printed_with_its_id() -> None:
    result = runner.invoke(app, ["privacy", "new-master-key"])

    assert result.exit_code == 0
    key = result.stdout.strip()
    assert f"master key id {MasterKey.from_base64(key).key_id}" in result.stderr
