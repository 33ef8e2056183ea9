"""Durable consumers that earlier deployments left behind: found, and removed by `jingzhang provision`.

Every service reads a source through its consumer group, one durable per partition of the source's
partitioned copy (`consumer.durable_name`: `<service>__all__<source>__p<k>` on `JZ_<SOURCE>_P8`).
A release from before the groups (one durable per projection:
`<service>__<projection>__<source>__p<k>`), a partition count changed, or a release from before
partitioning (durables on the service streams themselves) leaves durables nobody reads: JetStream
keeps every message for them, reports their lag and counts them against its limits. Which durables
the current code declares only the application layer knows (it knows the services); given that set,
this module finds the rest on our streams:

- on a partitioned copy (`JZ_<SERVICE>_P<n>`), which only our projections read, every durable not
  declared;
- on a service stream (`JZ_<SERVICE>`), which subscribers read too, only durables named as a
  projection consumer of ours (`<service>__<projection>__<source>[__p<k>]`, source the stream's
  service), never a subscriber's own.

With one partition (`partitions.direct`) the group's durable on a service stream is
`<service>__all__<source>`, declared like the others (so switching the count either way leaves the
other layout's durables to this module).

A declared durable is never removed. Run it after a rollout: a replica of the old release still
running would create its durable again.
"""

import contextlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from jingzhang.shared.consumer import GROUP, consumer_groups, durable_name
from jingzhang.shared.partitions import PARTITIONS, direct
from jingzhang.shared.projection import Projection
from jingzhang.shared.streams import consumed_stream, stream_name, stream_names

_PARTITION_SUFFIX = re.compile(r"__p\d+$")


@dataclass(frozen=True, slots=True, order=True)
class Durable:
    stream: str
    name: str

    def __str__(self) -> str:
        return f"{self.stream}/{self.name}"


def declared(service: str, projections: Iterable[Projection], partitions: int = PARTITIONS) -> set[Durable]:
    """The durables a service's runtime creates: its consumer group's, one per source and partition."""
    return {
        Durable(
            consumed_stream(source, partitions),
            durable_name(service, GROUP, source, None if direct(partitions) else partition),
        )
        for source in consumer_groups(list(projections))
        for partition in range(partitions)
    }


async def stale(js: JetStreamContext, services: Sequence[str], keep: set[Durable]) -> list[Durable]:
    """Our durables on our streams that are not in `keep` (see the module's docstring), sorted."""
    found: list[Durable] = []
    for stream in await stream_names(js):
        for service in services:
            if re.fullmatch(rf"{re.escape(stream_name(service))}_P\d+", stream):
                found += [Durable(stream, n) for n in await _durables(js, stream)]
            elif stream == stream_name(service):
                found += [Durable(stream, n) for n in await _durables(js, stream) if _ours(n, services, service)]
    return sorted(d for d in set(found) if d not in keep)


async def remove(js: JetStreamContext, durables: Iterable[Durable]) -> list[Durable]:
    """Delete each durable; one already gone counts as removed."""
    removed = []
    for durable in durables:
        with contextlib.suppress(NotFoundError):
            await js.delete_consumer(durable.stream, durable.name)
        removed.append(durable)
    return removed


def _ours(name: str, services: Sequence[str], source: str) -> bool:
    base = _PARTITION_SUFFIX.sub("", name)
    return base.endswith(f"__{source}") and any(
        base.startswith(f"{service}__") and len(base) > len(f"{service}____{source}") for service in services
    )


async def _durables(js: JetStreamContext, stream: str) -> list[str]:
    seen = 0
    names: list[str] = []
    while page := await js.consumers_info(stream, offset=seen):  # the server answers 256 at most at a time
        seen += len(page)
        names += [str(info.config.durable_name) for info in page if info.config.durable_name]
    return names
