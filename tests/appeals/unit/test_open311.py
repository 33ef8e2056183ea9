"""The Open311 GeoReport v2 view: one service per category, open/closed from the appeal's state."""

from datetime import UTC, datetime

import pytest

from jingzhang.appeals.domain import open311
from jingzhang.appeals.domain.vocabulary import Category

from .samples import DAY, T0, given_appeal, raised, referred, resolved


class TestServices:
    def test_one_realtime_service_per_category(self) -> None:
        services = open311.services()

        assert [s.service_code for s in services] == [c.value for c in Category]
        assert {s.type for s in services} == {"realtime"}


class TestRequests:
    def test_a_routed_appeal_is_open_and_expected_by_its_deadline(self) -> None:
        request = open311.request(given_appeal(raised()), updated_at=T0)

        assert request.status == "open"
        assert request.service_code == "dispute"
        assert request.expected_datetime == T0 + 7 * DAY
        assert request.agency_responsible == open311.AGENCY

    def test_a_referred_appeal_is_open_and_names_the_department(self) -> None:
        request = open311.request(given_appeal(raised(), referred(T0 + DAY)))

        assert request.status == "open"
        assert request.agency_responsible == "城管执法大队"
        assert request.expected_datetime is None

    def test_a_resolved_appeal_is_closed_with_what_was_done(self) -> None:
        request = open311.request(given_appeal(raised(), resolved()))

        assert request.status == "closed"
        assert request.status_notes == "resolved_in_duty: mediated, gate reopened"

    def test_it_serialises_with_the_specifications_field_names(self) -> None:
        doc = open311.request(given_appeal(raised())).model_dump(mode="json")

        assert {"service_request_id", "status", "requested_datetime", "lat", "long"} <= doc.keys()
        assert doc["requested_datetime"] == "2026-03-02T09:00:00Z"


class TestTheRequestFilters:
    """GET requests.json's parameters as GeoReport v2 defines them (its examples' values)."""

    NOW = datetime(2010, 7, 1, tzinfo=UTC)

    def parse(self, **params: str) -> open311.RequestQuery:
        return open311.RequestQuery.parse(self.NOW, **params)

    def test_the_specifications_example_a_range_and_a_status(self) -> None:
        query = self.parse(start_date="2010-05-24T00:00:00Z", end_date="2010-06-24T00:00:00Z", status="open")

        assert query == open311.RequestQuery(
            statuses=("open",), start=datetime(2010, 5, 24, tzinfo=UTC), end=datetime(2010, 6, 24, tzinfo=UTC)
        )

    def test_ids_override_every_other_filter(self) -> None:
        query = self.parse(service_request_id="638344,638345", status="closed", start_date="nonsense")

        assert query == open311.RequestQuery(ids=("638344", "638345"))

    def test_lists_are_comma_delimited(self) -> None:
        query = self.parse(service_code="dispute,other", status="open,closed")

        assert (query.codes, query.statuses) == (("dispute", "other"), ("open", "closed"))

    def test_without_dates_the_most_recent_90_days(self) -> None:
        assert (self.parse().start, self.parse().end) == (self.NOW - 90 * DAY, None)

    def test_one_date_alone_spans_90_days_from_it(self) -> None:
        start = datetime(2010, 5, 24, tzinfo=UTC)
        assert self.parse(start_date="2010-05-24T00:00:00Z").end == start + 90 * DAY
        assert self.parse(end_date="2010-05-24T00:00:00Z").start == start - 90 * DAY

    def test_a_bare_date_is_its_first_moment_in_bureau_time(self) -> None:
        assert self.parse(start_date="2010-05-24").start == datetime(2010, 5, 23, 16, tzinfo=UTC)

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"status": "pending"}, "status"),
            ({"status": "open,"}, "status"),
            ({"service_code": "parking"}, "service_code"),
            ({"start_date": "yesterday"}, "start_date"),
            ({"end_date": "2010-06-24T00:00:00"}, "end_date"),
            ({"start_date": "2010-01-01T00:00:00Z", "end_date": "2010-06-24T00:00:00Z"}, "end_date"),
            ({"start_date": "2010-06-24T00:00:00Z", "end_date": "2010-05-24T00:00:00Z"}, "end_date"),
        ],
    )
    def test_what_it_cannot_read_names_the_filter(self, params: dict[str, str], field: str) -> None:
        with pytest.raises(open311.InvalidQuery) as refused:
            self.parse(**params)
        assert refused.value.field == field
        assert str(refused.value).startswith(f"{field}: ")
