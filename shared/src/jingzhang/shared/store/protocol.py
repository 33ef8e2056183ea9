"""The event store as the rest of the code sees it; PostgreSQL and an in-memory fake implement it."""

from collections.abc import Sequence
from typing import Protocol

from jingzhang.shared.envelope import Envelope, Metadata, NewEvent, StreamId


class EventStore(Protocol):
    service: str

    async def append(self, stream: StreamId, expected_version: int, events: Sequence[NewEvent], meta: Metadata) -> int:
        """Append atomically after `expected_version`; return the stream's new version.

        Raises `ConcurrencyError` when the stream is not at `expected_version`.
        """
        ...

    async def read_stream(self, stream: StreamId) -> list[Envelope]: ...
