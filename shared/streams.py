"""JetStream streams, kept in code and provisioned by one explicit step (never at service start-up).

One stream per service holds every event that service records. Retention is by limits with no
limit set: the streams are the replay source for every projection. PostgreSQL stays the source of
truth; `republish` rebuilds a lost stream from it.
"""

from dataclasses import dataclass
from datetime import timedelta

from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from jingzhang.shared.envelope import service_subjects

SERVICES = ("assignment", "appeals", "patrols", "evaluation")
DUPLICATE_WINDOW = timedelta(minutes=10)


def stream_name(service: str) -> str:
    return f"JZ_{service.upper()}"


@dataclass(frozen=True, slots=True)
class StreamSpec:
    service: str
    replicas: int = 1

    def config(self) -> StreamConfig:
        return StreamConfig(
            name=stream_name(self.service),
            subjects=[service_subjects(self.service)],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            discard=DiscardPolicy.OLD,
            num_replicas=self.replicas,
            duplicate_window=DUPLICATE_WINDOW.total_seconds(),
            max_msg_size=1024 * 1024,
            allow_direct=True,
        )


async def provision(js: JetStreamContext, replicas: int = 1, services: tuple[str, ...] = SERVICES) -> list[str]:
    """Create or update every service's stream; returns what it did, one line per stream."""
    done = []
    for service in services:
        config = StreamSpec(service, replicas).config()
        try:
            await js.stream_info(str(config.name))
        except NotFoundError:
            await js.add_stream(config)
            done.append(f"created {config.name}")
        else:
            await js.update_stream(config)
            done.append(f"updated {config.name}")
    return done


async def require_stream(js: JetStreamContext, service: str) -> None:
    """Services check that operations provisioned their stream; they never declare it."""
    try:
        await js.stream_info(stream_name(service))
    except NotFoundError:
        raise RuntimeError(
            f"JetStream stream {stream_name(service)} is missing: run `jingzhang provision` first"
        ) from None
