"""Tolerant readers: how a service reads another service's events, as any outside subscriber would.

A consumer never imports the producer's classes. It declares the events it reads as `PublishedEvent`
models holding only the fields it uses (unknown fields are ignored, so the producer may add optional
fields to a v1 event without breaking anyone: the contract's promise), and collects them in a
`ReaderRegistry`. An event of a type the reader did not declare decodes to `Unread` instead of
failing: a projection follows whole aggregates, and the producer may add event types it does not
care about. A version newer than the one declared is still refused (a breaking change gets a new
version, and the reader must be taught it).
"""

from collections.abc import Iterable
from typing import Any, ClassVar

from pydantic import ConfigDict

from jingzhang.shared.errors import UnknownEventType
from jingzhang.shared.events import DomainEvent, EventRegistry, JsonDict


class PublishedEvent(DomainEvent):
    """A reader's model of another service's event: the fields it reads, the rest ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class Unread(DomainEvent):
    """An event of a type this reader does not declare; its fields kept as published (`model_extra`)."""

    model_config = ConfigDict(frozen=True, extra="allow")

    event_type: ClassVar[str] = "Unread"
    type_name: str

    def field(self, name: str) -> Any:
        return (self.model_extra or {}).get(name)


class ReaderRegistry(EventRegistry):
    """The events one consumer reads, by type name; anything else decodes to `Unread`."""

    def __init__(self, models: Iterable[type[PublishedEvent]] = ()) -> None:
        super().__init__(models)

    def decode(self, event_type: str, schema_version: int, data: JsonDict) -> DomainEvent:
        try:
            return super().decode(event_type, schema_version, data)
        except UnknownEventType:
            return Unread(type_name=event_type, **{k: v for k, v in data.items() if k != "type_name"})
