"""Where one machine is outgrown: a three-node JetStream cluster loses its stream leader under load.

Streams are replicated three times and every node syncs each write (`sync_interval: always`), so a
publish JetStream acknowledged is on two disks at least. We kill the leader of the stream the relay
writes to with SIGKILL while four writers append at a steady pace; the relay and the projection
consumer, connected to all three nodes, must ride through the election: every committed event in
the stream exactly once and in version order, the projection equal to the fold of what was written,
nothing applied twice.

It runs in both layouts. With one partition (the default) the projection reads the replicated stream
itself. With eight it reads the stream's partitioned copy, which the server sources from the stream;
after the leader's loss the server's own retry of that source backs off for 10-30 s and more, which once
in about ten runs kept the projection still past this test's 30 s. The relay's copy watch steps the
stalled copy's leader down (see `copy_watch`), so the projection follows within seconds of the relay.
"""

import asyncio
import time

import asyncpg
import pytest
from nats.aio.client import Client as NATS
from nats.errors import Error as NatsError

from jingzhang.shared.consumer import ProjectionConsumer
from jingzhang.shared.local.cluster import NatsCluster
from jingzhang.shared.projection import install
from jingzhang.shared.relay import Relay
from jingzhang.shared.store.postgres import PostgresEventStore
from jingzhang.shared.streams import provision, stream_name

from ..kernel.helpers import eventually, install_store, read_stream_messages
from ..kernel.projection_helpers import applied_counts, snapshot
from ..kernel.sample import SERVICE, expected_digest, tally
from .helpers import Traffic, stream_faults

WRITERS = 4
EVENTS = 3_000
RATE = 150.0  # events per second over all writers: twenty seconds of traffic, longer than an election
KILL_AT = 300  # appended events before the stream leader is killed
STREAM = stream_name(SERVICE)
EIGHT = 8  # partitions: the layout with a partitioned copy, the one a leader's loss can stall


async def provisioned(nc: NATS, partitions: int) -> str:
    """Create the R3 stream (retried: every peer must have reported to the meta leader); its leader."""
    js = nc.jetstream()

    async def created() -> bool:
        try:
            await provision(js, (SERVICE,), replicas=3, partitions=partitions)
            info = await js.stream_info(STREAM)
        except (NatsError, TimeoutError):
            return False
        return info.cluster is not None and info.cluster.leader is not None

    await eventually(created, timeout=30, every=0.2)
    assert (await js.stream_info(STREAM)).config.num_replicas == 3
    return await stream_leader(nc)


async def stream_leader(nc: NATS) -> str:
    info = await nc.jetstream().stream_info(STREAM)
    assert info.cluster is not None
    assert info.cluster.leader
    return info.cluster.leader


async def tally_applied(pool: asyncpg.Pool) -> int:
    return int(await pool.fetchval(f'SELECT count(*) FROM "{tally().schema}".applied_log'))


def test_every_node_configuration_passes_nats_server_check(cluster_dir: NatsCluster) -> None:
    cluster_dir.check_config()
    configs = [node.config_path.read_text() for node in cluster_dir.nodes]
    assert all("sync_interval: always" in c and "routes: [nats-route://127.0.0.1:" in c for c in configs)
    assert len({node.port for node in cluster_dir.nodes}) == 3


@pytest.mark.slow(seconds=25)
@pytest.mark.parametrize("partitions", [1, EIGHT], ids=["one partition", "eight partitions"])
async def test_killing_the_stream_leader_under_load_loses_no_acknowledged_event(
    cluster: NatsCluster, clients: tuple[NATS, NATS, NATS], pool: asyncpg.Pool, partitions: int
) -> None:
    admin, relay_nc, consumer_nc = clients
    await provisioned(admin, partitions)
    await install_store(pool)
    store = PostgresEventStore(pool, SERVICE)
    projection = tally()
    async with pool.acquire() as conn:
        await install(conn, projection)
    relay = Relay(store, relay_nc, window=64, poll_interval=0.05, ack_timeout=1.0, partitions=partitions)
    watch = relay.copy_watch  # the copy of the deployment's count (none with one), as `Runtime` builds it
    assert (watch is None) == (partitions == 1)
    consumer = ProjectionConsumer(
        "kernel", projection, pool, consumer_nc, SERVICE, store=store, batch=64, partitions=partitions
    )
    stop = asyncio.Event()
    running = [asyncio.create_task(relay.run(stop)), asyncio.create_task(consumer.run(stop))]
    traffic = Traffic()
    writers = asyncio.gather(*(traffic.writer(store, w, EVENTS // WRITERS, RATE / WRITERS) for w in range(WRITERS)))
    try:

        async def kill_point() -> bool:
            return traffic.appended >= KILL_AT

        await eventually(kill_point, timeout=30, every=0.01)
        leader = await stream_leader(admin)
        killed = cluster.node(leader)
        killed.kill()
        killed_at, appended_at_kill = time.monotonic(), traffic.appended

        async def relay_recovered() -> bool:  # JetStream stored an event committed after the kill
            return relay.published > appended_at_kill

        await eventually(relay_recovered, timeout=30, every=0.01)
        relay_recovery, appended_in_outage = time.monotonic() - killed_at, traffic.appended - appended_at_kill

        async def consumer_recovered() -> bool:
            return await tally_applied(pool) > appended_at_kill

        await eventually(consumer_recovered, timeout=30, every=0.05)
        consumer_recovery = time.monotonic() - killed_at
        await asyncio.wait_for(writers, timeout=60)
        assert traffic.appended == EVENTS

        async def caught_up() -> bool:
            return await relay.backlog() == 0 and await tally_applied(pool) >= EVENTS

        try:
            # acks lost with the killed node come back only after the consumer's ack_wait (30 s)
            await eventually(caught_up, timeout=90, every=0.1)
        except AssertionError:
            figures = (await relay.backlog(), await tally_applied(pool), relay.published, consumer.running)
            raise AssertionError(f"not caught up (backlog, applied, published, consumer running): {figures}") from None
        new_leader = await stream_leader(admin)
        print(
            f"\nkilled stream leader {leader} at {appended_at_kill} appended; new leader {new_leader};"
            f" relay publishing again after {relay_recovery:.2f}s ({appended_in_outage} appended meanwhile),"
            f" projection applying again after {consumer_recovery:.2f}s;"
            f" stalled copy stepped down {watch.nudges if watch else 'n/a'} times"
        )
    finally:
        stop.set()
        writers.cancel()
        await asyncio.wait_for(asyncio.gather(*running, return_exceptions=True), timeout=15)
    assert new_leader != leader
    messages = await read_stream_messages(admin, SERVICE)
    expected_ids = {r["event_id"] for r in await pool.fetch("SELECT event_id FROM es.events")}
    assert len(expected_ids) == EVENTS
    assert stream_faults(messages, expected_ids) == {
        "duplicated": 0,
        "missing": 0,
        "unexpected": 0,
        "disordered_streams": 0,
    }
    assert await applied_counts(pool, projection) == (EVENTS, EVENTS)
    assert await snapshot(pool, projection) == {
        aggregate_id: (expected_digest(amounts), len(amounts), len(amounts))
        for aggregate_id, amounts in traffic.amounts.items()
    }

    killed.start()  # the node comes back and catches up from its peers

    async def replicas_current() -> bool:
        try:
            info = await admin.jetstream().stream_info(STREAM)
        except (NatsError, TimeoutError):
            return False
        peers = (info.cluster.replicas or []) if info.cluster else []
        return len(peers) == 2 and all(p.current and not p.offline and not p.lag for p in peers)

    await eventually(replicas_current, timeout=30, every=0.2)
