"""Property: the facts tables converge to the same state for any interleaving of the four services'
streams that keeps each stream's own order (cross-service order is never guaranteed), in any batching.

Envelopes go straight through the kernel's `Applier` into a fresh schema per example: the consumer's
own code path, without NATS.
"""

import itertools
from collections.abc import Iterator
from dataclasses import fields, replace
from datetime import date

import asyncpg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jingzhang.evaluation.domain.facts import Facts
from jingzhang.evaluation.projections.facts import PROJECTION as FACTS
from jingzhang.evaluation.projections.loader import read_facts
from jingzhang.shared.applier import Applier, Delivery, Outcome
from jingzhang.shared.envelope import StreamId, encode
from jingzhang.shared.projection import install

from ..samples import (
    Step,
    appeal,
    at,
    envelope,
    forum,
    forum_appeal_id,
    raised,
    rated,
    reopened,
    small_year,
    spot_answer,
)

_schemas = itertools.count()


def four_streams() -> dict[str, list[Delivery]]:
    """Each service's events in its own order, with versions per aggregate and unique ids."""
    steps = small_year()
    steps["appeals"] = [
        raised(forum_appeal_id("f1", "r1"), at(6, 2)),
        *steps["appeals"],
        *appeal("a9", "o1", 20, month=5, rating=(2, False)),
        reopened("a9", at(5, 21)),  # a dissatisfied callback reopens: the facts must take it
    ]
    steps["patrols"].append(forum("f1", date(2025, 6, 1), ("r1",)))
    # The answer comes before (in evaluation's stream) the chiefs it is about are known at all.
    steps["evaluation"] = [spot_answer("sc1", "e1", satisfied=True), rated("r1", "e1", "o1", 4)]
    versions: dict[tuple[str, StreamId], int] = {}
    seq = itertools.count()
    return {service: [_deliver(step, versions, next(seq)) for step in mine] for service, mine in steps.items()}


def _deliver(step: Step, versions: dict[tuple[str, StreamId], int], seq: int) -> Delivery:
    key = (step.service, StreamId(step.aggregate_type, step.aggregate_id))
    versions[key] = versions.get(key, 0) + 1
    env = envelope(step, versions[key], seq)
    return Delivery(env.subject, encode(env))


STREAMS = four_streams()
LABELS = [service for service, mine in STREAMS.items() for _ in mine]


def interleave(order: list[str]) -> list[Delivery]:
    queues = {service: iter(mine) for service, mine in STREAMS.items()}
    return [next(queues[service]) for service in order]


def batches(deliveries: list[Delivery], sizes: list[int]) -> Iterator[list[Delivery]]:
    start = 0
    for size in itertools.cycle(sizes):
        if start >= len(deliveries):
            return
        yield deliveries[start : start + size]
        start += size


async def apply_all(pool: asyncpg.Pool, deliveries: list[Delivery], sizes: list[int], *, set_based: bool = True) -> str:
    """`set_based=False`: every event through the projection's per-event `apply`, as the applier's careful
    pass does, instead of its `apply_many` (statements grouped per table, run pipelined)."""
    schema = f"proj_facts_p{next(_schemas)}"
    applier = Applier(FACTS if set_based else replace(FACTS, apply_many=None), None, schema=schema)
    async with pool.acquire() as conn:
        await install(conn, FACTS, schema)
        for batch in batches(deliveries, sizes):
            outcomes = await applier.apply_batch(conn, batch)
            assert set(outcomes) == {Outcome.APPLIED}
    return schema


async def state_of(pool: asyncpg.Pool, schema: str) -> tuple[dict[str, list[str]], Facts]:
    tables = await pool.fetch(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_name NOT LIKE '\\_%'",
        schema,
    )
    dump = {}
    for table in sorted(r["table_name"] for r in tables):
        # without `seq`: the order events were applied in, which an interleaving changes by design
        rows = await pool.fetch(f'SELECT (to_jsonb(t) - \'seq\')::text AS row FROM "{schema}"."{table}" t')
        dump[table] = sorted(r["row"] for r in rows)
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(f'SET LOCAL search_path TO "{schema}", public')
        facts = await read_facts(conn)
    await pool.execute(f'DROP SCHEMA "{schema}" CASCADE')
    return dump, _sorted(facts)


def _sorted(facts: Facts) -> Facts:
    """`Facts` say order never matters; sorting makes two loads comparable with ==."""
    ordered = {f.name: tuple(sorted(getattr(facts, f.name), key=lambda x: x.fact_id)) for f in fields(facts)}
    return replace(facts, **ordered)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.permutations(LABELS), sizes=st.lists(st.integers(1, 12), min_size=1, max_size=4))
async def test_facts_converge_for_any_interleaving_that_keeps_each_streams_order(
    pool: asyncpg.Pool, order: list[str], sizes: list[int]
) -> None:
    reference = await state_of(pool, await apply_all(pool, interleave(sorted(LABELS)), [len(LABELS)]))
    one_by_one = await state_of(pool, await apply_all(pool, interleave(sorted(LABELS)), [1], set_based=False))
    assert one_by_one == reference  # set-based batches equal the events applied one at a time

    shuffled = await state_of(pool, await apply_all(pool, interleave(order), sizes))

    assert shuffled == reference
    dump, facts = reference
    assert len(dump["fact_events"]) == len(LABELS)  # every event arrived and was logged once
    answer = facts.spot_checks[0]
    assert answer.officer_ids == {"o1", "o2", "o3"}  # joined with chiefs whichever came first
    assert [a.forum_id for a in facts.appeals if a.forum_id] == ["f1"]
