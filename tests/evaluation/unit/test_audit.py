"""The audit trail's pure parts: which enterprise and officer an event concerns, and a page's filter."""

import uuid
from datetime import UTC, datetime

from jingzhang.app.services import contracts as catalog
from jingzhang.evaluation.projections.audit import PROJECTION, concerned
from jingzhang.evaluation.projections.audit_queries import AuditFilter, where
from jingzhang.shared.events import DomainEvent
from tests.evaluation.samples import PC, chief, enterprise, officer, rated

T = datetime(2025, 1, 1, tzinfo=UTC)


class Noted(DomainEvent):
    """An event whose payload names neither an enterprise nor an officer."""

    note: str


class TestWhatAnEventConcerns:
    def test_the_ids_its_payload_names(self) -> None:
        assigned = chief("e1", "o1", PC).payload
        assert (
            concerned(assigned, "enterprise", "e1", "enterprise"),
            concerned(assigned, "enterprise", "e1", "officer"),
        ) == ("e1", "o1")
        rating = rated("r1", "e1", "o2", 5).payload
        assert (concerned(rating, "rating", "r1", "enterprise"), concerned(rating, "rating", "r1", "officer")) == (
            "e1",
            "o2",
        )

    def test_else_its_own_stream_when_that_is_an_enterprise_or_an_officer(self) -> None:
        assert concerned(Noted(note="x"), "enterprise", "e7", "enterprise") == "e7"
        assert concerned(Noted(note="x"), "officer", "o4", "officer") == "o4"

    def test_else_nothing(self) -> None:
        assert concerned(Noted(note="x"), "ranking", "2025", "enterprise") is None
        assert concerned(officer("o4").payload, "officer", "o4", "enterprise") is None
        assert concerned(enterprise("e7").payload, "enterprise", "e7", "officer") is None


class TestWhatItFollows:
    def test_every_aggregate_of_every_service_in_the_contract(self) -> None:
        published = {(c.service, a.aggregate_type) for c in catalog() for a in c.aggregates}
        assert {(s.service, s.aggregate_type) for s in PROJECTION.sources} == published
        assert {c.service for c in catalog()} == {"assignment", "appeals", "patrols", "evaluation", "notifications"}


class TestAPagesFilter:
    def test_no_filter_reads_everything(self) -> None:
        assert where(AuditFilter(), None) == ("", [])

    def test_each_given_filter_and_the_cursor_become_numbered_parameters(self) -> None:
        after = (T, uuid.UUID(int=1))
        clause, params = where(AuditFilter(enterprise_id="e1", actor="bureau:b", start=T), after)

        assert clause == (
            " WHERE enterprise_id = $1 AND actor = $2 AND recorded_at >= $3 AND (recorded_at, event_id) < ($4, $5)"
        )
        assert params == ["e1", "bureau:b", T, T, uuid.UUID(int=1)]
