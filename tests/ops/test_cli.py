"""The ops CLI: distinct exit codes with one clear message, and the commands against real servers."""

import asyncio
import json
import os
import uuid
from pathlib import Path

import asyncpg
import nats
from typer.testing import CliRunner

from jingzhang.app.cli import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_UNAVAILABLE, app
from jingzhang.app.services import SERVICES
from jingzhang.shared.envelope import StreamId
from jingzhang.shared.local.nats import NatsServer
from jingzhang.shared.local.postgres import EmbeddedPostgres, ensure_database, with_database
from jingzhang.shared.relay import Relay
from jingzhang.shared.store.postgres import PostgresEventStore
from jingzhang.shared.streams import provision, stream_name
from jingzhang.shared.testing.sample import AGGREGATE, SERVICE, meta, noted

from ..kernel.helpers import install_store, read_stream_messages

runner = CliRunner()
NOWHERE_PG = "postgresql://jz:secret@127.0.0.1:1/none"
NOWHERE_NATS = "nats://127.0.0.1:1"


class TestWhenTheInputIsWrong:
    def test_an_unknown_service_exits_2_and_names_the_choices(self) -> None:
        result = runner.invoke(app, ["republish", "nope", "--database-url", NOWHERE_PG])

        assert result.exit_code == EXIT_BAD_INPUT
        assert "unknown service 'nope'" in result.output
        assert "assignment" in result.output

    def test_a_missing_database_url_exits_2(self, tmp_path: Path) -> None:
        no_stack = ["--state-dir", str(tmp_path)]  # and no local stack running there
        result = runner.invoke(app, ["replay", "assignment", *no_stack], env={"DATABASE_URL": ""})

        assert result.exit_code == EXIT_BAD_INPUT
        assert "DATABASE_URL" in result.output

    def test_an_unknown_projection_exits_2(self) -> None:
        result = runner.invoke(app, ["replay", "assignment", "--projection", "nope", "--database-url", NOWHERE_PG])

        assert result.exit_code == EXIT_BAD_INPUT
        assert "unknown projection 'nope'" in result.output


class TestWhenTheServersAreUnreachable:
    def test_replay_exits_3_naming_postgresql_without_the_password(self) -> None:
        result = runner.invoke(app, ["replay", "assignment", "--database-url", NOWHERE_PG])

        assert result.exit_code == EXIT_UNAVAILABLE
        assert "cannot reach PostgreSQL at 127.0.0.1:1" in result.output
        assert "secret" not in result.output

    def test_republish_exits_3(self) -> None:
        result = runner.invoke(app, ["republish", "assignment", "--database-url", NOWHERE_PG])

        assert result.exit_code == EXIT_UNAVAILABLE
        assert "cannot reach PostgreSQL" in result.output

    def test_tail_exits_3_naming_nats(self) -> None:
        result = runner.invoke(app, ["events", "tail", "--nats-url", NOWHERE_NATS, "--seconds", "1"])

        assert result.exit_code == EXIT_UNAVAILABLE
        assert f"cannot reach NATS at {NOWHERE_NATS}" in result.output

    def test_parked_list_exits_3(self) -> None:
        result = runner.invoke(app, ["parked", "list", "assignment", "--database-url", NOWHERE_PG])

        assert result.exit_code == EXIT_UNAVAILABLE


def fresh_database(pg: EmbeddedPostgres) -> str:
    name = f"cli{os.getpid()}_{uuid.uuid4().hex[:8]}"
    asyncio.run(ensure_database(pg.url(), name))
    return with_database(pg.url(), name)


async def recorded_and_relayed(database_url: str, nats_url: str, streams: int, per_stream: int) -> None:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=4)
    nc = await nats.connect(nats_url)
    try:
        await provision(nc.jetstream(), SERVICES)
        await install_store(pool)
        store = PostgresEventStore(pool, SERVICE)
        for n in range(per_stream):
            for s in range(streams):
                await store.append(StreamId(AGGREGATE, f"c{s}"), n, [noted(n)], meta())
        await Relay(store, nc).publish_pending()
    finally:
        await nc.close()
        await pool.close()


async def lose_stream(nats_url: str) -> None:
    nc = await nats.connect(nats_url)
    await nc.jetstream().delete_stream(stream_name(SERVICE))
    await nc.close()


async def stream_versions(nats_url: str) -> list[tuple[str, int]]:
    nc = await nats.connect(nats_url)
    try:
        return [(str(env.stream), env.version) for _, env in await read_stream_messages(nc, SERVICE)]
    finally:
        await nc.close()


class TestAgainstRealServers:
    def test_tail_from_start_prints_one_line_per_event_and_stops_at_max(
        self, pg_server: EmbeddedPostgres, nats_server: NatsServer
    ) -> None:
        asyncio.run(recorded_and_relayed(fresh_database(pg_server), nats_server.url, streams=2, per_stream=3))

        result = runner.invoke(
            app, ["events", "tail", "jz.*.evt.ledger.c1.>", "--from-start", "--max", "2", "--nats-url", nats_server.url]
        )

        assert result.exit_code == 0, result.output
        lines = [line for line in result.stdout.splitlines() if "Noted" in line]
        assert len(lines) == 2
        assert "ledger-c1@1" in lines[0]
        assert "ledger-c1@2" in lines[1]

    def test_tail_json_prints_cloudevents_and_stops_after_seconds(
        self, pg_server: EmbeddedPostgres, nats_server: NatsServer
    ) -> None:
        asyncio.run(recorded_and_relayed(fresh_database(pg_server), nats_server.url, streams=1, per_stream=2))

        result = runner.invoke(
            app, ["events", "tail", "--from-start", "--seconds", "2", "--json", "--nats-url", nats_server.url]
        )

        assert result.exit_code == 0, result.output
        docs = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
        assert [(d["specversion"], d["aggregateversion"]) for d in docs] == [("1.0", 1), ("1.0", 2)]

    def test_republish_twice_restores_the_stream_then_publishes_nothing(
        self, pg_server: EmbeddedPostgres, nats_server: NatsServer
    ) -> None:
        database_url = fresh_database(pg_server)
        asyncio.run(recorded_and_relayed(database_url, nats_server.url, streams=3, per_stream=4))
        asyncio.run(lose_stream(nats_server.url))
        args = ["republish", SERVICE, "--json", "--database-url", database_url, "--nats-url", nats_server.url]

        first = runner.invoke(app, args)
        second = runner.invoke(app, args)

        assert first.exit_code == second.exit_code == 0, first.output + second.output
        assert json.loads(first.stdout)["published"] == 12
        assert (json.loads(second.stdout)["published"], json.loads(second.stdout)["already"]) == (0, 12)
        versions = asyncio.run(stream_versions(nats_server.url))
        assert sorted(versions) == [(f"{AGGREGATE}-c{s}", v) for s in range(3) for v in range(1, 5)]

    def test_a_failing_replay_exits_4(self, pg_server: EmbeddedPostgres, nats_server: NatsServer) -> None:
        database_url = fresh_database(pg_server)
        # the service's stream was never provisioned: the replay itself fails, the servers are fine
        result = runner.invoke(
            app, ["replay", "assignment", "--database-url", database_url, "--nats-url", nats_server.url]
        )

        assert result.exit_code == EXIT_FAILED
        assert "replay failed" in result.output
