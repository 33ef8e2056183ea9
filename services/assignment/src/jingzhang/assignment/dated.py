"""Reading events recorded before business dates existed: they happened the day they were recorded.

`EnterpriseRegistered`, `OfficerEnrolled` and `PoliceOfficeOpened` carry their business date
(`registered_on`, `enrolled_on`, `opened_on`) since issue 13; an older one reads as if it said the
bureau's day of its `occurred_at`. The decisions read their streams through `DatedStore`; the
projections, which have the envelope at hand, read the same day from it.
"""

from collections.abc import Mapping, Sequence
from dataclasses import replace

from jingzhang.assignment.domain.business_time import bureau_date
from jingzhang.shared.envelope import Envelope, Metadata, NewEvent, StreamId
from jingzhang.shared.store.protocol import EventStore

BUSINESS_DATE: Mapping[str, str] = {
    "EnterpriseRegistered": "registered_on",
    "OfficerEnrolled": "enrolled_on",
    "PoliceOfficeOpened": "opened_on",
}
"""The event types that carry a business date, and its field."""


def with_business_date(env: Envelope) -> Envelope:
    """`env`, its business date filled in from `occurred_at` when it was recorded without one."""
    field = BUSINESS_DATE.get(env.event_type)
    if field is None or env.data.get(field) is not None:
        return env
    return replace(env, data={**env.data, field: bureau_date(env.occurred_at).isoformat()})


class DatedStore:
    """An event store whose streams read with every business date filled in."""

    def __init__(self, store: EventStore) -> None:
        self.service = store.service
        self._store = store

    async def append(self, stream: StreamId, expected_version: int, events: Sequence[NewEvent], meta: Metadata) -> int:
        return await self._store.append(stream, expected_version, events, meta)

    async def read_stream(self, stream: StreamId) -> list[Envelope]:
        return [with_business_date(env) for env in await self._store.read_stream(stream)]
