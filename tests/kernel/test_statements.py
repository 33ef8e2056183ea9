"""Projections written as statements (`jingzhang.shared.statements`): a batch runs its events'
statements in order, runs of the same SQL pipelined, with the same effect as one event at a time; a
failing row sends the batch to the one-at-a-time pass, where only its stream waits."""

from collections.abc import Iterator

import asyncpg
import pytest

from jingzhang.shared.applier import Applier, Outcome
from jingzhang.shared.envelope import Envelope
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.projection import Projection, Source, install
from jingzhang.shared.statements import Statement, applying, run, sql, table_of
from jingzhang.shared.testing.sample import AGGREGATE, REGISTRY, SERVICE, Noted, delivered

SQL = """
CREATE TABLE IF NOT EXISTS account (
    id      text PRIMARY KEY,
    balance integer NOT NULL CHECK (balance >= 0),
    history text NOT NULL
);
"""


def plan(env: Envelope, payload: DomainEvent) -> Iterator[Statement]:
    """Opening a stream inserts its account; every event adds its amount and appends to the history,
    so order matters (the history) and a negative balance fails (the CHECK)."""
    if not isinstance(payload, Noted):
        return
    if env.version == 1:
        yield sql("INSERT INTO account VALUES ($1, 0, '')", env.stream.aggregate_id)
    yield sql(
        "UPDATE account SET balance = balance + $2, history = history || $3 WHERE id = $1",
        env.stream.aggregate_id,
        payload.amount,
        f"{payload.amount};",
    )


def projection(name: str, batched: bool) -> Projection:
    apply, apply_many = applying(plan)
    return Projection(
        name=name,
        schema_sql=SQL,
        sources=(Source(SERVICE, AGGREGATE),),
        registry=REGISTRY,
        apply=apply,
        apply_many=apply_many if batched else None,
    )


@pytest.fixture
async def conn(pool: asyncpg.Pool) -> asyncpg.Connection:
    async with pool.acquire() as connection:
        yield connection


async def accounts(conn: asyncpg.Connection, p: Projection) -> dict[str, tuple[int, str]]:
    rows = await conn.fetch(f'SELECT id, balance, history FROM "{p.schema}".account')
    return {r["id"]: (r["balance"], r["history"]) for r in rows}


async def test_run_keeps_the_order_of_statements_across_runs_of_the_same_sql(conn: asyncpg.Connection) -> None:
    await conn.execute("CREATE TEMP TABLE t (k text PRIMARY KEY, v text NOT NULL)")
    await run(
        conn,
        [
            sql("INSERT INTO t VALUES ($1, $2)", "a", "1"),
            sql("INSERT INTO t VALUES ($1, $2)", "b", "1"),
            sql("UPDATE t SET v = v || $2 WHERE k = $1", "a", "2"),
            sql("UPDATE t SET v = v || $2 WHERE k = $1", "a", "3"),
            sql("INSERT INTO t VALUES ($1, $2)", "c", "1"),
            sql("UPDATE t SET v = v || $2 WHERE k = $1", "c", "2"),
        ],
    )
    assert {r["k"]: r["v"] for r in await conn.fetch("SELECT k, v FROM t")} == {"a": "123", "b": "1", "c": "12"}


async def test_a_batch_of_statements_equals_one_event_at_a_time(conn: asyncpg.Connection) -> None:
    batch = [delivered(f"s{i % 4}", i // 4 + 1, i) for i in range(40)]
    results = {}
    for batched in (True, False):
        p = projection(f"stmts{'b' if batched else 'e'}", batched)
        await install(conn, p)
        outcomes = await Applier(p, None).apply_batch(conn, batch)
        results[batched] = (outcomes, await accounts(conn, p))
    assert results[True] == results[False]
    assert results[True][1]["s1"] == (sum(range(1, 40, 4)), "".join(f"{i};" for i in range(1, 40, 4)))


async def test_a_failing_row_defers_only_its_stream(conn: asyncpg.Connection) -> None:
    p = projection("stmtsfail", True)
    await install(conn, p)
    batch = [delivered("ok", 1, 5), delivered("broke", 1, -1), delivered("ok", 2, 6), delivered("broke", 2, 9)]
    outcomes = await Applier(p, None).apply_batch(conn, batch)
    assert outcomes == [Outcome.APPLIED, Outcome.DEFERRED, Outcome.APPLIED, Outcome.WAITING]
    assert await accounts(conn, p) == {"ok": (11, "5;6;")}


@pytest.mark.parametrize(
    ("text", "table"),
    [
        ("INSERT INTO duty (a) VALUES ($1) ON CONFLICT (duty_id) DO UPDATE SET a = duty.a + excluded.a", "duty"),
        ("UPDATE duty SET status = $2 WHERE duty_id = $1", "duty"),
        ("DELETE FROM open_duty WHERE duty_id = $1", "open_duty"),
        ('INSERT INTO "proj_x".entry VALUES ($1)', "entry"),
        ("INSERT INTO t SELECT * FROM unnest($1::text[])", None),
        ("UPDATE a SET x = b.x FROM b WHERE a.id = b.id", None),
        ("DELETE FROM a USING b WHERE a.id = b.id", None),
        ("INSERT INTO t VALUES ($1) RETURNING id", None),
        ("WITH u AS (SELECT 1) INSERT INTO t SELECT * FROM u", None),
        ("UPDATE t SET n = (SELECT count(*) FROM u) WHERE id = $1", None),
    ],
)
def test_only_a_statement_that_touches_its_own_table_alone_may_move(text: str, table: str | None) -> None:
    assert table_of(text) == table


async def test_run_groups_by_table_yet_each_table_and_every_barrier_sees_its_statements_in_order(
    conn: asyncpg.Connection,
) -> None:
    await conn.execute("CREATE TEMP TABLE log (n integer NOT NULL)")
    await conn.execute("CREATE TEMP TABLE t (k text PRIMARY KEY, v text NOT NULL)")
    await conn.execute("CREATE TEMP TABLE seen (at_barrier text NOT NULL)")
    statements = []
    for i in range(6):  # A B A B …: a log row and a write of t per event
        statements.append(sql("INSERT INTO log VALUES ($1)", i))
        if i % 2 == 0:
            statements.append(sql("INSERT INTO t VALUES ($1, $2)", f"k{i}", str(i)))
        else:
            statements.append(sql("UPDATE t SET v = v || $2 WHERE k = $1", f"k{i - 1}", str(i)))
        if i == 3:  # reads t and log as they stand after event 3
            statements.append(
                sql(
                    "INSERT INTO seen SELECT string_agg(k || '=' || v, ',' ORDER BY k) || '/' || (SELECT count(*)"
                    " FROM log) FROM t"
                )
            )
    await run(conn, statements)
    assert {r["k"]: r["v"] for r in await conn.fetch("SELECT k, v FROM t")} == {"k0": "01", "k2": "23", "k4": "45"}
    assert [r["at_barrier"] for r in await conn.fetch("SELECT at_barrier FROM seen")] == ["k0=01,k2=23/4"]
    assert await conn.fetchval("SELECT count(*) FROM log") == 6
