"""Projections written as statements: a pure plan says which SQL statements an event causes, and the
kernel runs them, one by one for a single event and set-based for a batch.

A plan `(envelope, payload) -> statements` reads nothing from the database (it decides from the event
alone), so it is a pure function, testable without PostgreSQL. For a batch the kernel runs the
statements grouped so that each run of the same SQL is one `executemany` (asyncpg pipelines its rows:
one round trip for the run instead of one per event):

- statements on one table keep their order (an update after the insert it updates);
- a statement that touches only its own table (`INSERT INTO t …`, `UPDATE t …`, `DELETE FROM t …`
  with no `SELECT`, `FROM`, `USING`, `RETURNING` or `WITH` besides) may run before statements on
  other tables that came earlier, since neither can see the other's rows: so a batch whose events
  each log a row and write a fact (A B A B …) runs as two runs (A A …, B B …), not as 2n statements;
- any other statement is a barrier: everything before it runs first, then it, in order.

The effect is the one of running the statements one after another: each table sees its statements in
order, and no statement reads another table's pending rows. A failing row fails the batch's fast pass
and the applier applies the batch again one event at a time, so only its stream defers or parks.
"""

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import asyncpg

from jingzhang.shared.envelope import Envelope
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.projection import Applicable, Apply, ApplyMany, Tx

_NAME = r'(?:"[^"]+"|[A-Za-z_]\w*)'
_LOCAL = re.compile(
    rf"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+(?P<table>{_NAME}(?:\.{_NAME})?)(?P<rest>.*)$", re.I | re.S
)
_READS_ELSEWHERE = re.compile(r"\b(?:SELECT|FROM|USING|RETURNING|WITH)\b", re.I)


@functools.lru_cache(maxsize=4096)
def table_of(text: str) -> str | None:
    """The one table a statement touches, or None when it may read or write others (a barrier).
    Remembered per text: plans repeat a few statements, and matching each anew was 2.8 % of evaluation's
    CPU in the demo year."""
    match = _LOCAL.match(text)
    if match is None or _READS_ELSEWHERE.search(match.group("rest")):
        return None
    return match.group("table").rsplit(".", 1)[-1].strip('"').lower()  # by name: another schema's too


@dataclass(frozen=True, slots=True)
class Statement:
    sql: str
    args: tuple[object, ...]
    table: str | None
    """The one table it touches (see `table_of`); None: a barrier."""


def sql(text: str, *args: object) -> Statement:
    return Statement(text, args, table_of(text))


Plan = Callable[[Envelope, DomainEvent], Iterable[Statement]]


async def run(conn: asyncpg.Connection, statements: Iterable[Statement]) -> None:
    """Run `statements` with the effect of running them in order (see the module's text), each run of
    the same SQL on a table as one pipelined `executemany`."""
    pending: dict[str, list[Statement]] = {}
    for statement in statements:
        if statement.table is not None:
            pending.setdefault(statement.table, []).append(statement)
            continue
        await _flush(conn, pending)
        await conn.execute(statement.sql, *statement.args)
    await _flush(conn, pending)


async def _flush(conn: asyncpg.Connection, pending: dict[str, list[Statement]]) -> None:
    for table_statements in pending.values():
        start = 0
        while start < len(table_statements):
            text = table_statements[start].sql
            end = start + 1
            while end < len(table_statements) and table_statements[end].sql == text:
                end += 1
            if end - start == 1:
                await conn.execute(text, *table_statements[start].args)
            else:
                await conn.executemany(text, [st.args for st in table_statements[start:end]])
            start = end
    pending.clear()


def applying(plan: Plan) -> tuple[Apply, ApplyMany]:
    """A projection's `apply` and `apply_many` from its plan."""

    async def apply(tx: Tx, env: Envelope, payload: DomainEvent) -> None:
        await run(tx.conn, plan(env, payload))

    async def apply_many(tx: Tx, events: Sequence[Applicable]) -> None:
        await run(tx.conn, (statement for env, payload in events for statement in plan(env, payload)))

    return apply, apply_many
