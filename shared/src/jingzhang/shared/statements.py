"""Projections written as statements: a pure plan says which SQL statements an event causes, and the
kernel runs them, one by one for a single event and set-based for a batch.

A plan `(envelope, payload) -> statements` reads nothing from the database (it decides from the event
alone), so it is a pure function, testable without PostgreSQL. For a batch the kernel runs the
statements in the events' order, each run of consecutive statements with the same SQL as one
`executemany` (asyncpg pipelines its rows: one round trip for the run instead of one per event). The
effect is the same as running them one after another, because they are run one after another, in
order, by the server; only the round trips are saved. A failing row fails the batch's fast pass and
the applier applies the batch again one event at a time, so only its stream defers or parks.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import asyncpg

from jingzhang.shared.envelope import Envelope
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.projection import Applicable, Apply, ApplyMany, Tx


@dataclass(frozen=True, slots=True)
class Statement:
    sql: str
    args: tuple[object, ...]


def sql(text: str, *args: object) -> Statement:
    return Statement(text, args)


Plan = Callable[[Envelope, DomainEvent], Iterable[Statement]]


async def run(conn: asyncpg.Connection, statements: Iterable[Statement]) -> None:
    """Run `statements` in order, each run of the same SQL as one pipelined `executemany`."""
    run_sql: str | None = None
    rows: list[tuple[object, ...]] = []
    for statement in statements:
        if statement.sql != run_sql:
            await _flush(conn, run_sql, rows)
            run_sql, rows = statement.sql, []
        rows.append(statement.args)
    await _flush(conn, run_sql, rows)


async def _flush(conn: asyncpg.Connection, text: str | None, rows: Sequence[tuple[object, ...]]) -> None:
    if text is None or not rows:
        return
    if len(rows) == 1:
        await conn.execute(text, *rows[0])
    else:
        await conn.executemany(text, rows)


def applying(plan: Plan) -> tuple[Apply, ApplyMany]:
    """A projection's `apply` and `apply_many` from its plan."""

    async def apply(tx: Tx, env: Envelope, payload: DomainEvent) -> None:
        await run(tx.conn, plan(env, payload))

    async def apply_many(tx: Tx, events: Sequence[Applicable]) -> None:
        await run(tx.conn, (statement for env, payload in events for statement in plan(env, payload)))

    return apply, apply_many
