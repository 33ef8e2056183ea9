"""A service's own events merged with its tolerant readers of others' stay tolerant: an event type the
producer added since (`CoverageShortfallOpened`) decodes to `Unread` instead of parking the stream (the
chaos suite found notifications parking assignment's and appeals' events for this)."""

from typing import ClassVar

import pytest

from jingzhang.shared.errors import UnknownEventType
from jingzhang.shared.events import DomainEvent, EventRegistry
from jingzhang.shared.readers import PublishedEvent, ReaderRegistry, Unread


class Sent(DomainEvent):
    event_type: ClassVar[str] = "Sent"
    message_id: str


class Registered(PublishedEvent):
    event_type: ClassVar[str] = "Registered"
    enterprise_id: str


def test_a_merge_with_a_reader_decodes_undeclared_types_to_unread() -> None:
    merged = EventRegistry([Sent]).merge(ReaderRegistry([Registered]))

    assert isinstance(merged.decode("Sent", 1, {"message_id": "m1"}), Sent)
    assert merged.decode("Registered", 1, {"enterprise_id": "e1", "name": "x"}) == Registered(enterprise_id="e1")
    unread = merged.decode("CoverageShortfallOpened", 1, {"enterprise_id": "e1"})
    assert isinstance(unread, Unread)
    assert unread.type_name == "CoverageShortfallOpened"


def test_a_merge_of_strict_registries_stays_strict() -> None:
    merged = EventRegistry([Sent]).merge(EventRegistry([]))

    with pytest.raises(UnknownEventType):
        merged.decode("Registered", 1, {"enterprise_id": "e1"})
