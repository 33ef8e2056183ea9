"""Where the time goes: `python -m bench.profile [append|apply|all]` (diagnostics, not figures).

- `append`: the append path under cProfile (8 clients, 3 s), then the same closed loop with two
  kernel variations applied to a scratch database only, to show what a kernel change would buy:
  without the `pg_notify` statement trigger, and additionally without BEGIN/COMMIT round trips
  (the append is one statement, so autocommit is already atomic).
- `apply`: the projection consumer applying a full stream under cProfile.
"""

import asyncio
import cProfile
import io
import pstats
import sys
import time

import asyncpg

from bench import appends, flow
from bench.child import install_uvloop
from bench.servers import Stack
from jingzhang.shared.envelope import StreamId
from jingzhang.shared.logging import configure
from jingzhang.shared.store.postgres import PostgresEventStore
from jingzhang.shared.testing.sample import AGGREGATE, SERVICE, meta, noted


def top(profile: cProfile.Profile, title: str, n: int = 28) -> None:
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(n)
    print(f"\n===== {title} (sorted by own time) =====")
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:6000])


async def autocommit_appends(url: str, seconds: float) -> float:
    """`append_in` on a pooled connection without an explicit transaction (one round trip)."""
    pool = await asyncpg.create_pool(url, min_size=appends.CLIENTS, max_size=appends.CLIENTS)
    store = PostgresEventStore(pool, SERVICE)

    async def one(client: int, i: int) -> None:
        async with pool.acquire() as conn:
            await store.append_in(conn, StreamId(AGGREGATE, f"c{client}-{i}"), 0, [noted(i)], meta())

    try:
        return await appends._closed_loop(appends.CLIENTS, seconds, one)
    finally:
        await pool.close()


async def drop_trigger(url: str) -> None:
    conn = await asyncpg.connect(url)
    await conn.execute("DROP TRIGGER events_appended ON es.events")
    await conn.close()


async def profile_append(stack: Stack) -> None:
    url = await stack.fresh_database("prof_app")
    profile = cProfile.Profile()
    profile.enable()
    rate = await appends.ours(url, 3.0)
    profile.disable()
    top(profile, f"append path, {rate:,.0f}/s while profiled")
    rows: dict[str, list[float]] = {
        "ours": [],
        "ours, no NOTIFY trigger": [],
        "ours, no trigger, autocommit": [],
        "raw": [],
    }
    for _ in range(2):  # alternated, as in the benchmark
        for name in rows:
            url = await stack.fresh_database("var", event_store=name != "raw")
            if "trigger" in name:
                await drop_trigger(url)
            if name == "raw":
                rate = await appends.raw(url, 3.0)
            elif "autocommit" in name:
                rate = await autocommit_appends(url, 3.0)
            else:
                rate = await appends.ours(url, 3.0)
            rows[name].append(rate)
    print("\n===== append variants (8 clients, 3 s each, two alternated rounds) =====")
    for name, rates in rows.items():
        print(f"{name:<32} " + "  ".join(f"{r:>7,.0f}/s" for r in rates))


async def profile_apply(stack: Stack, nc: object) -> None:
    url = await stack.fresh_database("prof_apply")
    pool = await asyncpg.create_pool(url, min_size=8, max_size=8)
    store = PostgresEventStore(pool, SERVICE)
    await flow.fill_store(store, 20_000)
    await flow.reset_stream(nc)  # type: ignore[arg-type]
    await flow.relay_all(store, nc, 20_000, limit=300)  # type: ignore[arg-type]
    await pool.close()
    profile = cProfile.Profile()
    profile.enable()
    started = time.perf_counter()
    rate = await flow.apply_all(url, nc, "tally_prof", 20_000, limit=300)  # type: ignore[arg-type]
    profile.disable()
    top(profile, f"consumer path, {rate:,.0f}/s while profiled ({time.perf_counter() - started:.1f} s)")


async def main(what: str) -> None:
    stack = Stack().start()
    try:
        nc = await stack.connect_nats()
        if what in ("append", "all"):
            await profile_append(stack)
        if what in ("apply", "all"):
            await profile_apply(stack, nc)
        await nc.close()
    finally:
        stack.stop()


if __name__ == "__main__":
    configure("ERROR", json=True)
    install_uvloop()
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "all"))
