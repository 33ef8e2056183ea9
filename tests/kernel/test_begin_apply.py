"""The applier's first round trip (`jz_meta.begin_apply_v2`): the projection's lock, its search path,
the streams' states and the tracking of runs that apply whole, in one call. What the lock's previous
holder committed is seen (the states are read after the lock, with a fresh snapshot), so an event
applied meanwhile elsewhere is a duplicate here; projections installed at once on a fresh database
create the function once, without a race; a batch that applies cleanly saves no tracking of its own,
one that does not saves it as before, and tracking saved ahead never outlives a batch that failed."""

import asyncio
from typing import Any

import asyncpg

from jingzhang.shared.applier import Applier, Delivery, Outcome
from jingzhang.shared.projection import Projection, install
from jingzhang.shared.testing.sample import delivered, tally

TRACKING_WRITE = "INSERT INTO _tracking"


async def test_a_batch_waiting_for_the_lock_sees_what_its_holder_committed(pool: asyncpg.Pool) -> None:
    projection = tally("beginlock")
    async with pool.acquire() as conn:
        await install(conn, projection)
    applier = Applier(projection, None)
    first = await pool.acquire()
    second = await pool.acquire()
    try:
        holder = first.transaction()
        await holder.start()
        assert await applier.apply_joined(first, applier.decode([delivered("s", 1, 5)])) == [Outcome.APPLIED]
        # the same event, delivered to a second consumer (a handover): it waits for the projection's lock
        waiting = asyncio.create_task(applier.apply_batch(second, [delivered("s", 1, 5)]))
        await asyncio.sleep(0.5)
        assert not waiting.done()
        await holder.commit()
        assert await asyncio.wait_for(waiting, 10) == [Outcome.DUPLICATE]
    finally:
        await pool.release(first)
        await pool.release(second)
    rows = await pool.fetch('SELECT events FROM "proj_beginlock".tally')
    assert [r["events"] for r in rows] == [1]


async def test_projections_installed_at_once_on_a_fresh_database_all_apply(pool: asyncpg.Pool) -> None:
    assert await pool.fetchval("SELECT to_regnamespace('jz_meta')") is None  # a fresh database
    projections = [tally(f"fresh{i}") for i in range(6)]

    async def install_one(p: Projection) -> None:
        async with pool.acquire() as conn:
            await install(conn, p)

    await asyncio.gather(*(install_one(p) for p in projections))
    async with pool.acquire() as conn:
        for i, p in enumerate(projections):
            assert await Applier(p, None).apply_batch(conn, [delivered(f"f{i}", 1, i)]) == [Outcome.APPLIED]
    assert await pool.fetchval("SELECT count(*) FROM pg_proc WHERE proname = 'begin_apply_v2'") == 1


async def _applied_with_queries(
    pool: asyncpg.Pool, applier: Applier, batch: list[Delivery]
) -> tuple[list[Outcome], list[str]]:
    queries: list[str] = []

    def logged(record: Any) -> None:
        queries.append(record.query)

    async with pool.acquire() as conn:
        conn.add_query_logger(logged)
        try:
            outcomes = await applier.apply_batch(conn, batch)
        finally:
            conn.remove_query_logger(logged)
    return outcomes, queries


async def test_a_clean_batch_saves_its_tracking_in_the_first_round_trip(pool: asyncpg.Pool) -> None:
    projection = tally("aheadclean")
    async with pool.acquire() as conn:
        await install(conn, projection)
    applier = Applier(projection, None)
    batch = [delivered("a", 1, 1), delivered("b", 1, 2), delivered("a", 2, 3), delivered("b", 2, 4)]
    outcomes, queries = await _applied_with_queries(pool, applier, batch)
    assert outcomes == [Outcome.APPLIED] * 4
    assert not [q for q in queries if TRACKING_WRITE in q]  # saved by begin_apply, no statement of its own
    rows = await pool.fetch('SELECT stream_key, version FROM "proj_aheadclean"._tracking ORDER BY stream_key')
    assert [(r["stream_key"].rsplit("/", 1)[1], r["version"]) for r in rows] == [("a", 2), ("b", 2)]
    # a redelivery with one new event: the run does not follow the applied version, saved the old way
    outcomes, queries = await _applied_with_queries(pool, applier, [delivered("a", 2, 3), delivered("a", 3, 5)])
    assert outcomes == [Outcome.DUPLICATE, Outcome.APPLIED]
    assert [q for q in queries if TRACKING_WRITE in q]
    assert await pool.fetchval("SELECT version FROM \"proj_aheadclean\"._tracking WHERE stream_key LIKE '%/a'") == 3
    assert await pool.fetchval("SELECT events FROM \"proj_aheadclean\".tally WHERE aggregate_id = 'a'") == 3


async def test_tracking_saved_ahead_goes_with_a_batch_that_fails(pool: asyncpg.Pool) -> None:
    projection = tally("aheadfail")
    async with pool.acquire() as conn:
        await install(conn, projection)
    await pool.execute("INSERT INTO \"proj_aheadfail\".poison VALUES ('bad')")
    applier = Applier(projection, None, max_failures=1)
    batch = [delivered("p", 1, 1), delivered("p", 2, 2, "bad"), delivered("q", 1, 3)]
    async with pool.acquire() as conn:
        outcomes = await applier.apply_batch(conn, batch)
    # the fast pass failed on the poison and rolled back (with what it saved ahead); the careful pass
    # applied event by event: p's first, then p parked at its second, q applied
    assert outcomes == [Outcome.APPLIED, Outcome.PARKED, Outcome.APPLIED]
    rows = await pool.fetch('SELECT stream_key, version FROM "proj_aheadfail"._tracking ORDER BY stream_key')
    assert [(r["stream_key"].rsplit("/", 1)[1], r["version"]) for r in rows] == [("p", 1), ("q", 1)]
