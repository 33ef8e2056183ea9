"""Keeps a service stream's partitioned copy moving after the origin stream loses its leader.

The server fills the copy (`JZ_<SERVICE>_P8` with 8 partitions, see `streams`) by sourcing the service stream through
a consumer that lives with the origin's leader. When that leader is lost, the copy's leader sets the
source up again, but after each failed attempt it waits longer: 10 s, 20 s, 30 s … up to 2 minutes
(nats-server `calculateRetryBackoff`), and attempts fail for certain while the origin is still
electing. The relay is publishing again within seconds; the projections, which read the copy, stood
still for 15–35 s more in about one cluster run in ten (`tests/cluster/test_node_loss.py`).

The relay's leader therefore watches its copy: when the origin has a leader and grew while the copy
did not move for `stall_after` seconds, it asks the copy's leader to step down. Its successor sets
the source up at once from where the copy stands (no message is lost or doubled: the copy's own
sequence bookkeeping decides where sourcing resumes). A single-server stream (R1) has no other
leader to hand over to, and its source comes back with the server, so it is left alone.
"""

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass

import structlog
from nats.aio.client import Client as NATS
from nats.errors import Error as NatsError
from nats.js.errors import Error as JetStreamError

from jingzhang.shared.partitions import PARTITIONS
from jingzhang.shared.streams import partitioned_stream_name, stream_name

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Sighting:
    """What one look at the two streams showed."""

    origin_last_seq: int
    copy_last_seq: int
    replicated: bool
    """The copy has more than one replica (a leader to hand over to)."""
    leaders: bool
    """Both streams have a leader now: the origin can serve its source again."""


@dataclass(slots=True)
class StallDetector:
    """Pure: decides from successive sightings whether the copy has stalled behind a serving origin.

    Stalled means: the origin has held messages the copy lacks for `stall_after` seconds and the copy
    has not moved meanwhile. A source that recovers by itself does so within a second of the origin
    serving again (seen in the cluster runs), so `stall_after` leaves it that chance first.
    """

    stall_after: float = 3.0
    cooldown: float = 10.0
    _copy_seq: int | None = None
    _origin_seq: int = 0
    _grew_at: float | None = None
    _quiet_until: float = 0.0

    def nudge(self, seen: Sighting, now: float) -> bool:
        if not (seen.replicated and seen.leaders) or seen.copy_last_seq != self._copy_seq:
            self._watch(seen)  # no cluster to act on, or the copy moved: start watching anew
            return False
        if self._grew_at is None and seen.origin_last_seq > self._origin_seq:
            self._grew_at = now
        stalled = self._grew_at is not None and now - self._grew_at >= self.stall_after
        if not stalled or now < self._quiet_until:
            return False
        self._quiet_until = now + self.cooldown
        self._watch(seen)
        return True

    def _watch(self, seen: Sighting) -> None:
        self._copy_seq, self._origin_seq, self._grew_at = seen.copy_last_seq, seen.origin_last_seq, None


class CopyWatch:
    """Looks at the service stream and its copy every `interval` seconds; steps the copy's leader
    down when the detector says it stalled."""

    def __init__(
        self, nc: NATS, service: str, *, partitions: int = PARTITIONS, interval: float = 1.0, timeout: float = 2.0
    ) -> None:
        """`partitions`: the deployment's count, which names the copy (`JZ_<SERVICE>_P<partitions>`)."""
        self.nc = nc
        self.origin = stream_name(service)
        self.copy = partitioned_stream_name(service, partitions)
        self.interval = interval
        self.timeout = timeout
        self.detector = StallDetector()
        self.nudges = 0

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(NatsError, JetStreamError, TimeoutError):  # a cluster mid-election: look again
                await self.check(time.monotonic())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.interval)

    async def check(self, now: float) -> bool:
        seen = await self.sight()
        if not self.detector.nudge(seen, now):
            return False
        await self.step_down()
        return True

    async def sight(self) -> Sighting:
        js = self.nc.jetstream(timeout=self.timeout)
        origin = await js.stream_info(self.origin)
        copy = await js.stream_info(self.copy)
        return Sighting(
            origin_last_seq=int(origin.state.last_seq),
            copy_last_seq=int(copy.state.last_seq),
            replicated=(copy.config.num_replicas or 1) > 1,
            leaders=bool(origin.cluster and origin.cluster.leader and copy.cluster and copy.cluster.leader),
        )

    async def step_down(self) -> None:
        reply = await self.nc.request(f"$JS.API.STREAM.LEADER.STEPDOWN.{self.copy}", b"", timeout=self.timeout)
        answer = json.loads(reply.data or b"{}")
        self.nudges += 1
        log.warning("copy_watch.stalled_copy_stepped_down", copy=self.copy, answer=answer.get("error") or "ok")
