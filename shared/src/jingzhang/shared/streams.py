"""JetStream streams, kept in code and provisioned by one explicit step (never at service start-up).

One stream per service holds every event that service records. Retention is by limits with no
limit set: the streams are the replay source for every projection. PostgreSQL stays the source of
truth; `republish` rebuilds a lost stream from it.

Each service stream has a partitioned copy (`JZ_<SERVICE>_P8`) that the server fills by sourcing it
through a subject transform; only the projection consumers read it (see `partitions` for why the
published subjects stay as they are). A deployment of one partition has no copy: its consumers read
the service stream (`consumed_stream`).

The service streams allow atomic batches (`allow_atomic`, nats-server 2.12+), which the relay sends.
A stream provisioned before that gets the setting from the next `provision` (an update; the server
allows switching it on for an existing stream), and its relay publishes singly until it reads the
stream's configuration again (on taking the lead, or after any break). The copy does not need it: a
source takes batched messages one by one and drops their batch headers; a mirror could not be made
with it (nats-server refuses `allow_atomic` on a mirror) but can mirror a stream that has it.
"""

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig, StreamSource, SubjectTransform
from nats.js.errors import NotFoundError

from jingzhang.shared.envelope import service_subjects
from jingzhang.shared.partitions import PARTITIONS, direct, partitioned_destination, source_pattern

DUPLICATE_WINDOW = timedelta(minutes=10)
MAX_MESSAGE_BYTES = 1024 * 1024


def stream_name(service: str) -> str:
    return f"JZ_{service.upper()}"


def partitioned_stream_name(service: str, partitions: int = PARTITIONS) -> str:
    return f"{stream_name(service)}_P{partitions}"


def consumed_stream(service: str, partitions: int = PARTITIONS) -> str:
    """The stream our projection consumers read: the partitioned copy, or with one partition the service stream."""
    return stream_name(service) if direct(partitions) else partitioned_stream_name(service, partitions)


@dataclass(frozen=True, slots=True)
class StreamSpec:
    service: str
    replicas: int = 1
    partitions: int = PARTITIONS

    def config(self) -> StreamConfig:
        return StreamConfig(
            name=stream_name(self.service),
            subjects=[service_subjects(self.service)],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            discard=DiscardPolicy.OLD,
            num_replicas=self.replicas,
            duplicate_window=DUPLICATE_WINDOW.total_seconds(),
            max_msg_size=MAX_MESSAGE_BYTES,
            allow_direct=True,
            allow_atomic=True,  # the relay sends each window as one atomic batch (see `relay`)
        )

    def partitioned_config(self) -> StreamConfig:
        """The copy: no subjects of its own, every well-formed event of the service stream, partitioned."""
        transform = SubjectTransform(
            src=source_pattern(self.service), dest=partitioned_destination(self.service, self.partitions)
        )
        return StreamConfig(
            name=partitioned_stream_name(self.service, self.partitions),
            sources=[StreamSource(name=stream_name(self.service), subject_transforms=[transform])],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            discard=DiscardPolicy.OLD,
            num_replicas=self.replicas,
            max_msg_size=MAX_MESSAGE_BYTES,
        )


async def provision(
    js: JetStreamContext, services: Sequence[str], replicas: int = 1, partitions: int = PARTITIONS
) -> list[str]:
    """Create or update each named service's stream and its partitioned copy (none with one partition);
    one line per stream. A copy of another partition count is left for its durables' owners: it is
    named, so whoever switched the count can delete it once nothing reads it."""
    done: list[str] = []
    for service in services:
        spec = StreamSpec(service, replicas, partitions)
        created = await _create_or_update(js, spec.config(), done)
        if direct(partitions):
            pass
        elif created:  # a new service stream numbers from 1 again: a copy that followed the old one would wait
            await rebuild_partitioned(js, service, replicas, partitions)
            done.append(f"created {partitioned_stream_name(service, partitions)}")
        else:
            await _create_or_update(js, spec.partitioned_config(), done)
        done += [
            f"unused {other} (this deployment has {partitions} partition(s))"
            for other in await _other_copies(js, service, partitions)
        ]
    return done


async def _other_copies(js: JetStreamContext, service: str, partitions: int) -> list[str]:
    mine = None if direct(partitions) else partitioned_stream_name(service, partitions)
    prefix = f"{stream_name(service)}_P"
    names = await stream_names(js)
    return sorted(n for n in names if n.startswith(prefix) and n[len(prefix) :].isdigit() and n != mine)


async def stream_names(js: JetStreamContext) -> list[str]:
    """Every stream's name, page by page (the server answers a page at a time)."""
    names: list[str] = []
    while page := await js.streams_info(offset=len(names)):
        names += [str(info.config.name) for info in page]
    return names


async def _create_or_update(js: JetStreamContext, config: StreamConfig, done: list[str]) -> bool:
    try:
        await js.stream_info(str(config.name))
    except NotFoundError:
        await js.add_stream(config)
        done.append(f"created {config.name}")
        return True
    await js.update_stream(config)
    done.append(f"updated {config.name}")
    return False


async def ensure_partitioned(
    js: JetStreamContext, service: str, replicas: int = 1, *, rebuild: bool = False, partitions: int = PARTITIONS
) -> None:
    """Create the copy if it is missing; with `rebuild` (its source stream was recreated), start it anew.
    One partition has no copy: nothing to do."""
    if direct(partitions):
        return
    if rebuild:
        await rebuild_partitioned(js, service, replicas, partitions)
        return
    try:
        await js.stream_info(partitioned_stream_name(service, partitions))
    except NotFoundError:
        await js.add_stream(StreamSpec(service, replicas, partitions).partitioned_config())


async def rebuild_partitioned(
    js: JetStreamContext, service: str, replicas: int = 1, partitions: int = PARTITIONS
) -> None:
    """Drop the copy and source it again from the first message; its consumers are recreated by the
    services and skip what their projections already applied."""
    with contextlib.suppress(NotFoundError):
        await js.delete_stream(partitioned_stream_name(service, partitions))
    await js.add_stream(StreamSpec(service, replicas, partitions).partitioned_config())


async def require_stream(js: JetStreamContext, service: str) -> None:
    """Services check that operations provisioned their stream; they never declare it."""
    try:
        await js.stream_info(stream_name(service))
    except NotFoundError:
        raise RuntimeError(
            f"JetStream stream {stream_name(service)} is missing: run `jingzhang provision` first"
        ) from None
