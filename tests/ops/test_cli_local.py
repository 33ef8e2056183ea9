"""The ops CLI as clig.dev asks: a version, help that names the services and the exit codes, the running
local stack found from its state dir when no server is named, and a confirmation before emptying a stream."""

import asyncio
import json
import signal
from pathlib import Path

import asyncpg
import nats
from typer.testing import CliRunner

from jingzhang.app.cli import EXIT_BAD_INPUT, EXIT_UNAVAILABLE, app
from jingzhang.app.cli.local import LocalStack, find
from jingzhang.app.services import SERVICES
from jingzhang.shared.envelope import StreamId
from jingzhang.shared.local.nats import NatsServer, free_port
from jingzhang.shared.local.postgres import EmbeddedPostgres, with_database
from jingzhang.shared.store.postgres import PostgresEventStore
from jingzhang.shared.streams import provision, stream_name
from jingzhang.shared.testing.sample import AGGREGATE, SERVICE, meta, noted

from ..kernel.helpers import install_store

runner = CliRunner()
NO_URLS = {"NATS_URL": "", "DATABASE_URL": "", "JZ_STATE_DIR": ""}


def test_version_and_help_name_the_services_and_the_exit_codes() -> None:
    version = runner.invoke(app, ["--version"])
    assert version.exit_code == 0
    assert version.stdout.startswith("jingzhang ")
    assert len(version.stdout.split()) == 2

    for args in ([], ["--help"], ["replay", "--help"], ["republish", "--help"], ["parked", "--help"]):
        shown = " ".join(runner.invoke(app, args, env={"COLUMNS": "200"}).output.split())
        assert "Exit codes: 0 done; 2 bad input" in shown, args
    replay_help = " ".join(runner.invoke(app, ["replay", "--help"], env={"COLUMNS": "200"}).output.split())
    assert f"One of: {', '.join(SERVICES)}" in replay_help


class TestWithoutARunningStack:
    def test_up_refuses_a_partition_count_it_cannot_use_before_it_starts_anything(self, tmp_path: Path) -> None:
        for bad in ("0", "65", "eight"):
            result = runner.invoke(app, ["up", "--state-dir", str(tmp_path)], env={**NO_URLS, "PARTITIONS": bad})

            assert result.exit_code == EXIT_BAD_INPUT, bad
            assert f"PARTITIONS must be a whole number from 1 to 64, not '{bad}'" in " ".join(result.output.split())
            assert list(tmp_path.iterdir()) == [], "nothing written, nothing started"

    def test_nothing_is_found_in_an_empty_or_stopped_state_dir(self, tmp_path: Path) -> None:
        assert find(tmp_path) == LocalStack(tmp_path, None, None)
        (tmp_path / "nats").mkdir()
        (tmp_path / "nats" / "nats-server.conf").write_text(f"listen: 127.0.0.1:{free_port()}\n")
        (tmp_path / "postgres").mkdir()
        dead = 2**22 + 12345  # beyond pid_max's default: no such process
        (tmp_path / "postgres" / "postmaster.pid").write_text(f"{dead}\n/x\n1\n5432\n/tmp\n")
        assert (find(tmp_path).nats_url, find(tmp_path).server_url) == (None, None)

    def test_an_ops_command_then_asks_for_a_database_in_one_line_and_exits_2(self, tmp_path: Path) -> None:
        result = runner.invoke(app, ["parked", "list", "assignment", "--state-dir", str(tmp_path)], env=NO_URLS)

        assert result.exit_code == EXIT_BAD_INPUT
        assert result.output.count("\n") == 1
        assert "DATABASE_URL" in result.output
        assert f"no local stack is running in {tmp_path}" in result.output


def local_stack(root: Path, pg: EmbeddedPostgres, nats_server: NatsServer) -> Path:
    """A state dir laid out as `jingzhang up` leaves it, over the session's running servers."""
    state = root / "state"
    state.mkdir()
    (state / "nats").symlink_to(nats_server.state_dir)
    (state / "postgres").symlink_to(pg.data_dir)
    return state


