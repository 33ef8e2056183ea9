"""The applier's first round trip (`jz_meta.begin_apply_v1`): the projection's lock, its search path and
the streams' states in one call. What the lock's previous holder committed is seen (the states are read
after the lock, with a fresh snapshot), so an event applied meanwhile elsewhere is a duplicate here;
and projections installed at once on a fresh database create the function once, without a race."""

import asyncio

import asyncpg

from jingzhang.shared.applier import Applier, Outcome
from jingzhang.shared.projection import Projection, install
from jingzhang.shared.testing.sample import delivered, tally


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
    assert await pool.fetchval("SELECT count(*) FROM pg_proc WHERE proname = 'begin_apply_v1'") == 1
