"""Set-based projections (`Projection.apply_many`): the applier's fast pass hands a batch's applicable
events to it once, in order; a failure falls back to one event at a time, so only the failing stream
defers; and the state equals applying the same deliveries one by one, whatever the batch holds
(duplicates, gaps, several streams interleaved)."""

import random
from collections.abc import Sequence

import asyncpg
import pytest

from jingzhang.shared.applier import Applier, Outcome
from jingzhang.shared.projection import Applicable, Projection, Tx, each, install
from jingzhang.shared.testing.sample import AGGREGATE, SERVICE, apply_tally_many, delivered, expected_digest, tally

from .projection_helpers import snapshot


@pytest.fixture
async def conn(pool: asyncpg.Pool) -> asyncpg.Connection:
    async with pool.acquire() as connection:
        yield connection


async def test_the_fast_pass_applies_a_batch_with_one_call_in_order(conn: asyncpg.Connection) -> None:
    calls: list[list[tuple[str, int]]] = []

    async def counted(tx: Tx, events: Sequence[Applicable]) -> None:
        calls.append([(env.stream.aggregate_id, env.version) for env, _ in events])
        await apply_tally_many(tx, events)

    projection = Projection(
        name="many", schema_sql=tally().schema_sql, sources=tally().sources, registry=tally().registry,
        apply=each(counted), apply_many=counted,
    )  # fmt: skip
    await install(conn, projection)
    batch = [delivered(f"s{i % 3}", i // 3 + 1, i) for i in range(30)]
    assert await Applier(projection, None).apply_batch(conn, batch) == [Outcome.APPLIED] * 30
    assert len(calls) == 1, "one set-based call for the whole batch"
    assert calls[0] == [(f"s{i % 3}", i // 3 + 1) for i in range(30)]
    tracked = await conn.fetch('SELECT stream_key, version FROM "proj_many"._tracking ORDER BY stream_key')
    assert [(r["stream_key"], r["version"]) for r in tracked] == [(f"{SERVICE}/{AGGREGATE}/s{k}", 10) for k in range(3)]
    rows = await snapshot(conn, projection)
    assert rows == {f"s{k}": (expected_digest(list(range(k, 30, 3))), 10, 10) for k in range(3)}


async def test_a_failing_event_falls_back_to_one_at_a_time_and_defers_only_its_stream(
    conn: asyncpg.Connection,
) -> None:
    projection = tally("manyfail")
    await install(conn, projection)
    await conn.execute('INSERT INTO "proj_manyfail".poison VALUES ($1)', "bad")
    batch = [
        delivered("ok", 1, 5),
        delivered("sick", 1, 7, label="bad"),
        delivered("ok", 2, 6),
        delivered("sick", 2, 8),
    ]
    outcomes = await Applier(projection, None).apply_batch(conn, batch)
    assert outcomes == [Outcome.APPLIED, Outcome.DEFERRED, Outcome.APPLIED, Outcome.WAITING]
    assert await snapshot(conn, projection) == {"ok": (expected_digest([5, 6]), 2, 2)}


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
async def test_set_based_equals_one_by_one_on_messy_deliveries(conn: asyncpg.Connection, seed: int) -> None:
    """Duplicates, gaps (out-of-order arrivals that wait) and interleaved streams, split into batches
    at random: the batched tally and the per-event tally end in the same state with the same outcomes."""
    rng = random.Random(seed)
    streams = {f"m{k}": [rng.randrange(1000) for _ in range(rng.randrange(1, 12))] for k in range(6)}
    deliveries = [delivered(sid, v + 1, amount) for sid, amounts in streams.items() for v, amount in enumerate(amounts)]
    rng.shuffle(deliveries)
    deliveries += rng.sample(deliveries, k=len(deliveries) // 4)  # redeliveries
    results = {}
    for batched in (True, False):
        projection = tally(f"messy{seed}{'b' if batched else 'e'}", batched=batched)
        await install(conn, projection)
        applier = Applier(projection, None)
        outcomes: list[Outcome] = []
        pending = list(deliveries)
        cuts = random.Random(seed * 7)
        while pending:  # what waits comes back at the end, as JetStream redelivers it
            size = cuts.randrange(1, 20)
            batch, pending = pending[:size], pending[size:]
            got = await applier.apply_batch(conn, batch)
            outcomes += got
            pending += [d for d, o in zip(batch, got, strict=True) if o is Outcome.WAITING]
        results[batched] = (await snapshot(conn, projection), outcomes)
    assert results[True] == results[False]
    assert results[True][0] == {
        sid: (expected_digest(amounts), len(amounts), len(amounts)) for sid, amounts in streams.items()
    }
