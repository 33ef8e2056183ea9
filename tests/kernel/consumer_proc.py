"""A projection consumer in its own process, for the crash proof: `python -m tests.kernel.consumer_proc DB NATS`."""

import asyncio
import sys

import asyncpg
import uvloop

from jingzhang.shared.consumer import ProjectionConsumer
from jingzhang.shared.projection import install
from jingzhang.shared.runtime import connect_nats

from .sample import SERVICE, tally


async def main(database_url: str, nats_url: str) -> None:
    projection = tally()
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=4)
    assert pool is not None
    async with pool.acquire() as conn:
        await install(conn, projection)
    nc = await connect_nats(nats_url, "crash-proof-consumer")
    consumer = ProjectionConsumer("kernel", projection, pool, nc, SERVICE, batch=256)
    await consumer.run(asyncio.Event())


if __name__ == "__main__":
    uvloop.run(main(sys.argv[1], sys.argv[2]))
