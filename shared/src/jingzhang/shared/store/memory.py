"""An in-memory event store for pure handler tests: same contract as the PostgreSQL one."""

from collections.abc import Sequence
from datetime import datetime

from jingzhang.shared.envelope import Envelope, Metadata, NewEvent, StreamId
from jingzhang.shared.errors import ConcurrencyError


class InMemoryEventStore:
    def __init__(self, service: str, recorded_at: datetime | None = None) -> None:
        self.service = service
        self._streams: dict[StreamId, list[Envelope]] = {}
        self.log: list[Envelope] = []
        self._recorded_at = recorded_at

    async def append(self, stream: StreamId, expected_version: int, events: Sequence[NewEvent], meta: Metadata) -> int:
        current = self._streams.setdefault(stream, [])
        if len(current) != expected_version:
            raise ConcurrencyError(str(stream), expected_version, len(current))
        for offset, new in enumerate(events, start=1):
            env = Envelope(
                event_id=new.event_id,
                service=self.service,
                stream=stream,
                version=expected_version + offset,
                event_type=new.payload.event_type,
                schema_version=new.payload.schema_version,
                data=new.payload.model_dump(mode="json"),
                occurred_at=new.occurred_at,
                recorded_at=self._recorded_at or new.occurred_at,
                correlation_id=meta.correlation_id,
                causation_id=meta.causation_id,
                actor=meta.actor,
                position=len(self.log) + 1,
            )
            current.append(env)
            self.log.append(env)
        return len(current)

    async def read_stream(self, stream: StreamId) -> list[Envelope]:
        return list(self._streams.get(stream, []))
