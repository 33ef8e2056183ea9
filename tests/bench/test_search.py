"""The max-sustained search (bench/search.py): up, down and bisect, against a pipeline whose limit we set."""

import pytest

from bench.search import Search


def run(search: Search, limit: float) -> Search:
    """Step `search` against a pipeline that keeps up with any rate up to `limit`."""
    while not search.done:
        rate = search.next_rate()
        search.record(rate, rate <= limit)
    return search


def test_goes_up_then_bisects_between_held_and_failed() -> None:
    s = run(Search(start=1000, max_steps=30), limit=2100)
    assert [r for r, _ in s.steps[:4]] == [1000, 1250, 1562.5, 1953.125]
    assert s.best <= 2100
    assert s.best >= 2100 / 1.1
    assert s.failed is not None
    assert s.failed / s.best <= 1.1


def test_a_failing_start_searches_down_instead_of_reporting_zero() -> None:
    # issue 17: the search started at 3,321/s, failed there and printed 0
    s = run(Search(start=3321, max_steps=30), limit=900)
    assert s.steps[0] == (3321, False)
    assert s.steps[1] == (3321 / 2, False)
    assert 900 / 1.1 <= s.best <= 900


def test_zero_only_when_the_floor_fails() -> None:
    s = run(Search(start=3321, floor=50, max_steps=30), limit=10)
    assert s.best == 0
    assert s.steps[-1] == (50, False)
    assert all(rate >= 50 for rate, _ in s.steps)


def test_something_held_is_reported_even_when_the_budget_runs_out() -> None:
    s = run(Search(start=4000, max_steps=4), limit=600)
    assert [r for r, _ in s.steps] == [4000, 2000, 1000, 500]
    assert s.best == 500


def test_the_budget_bounds_the_steps() -> None:
    s = run(Search(start=100, max_steps=5), limit=1e9)
    assert len(s.steps) == 5
    assert s.done
    with pytest.raises(RuntimeError):
        s.next_rate()


def test_searches_can_alternate() -> None:
    ours, naive = Search(start=1000, max_steps=20), Search(start=1000, max_steps=20)
    limits = {id(ours): 3000.0, id(naive): 700.0}
    while not (ours.done and naive.done):
        for s in (ours, naive):
            if not s.done:
                rate = s.next_rate()
                s.record(rate, rate <= limits[id(s)])
    assert 3000 / 1.1 <= ours.best <= 3000
    assert 700 / 1.1 <= naive.best <= 700
