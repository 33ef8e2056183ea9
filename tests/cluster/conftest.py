"""A three-node JetStream cluster per test, on loopback ports, stopped by the PIDs we started."""

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from nats.aio.client import Client as NATS

from jingzhang.shared.local.cluster import NatsCluster
from jingzhang.shared.runtime import connect_nats


@pytest.fixture
async def cluster(state_root: Path, request: pytest.FixtureRequest) -> AsyncIterator[NatsCluster]:
    started = NatsCluster(state_root / f"cluster-{request.node.name[:40]}-{uuid.uuid4().hex[:6]}")  # params apart
    try:
        started.start()
        await started.wait_jetstream(within=30)
        yield started
    finally:
        started.stop()


@pytest.fixture
def cluster_dir(state_root: Path, request: pytest.FixtureRequest) -> NatsCluster:
    """A cluster's configuration written but not started."""
    return NatsCluster(state_root / f"cluster-{request.node.name[:40]}")


@pytest.fixture
async def clients(cluster: NatsCluster) -> AsyncIterator[tuple[NATS, NATS, NATS]]:
    """Admin, relay and consumer connections, each given all three nodes, as a service's NATS_URL."""
    opened = [await connect_nats(cluster.url, f"cluster-test-{role}") for role in ("admin", "relay", "consumer")]
    try:
        yield opened[0], opened[1], opened[2]
    finally:
        for nc in opened:
            await nc.close()
