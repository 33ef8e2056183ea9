"""Partitions: how the replicas of one service split their consumers' work by aggregate.

Every event of one aggregate lands in one of `PARTITIONS` partitions, chosen by a hash of its
aggregate type and id. Each (projection, source service, partition) has its own durable consumer,
and at any time one replica owns it (`partitions_claims`, `partitions_runner`), so one aggregate's
events are applied by one replica, in order, while the replicas share the partitions fairly.

Where the partition token comes from (the decision): the published subjects stay as they are.
JetStream gives a consumer no way to filter on a hash, so the hash has to be in a stored subject.
Rewriting the service streams' own subjects (a stream `subject_transform`) would change the public
contract: every subscriber filter written as `jz.appeals.evt.appeal.*.AppealRaised` would silently
stop matching, the AsyncAPI addresses and the subscriber guide would change, and events stored
before the change would carry no partition token at all. Instead each service stream has a
*partitioned copy* (`JZ_<SERVICE>_P8`, see `streams.partitioned_config`) that the server fills by
sourcing the service stream through a subject transform:

    jz.<service>.evt.<aggregate type>.<aggregate id>.<EventType>
      -> jzp.<service>.<partition>.<aggregate type>.<aggregate id>.<EventType>

Sourcing keeps the source's order and the messages' headers (message id, trace context), so
per-aggregate order holds within each partition. The relay, republish, replay, `events tail`, the
contract and outside subscribers keep using the service streams, unchanged; only our own projection
consumers read the copies. The price: every event is stored twice, and a service stream rebuilt
from scratch (`republish` after a loss) needs its copy rebuilt too, which `provision` and
`republish` do (a copy does not follow a source whose sequence numbers start again).

`PARTITIONS` is in the copy's name: changing it provisions a new copy whose durable consumers start
from the first event; the projections' checkpoints skip what they already applied.

One partition (`PARTITIONS=1`, the default; a deployment's choice made at `provision` and in every
service's settings) needs no copy: there is nothing to split, so the consumers read the service
stream itself, filtered by aggregate type on the published subjects (`direct`). Each consumer is
then owned by one replica at a time (the others stand by and take over when it goes), the server
stores every event once, and an event reaches the projections without the sourcing hop. Several
partitions (e.g. 8) share one source's projections between replicas; one partition is for a
deployment whose projections one process keeps up with (the bureau's volumes: the apply rate from a
backlog is in the thousands a second), at half the writes. Changing the count either way starts the
new durables from the first event and their checkpoints skip what was applied.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

PARTITIONS = 1
"""The default count (`PARTITIONS` in every service's settings, `provision --partitions`): one, no copy.
A deployment whose replicas should share one source's projections chooses more, e.g. 8."""
PARTITIONED_ROOT = "jzp"


def source_pattern(service: str) -> str:
    """The service-stream subjects the copy takes: exactly the well-formed event subjects."""
    return f"jz.{service}.evt.*.*.*"


def partitioned_destination(service: str, partitions: int = PARTITIONS) -> str:
    """The copy's subject: the partition of (aggregate type, aggregate id) first, then the rest."""
    return (
        f"{PARTITIONED_ROOT}.{service}.{{{{partition({partitions},1,2)}}}}"
        ".{{wildcard(1)}}.{{wildcard(2)}}.{{wildcard(3)}}"
    )


def direct(partitions: int) -> bool:
    """One partition: the consumers read the service stream itself and there is no copy."""
    return partitions == 1


def partition_filter(service: str, aggregate_type: str, partition: int | None, partitions: int = PARTITIONS) -> str:
    """One aggregate type of one partition of the copy (`None`: every partition); with one partition,
    that aggregate type's well-formed events in the service stream."""
    if direct(partitions):
        return f"jz.{service}.evt.{aggregate_type}.*.*"
    token = "*" if partition is None else str(partition)
    return f"{PARTITIONED_ROOT}.{service}.{token}.{aggregate_type}.>"


def published_subject(stored: str) -> str:
    """The subject an event was published on, from its subject in a partitioned copy."""
    parts = stored.split(".")
    if len(parts) < 3 or parts[0] != PARTITIONED_ROOT:
        return stored
    return ".".join(["jz", parts[1], "evt", *parts[3:]])


def partition_of(stored: str) -> int | None:
    parts = stored.split(".")
    if len(parts) < 3 or parts[0] != PARTITIONED_ROOT or not parts[2].isdigit():
        return None
    return int(parts[2])


def fair_share(partitions: int, members: int) -> int:
    """How many partitions of each consumer one replica may own: all of them alone, ceil(N/M) with M."""
    return math.ceil(partitions / max(members, 1))


def preference(rank: int, share: int, partitions: int = PARTITIONS) -> list[int]:
    """Partitions in the order a replica of `rank` wants them: its own run first, so replicas rarely collide."""
    start = (rank * share) % partitions
    return [(start + i) % partitions for i in range(partitions)]


@dataclass(frozen=True, slots=True)
class Plan:
    release: list[int]
    """Owned partitions beyond the fair share, least preferred first."""
    candidates: list[int]
    """Unowned partitions to try, most preferred first, while below the fair share."""


def plan(owned: Sequence[int], share: int, preferred: Sequence[int]) -> Plan:
    rank = {p: i for i, p in enumerate(preferred)}
    mine = sorted(owned, key=rank.__getitem__)
    if len(mine) > share:
        return Plan(release=list(reversed(mine[share:])), candidates=[])
    if len(mine) == share:
        return Plan(release=[], candidates=[])
    return Plan(release=[], candidates=[p for p in preferred if p not in owned])
