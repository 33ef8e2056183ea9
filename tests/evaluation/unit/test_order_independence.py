"""Property: scorecards and figure tables do not depend on the order facts arrive in.

Projections fill facts from four services' streams whose relative order is never guaranteed, so the
calculations must give the same result for any permutation of their input.
"""

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from jingzhang.evaluation.domain.facts import AppealFact, Facts
from jingzhang.evaluation.domain.figures import figure_table
from jingzhang.evaluation.domain.ranking import rank
from jingzhang.evaluation.domain.scorecard import scorecard
from jingzhang.evaluation.domain.vocabulary import ActivityKind, ChiefTier, EnterpriseClass, Slot
from tests.evaluation.unit.builders import (
    YEAR,
    activity,
    answer,
    appeal,
    at,
    duty,
    enterprise,
    office,
    officer,
    rating,
    term,
)

OFFICERS = ("o1", "o2", "o3")
days = st.integers(min_value=0, max_value=400)
hours = st.integers(min_value=0, max_value=60).map(lambda h: timedelta(hours=h))
maybe_hours = st.none() | hours


@st.composite
def appeals(draw: st.DrawFn, index: int) -> AppealFact:
    return appeal(
        f"a{index}",
        officer=draw(st.sampled_from(OFFICERS)),
        raised=at(1, 1) + timedelta(days=draw(days)),
        responded_after=draw(maybe_hours),
        closed_after=draw(st.none() | st.integers(0, 12).map(lambda d: timedelta(days=d))),
        rating=draw(st.none() | st.tuples(st.integers(1, 5), st.booleans())),
        reopened=draw(st.integers(0, 2)),
        slot=draw(st.sampled_from(Slot)),
        forum_id=draw(st.none() | st.just("f1")),
    )


@st.composite
def worlds(draw: st.DrawFn) -> Facts:
    n = draw(st.integers(0, 12))
    return Facts(
        appeals=tuple(draw(appeals(i)) for i in range(n)),
        duties=tuple(
            duty(
                f"d{i}",
                officer=draw(st.sampled_from(OFFICERS)),
                due=at(1, 1) + timedelta(days=draw(days)),
                late_by=draw(maybe_hours),
                missed=draw(st.booleans()),
            )
            for i in range(draw(st.integers(0, 8)))
        ),
        activities=tuple(
            activity(
                f"x{i}",
                draw(st.sampled_from(ActivityKind)),
                *draw(st.sets(st.sampled_from(OFFICERS), min_size=1)),
                when=at(1, 1) + timedelta(days=draw(days)),
                count=draw(st.integers(1, 50)),
            )
            for i in range(draw(st.integers(0, 10)))
        ),
        ratings=tuple(
            rating(f"r{i}", draw(st.integers(1, 5)), officer=draw(st.sampled_from(OFFICERS)))
            for i in range(draw(st.integers(0, 6)))
        ),
        spot_checks=tuple(
            answer(f"s{i}", draw(st.sampled_from(OFFICERS)), satisfied=draw(st.booleans()))
            for i in range(draw(st.integers(0, 4)))
        ),
        officers=tuple(officer(o, since=at(1, 1) + timedelta(days=draw(days))) for o in OFFICERS),
        enterprises=tuple(
            enterprise(f"e{i}", draw(st.sampled_from(EnterpriseClass)), since=at(1, 1) + timedelta(days=draw(days)))
            for i in range(4)
        ),
        chief_terms=tuple(
            term(
                f"e{draw(st.integers(0, 3))}",
                o,
                draw(st.sampled_from(ChiefTier)),
                since=at(1, 1) + timedelta(days=draw(days)),
            )
            for o in OFFICERS
        ),
        police_offices=tuple(office(f"po{i}", f"e{i}", since=at(1, 1) + timedelta(days=draw(days))) for i in range(2)),
    )


@st.composite
def shuffled(draw: st.DrawFn, facts: Facts) -> Facts:
    return Facts(**{name: tuple(draw(st.permutations(getattr(facts, name)))) for name in Facts.__dataclass_fields__})


@st.composite
def world_and_shuffle(draw: st.DrawFn) -> tuple[Facts, Facts]:
    facts = draw(worlds())
    return facts, draw(shuffled(facts))


as_of_instants = days.map(lambda d: at(1, 1) + timedelta(days=d))
AFTER_ALL = at(1, 1, year=2026)


@settings(max_examples=150, deadline=None)
@given(pair=world_and_shuffle(), as_of=as_of_instants)
def test_scorecards_do_not_depend_on_fact_order(pair: tuple[Facts, Facts], as_of: datetime) -> None:
    original, permuted = pair

    for officer_id in OFFICERS:
        assert scorecard(officer_id, YEAR, original, as_of) == scorecard(officer_id, YEAR, permuted, as_of)


@settings(max_examples=150, deadline=None)
@given(pair=world_and_shuffle(), as_of=as_of_instants)
def test_figure_tables_do_not_depend_on_fact_order(pair: tuple[Facts, Facts], as_of: datetime) -> None:
    original, permuted = pair

    assert figure_table(original, YEAR.start, YEAR.end, as_of) == figure_table(permuted, YEAR.start, YEAR.end, as_of)


@settings(max_examples=80, deadline=None)
@given(pair=world_and_shuffle())
def test_rankings_do_not_depend_on_fact_or_card_order(pair: tuple[Facts, Facts]) -> None:
    original, permuted = pair

    forward = rank([scorecard(o, YEAR, original, AFTER_ALL) for o in OFFICERS], min_sample=1)
    backward = rank([scorecard(o, YEAR, permuted, AFTER_ALL) for o in reversed(OFFICERS)], min_sample=1)

    assert forward == backward