async def recorded(server_url: str, nats_url: str, events: int) -> None:
    """The service's own database, `jz_<service>` (made afresh), holding `events` events; streams provisioned."""
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "jz_{SERVICE}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "jz_{SERVICE}"')
    finally:
        await admin.close()
    pool = await asyncpg.create_pool(with_database(server_url, f"jz_{SERVICE}"), min_size=1, max_size=2)
    nc = await nats.connect(nats_url)
    try:
        await provision(nc.jetstream(), SERVICES)
        await install_store(pool)
        store = PostgresEventStore(pool, SERVICE)
        await store.append(StreamId(AGGREGATE, "local"), 0, [noted(n) for n in range(events)], meta())
    finally:
        await nc.close()
        await pool.close()


async def stream_size(nats_url: str) -> int:
    nc = await nats.connect(nats_url)
    try:
        return int((await nc.jetstream().stream_info(stream_name(SERVICE))).state.messages)
    finally:
        await nc.close()


def test_ops_commands_find_the_running_local_stack_and_ask_before_purging(
    tmp_path: Path, pg_server: EmbeddedPostgres, nats_server: NatsServer
) -> None:
    state = local_stack(tmp_path, pg_server, nats_server)
    stack = find(state)
    assert stack.nats_url == nats_server.url
    assert stack.server_url is not None
    asyncio.run(recorded(stack.server_url, nats_server.url, events=3))
    local = ["--state-dir", str(state), "--json"]

    first = runner.invoke(app, ["republish", SERVICE, *local], env=NO_URLS)
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["published"] == 3

    tail = runner.invoke(app, ["events", "tail", "--from-start", "--max", "3", *local], env=NO_URLS)
    assert tail.exit_code == 0, tail.output
    assert [json.loads(line)["aggregateversion"] for line in tail.stdout.splitlines()] == [1, 2, 3]

    refused = runner.invoke(app, ["republish", SERVICE, "--purge", *local], env=NO_URLS)
    assert refused.exit_code == EXIT_BAD_INPUT
    assert "Refused without --yes" in refused.output
    assert asyncio.run(stream_size(nats_server.url)) == 3

    purged = runner.invoke(app, ["republish", SERVICE, "--purge", "--yes", *local], env=NO_URLS)
    assert purged.exit_code == 0, purged.output
    assert (json.loads(purged.stdout)["published"], json.loads(purged.stdout)["already"]) == (3, 0)

    asyncio.run(_drop(stack.server_url))


async def _drop(server_url: str) -> None:
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "jz_{SERVICE}" WITH (FORCE)')
    finally:
        await admin.close()


def test_the_local_key_store_is_offered_only_where_the_environment_names_none(tmp_path: Path) -> None:
    (tmp_path / "keystore").mkdir()
    (tmp_path / "keystore" / "master.key").write_text("bWFzdGVy\n")
    stack = LocalStack(tmp_path, None, "postgresql://postgres@/postgres?host=/run/pg")
    assert stack.keystore_env() == {
        "KEYSTORE_URL": "postgresql://postgres@/jz_keys?host=/run/pg",
        "KEYSTORE_MASTER_KEY": "bWFzdGVy",
    }
    assert stack.database_url("appeals") == "postgresql://postgres@/jz_appeals?host=/run/pg"


def test_up_against_unreachable_servers_says_so_in_one_line_and_exits_3(tmp_path: Path) -> None:
    nowhere = {"NATS_URL": "nats://127.0.0.1:1", "DATABASE_URL": "postgresql://jz:secret@127.0.0.1:1/none"}
    before = signal.getsignal(signal.SIGTERM)  # `up` installs its own; give the test process its own back
    try:
        result = runner.invoke(app, ["up", "--state-dir", str(tmp_path), "--seconds", "1"], env=nowhere)
    finally:
        signal.signal(signal.SIGTERM, before)

    assert result.exit_code == EXIT_UNAVAILABLE
    assert "cannot reach" in result.output
    assert "Traceback" not in result.output
    assert "secret" not in result.output
