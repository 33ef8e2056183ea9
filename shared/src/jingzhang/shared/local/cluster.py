"""A JetStream cluster of nats-server processes on loopback, for the tests that outgrow one machine.

Each node is a `NatsServer` of its own (own client port, own JetStream store, `sync_interval:
always`) with a `cluster` block routing to every other node. Nodes are started, stopped and killed
by the PIDs we started, so a test can take one away (SIGKILL) and bring it back.
"""

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path

import nats
from nats.errors import Error as NatsError

from jingzhang.shared.local.nats import NatsServer, free_port


def cluster_block(cluster_name: str, port: int, peers: list[int]) -> str:
    routes = ", ".join(f"nats-route://127.0.0.1:{p}" for p in peers)
    return f"""
cluster {{
  name: {cluster_name}
  listen: 127.0.0.1:{port}
  routes: [{routes}]
}}
"""


@dataclass
class NatsCluster:
    """`size` nodes named `<name>-<i>`; `url` lists all of them, as a client's NATS_URL would."""

    state_dir: Path
    size: int = 3
    name: str = "jz-cluster"
    nodes: list[NatsServer] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        route_ports = [free_port() for _ in range(self.size)]
        for i, port in enumerate(route_ports):
            peers = [p for p in route_ports if p != port]
            self.nodes.append(
                NatsServer(
                    self.state_dir / f"node{i}",
                    name=f"{self.name}-{i}",
                    extra_config=cluster_block(self.name, port, peers),
                )
            )

    @property
    def url(self) -> str:
        return ",".join(node.url for node in self.nodes)

    def node(self, server_name: str) -> NatsServer:
        for candidate in self.nodes:
            if candidate.name == server_name:
                return candidate
        raise KeyError(f"no node named {server_name} in {self.name}")

    def check_config(self) -> None:
        """`nats-server -t` on every node's configuration; raises on the first it rejects."""
        for node in self.nodes:
            node.check_config()

    def start(self, timeout: float = 15.0) -> "NatsCluster":
        for node in self.nodes:
            node.start(timeout)
        return self

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()

    async def wait_jetstream(self, within: float = 30.0) -> None:
        """Until JetStream answers account info: the meta group has elected a leader."""
        deadline = time.monotonic() + within
        nc = await nats.connect(servers=self.url.split(","), max_reconnect_attempts=-1, reconnect_time_wait=0.2)
        try:
            js = nc.jetstream()
            while time.monotonic() < deadline:
                try:
                    await js.account_info()
                    return
                except (NatsError, TimeoutError):
                    await asyncio.sleep(0.2)
        finally:
            await nc.close()
        raise TimeoutError(f"JetStream in {self.name} had no meta leader within {within}s")
