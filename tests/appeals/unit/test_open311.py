"""The Open311 GeoReport v2 view: one service per category, open/closed from the appeal's state."""

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
