"""Times people read are the bureau's (Asia/Shanghai), whatever zone a clock or the database gave them in."""

from datetime import UTC, datetime

from jingzhang.evaluation.api.views import rate_view, value_view
from jingzhang.evaluation.domain.facts import Facts
from jingzhang.evaluation.domain.figures import figure_rows, figure_table
from jingzhang.evaluation.domain.metrics import Rate
from tests.evaluation.unit.builders import YEAR

NOON_UTC = datetime(2025, 7, 1, 4, tzinfo=UTC)


def test_an_instant_is_shown_in_bureau_time() -> None:
    assert value_view(NOON_UTC) == "2025-07-01T12:00:00+08:00"


def test_the_figure_tables_instant_and_period_are_in_bureau_time() -> None:
    rows = dict(
        (name, value) for name, value, _, _ in figure_rows(figure_table(Facts(), YEAR.start, YEAR.end, NOON_UTC))
    )

    assert rows["as_of"] == "2025-07-01T12:00:00+08:00"
    assert rows["period"] == "2024-01-01T00:00:00+08:00/2025-01-01T00:00:00+08:00"


def test_a_rate_shows_what_is_pending_beside_its_parts() -> None:
    assert rate_view(Rate.of(["a1"], ["a1", "a2"], ["a3"])) == {
        "numerator": 1,
        "denominator": 2,
        "percent": 50.0,
        "pending": 1,
    }
