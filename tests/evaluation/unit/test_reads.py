"""Property: an answer kept as of one instant is the answer as of every instant up to the facts' next
change (`Facts.next_change_after`), but for the instant it names; so a kept answer may be served again
until then (`reads.ReadCache`), and no later."""

from dataclasses import replace
from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from jingzhang.evaluation.domain.facts import AppealFact, AppealRating, Facts
from jingzhang.evaluation.domain.figures import figure_table
from jingzhang.evaluation.domain.ranking import rank
from jingzhang.evaluation.domain.reports import RankingPolicy, chiefs_in, yearly_ranking
from jingzhang.evaluation.domain.scorecard import scorecard, scorecard_of_known
from tests.evaluation.unit.builders import YEAR, appeal, at, duty
from tests.evaluation.unit.test_order_independence import OFFICERS, worlds

POLICY = RankingPolicy(min_sample=1)
instants = st.integers(0, 400 * 24).map(lambda h: at(1, 1, hour=0) + timedelta(hours=h))


def later_instant(start: datetime, until: datetime | None, fraction: float) -> datetime:
    """An instant in `[start, until)`: `fraction` of the way (a long way when nothing changes again)."""
    span = (until - start) if until is not None else timedelta(days=800)
    later = start + span * fraction
    return later if until is None or later < until else start


@settings(max_examples=200, deadline=None)
@given(facts=worlds(), start=instants, fraction=st.floats(0, 1))
def test_every_answer_holds_from_its_instant_until_the_next_change(
    facts: Facts, start: datetime, fraction: float
) -> None:
    later = later_instant(start, facts.next_change_after(start), fraction)

    then = figure_table(facts, YEAR.start, YEAR.end, start)
    assert figure_table(facts, YEAR.start, YEAR.end, later) == replace(then, as_of=later)
    for officer_id in OFFICERS:
        card = scorecard(officer_id, YEAR, facts, start)
        assert scorecard(officer_id, YEAR, facts, later) == replace(card, as_of=later)
    assert yearly_ranking(facts, 2024, POLICY, later) == yearly_ranking(facts, 2024, POLICY, start)


def test_a_due_time_is_a_change() -> None:
    """A visit due tomorrow, not done: pending now, a miss tomorrow, although nothing new was learned."""
    facts = Facts(duties=(duty("d1", due=at(3, 2), missed=True),))

    assert facts.next_change_after(at(3, 1)) == at(3, 2)
    before = figure_table(facts, YEAR.start, YEAR.end, at(3, 1)).visit_compliance
    after = figure_table(facts, YEAR.start, YEAR.end, at(3, 2)).visit_compliance
    assert (before.pending, before.denominator) == (1, 0)
    assert (after.pending, after.denominator) == (0, 1)


def test_a_time_limit_is_a_change() -> None:
    """An appeal not answered: its first response pending until its limit, missed from then on."""
    facts = Facts(appeals=(appeal("a1", raised=at(3, 1), responded_after=None, closed_after=None),))

    assert facts.next_change_after(at(3, 1, hour=10)) == at(3, 2)
    assert scorecard("o1", YEAR, facts, at(3, 1, hour=10)).response_rate.pending == 1
    assert scorecard("o1", YEAR, facts, at(3, 2)).response_rate.denominator == 1


def test_nothing_left_to_change() -> None:
    assert Facts().next_change_after(at(1, 1)) is None


@settings(max_examples=150, deadline=None)
@given(facts=worlds(), as_of=instants)
def test_the_ranking_from_each_officers_share_equals_the_one_from_every_fact(facts: Facts, as_of: datetime) -> None:
    """`yearly_ranking` sorts the facts out per officer once; each scorecard from all of them is the same."""
    known = facts.known_at(as_of)
    cards = [scorecard_of_known(o, YEAR, known, as_of) for o in chiefs_in(known, YEAR)]

    expected = rank(cards, POLICY.weighting, POLICY.min_sample, POLICY.size)
    assert yearly_ranking(facts, 2024, POLICY, as_of) == expected


maybe_instants = st.none() | instants


@st.composite
def appeals_learned_piece_by_piece(draw: st.DrawFn) -> AppealFact:
    """An appeal each of whose parts was learned at a time of its own, or never."""
    base = appeal("a1", raised=draw(instants), forum_id=draw(st.none() | st.just("f1")), forum_at=draw(maybe_instants))
    rated = draw(maybe_instants)
    return replace(
        base,
        routed_at=draw(maybe_instants),
        first_response_at=draw(maybe_instants),
        closed_at=draw(maybe_instants),
        rating=AppealRating(4, True, rated) if rated is not None else None,
        reopened_at=tuple(draw(st.lists(instants, max_size=3))),
        forum_learned_at=draw(maybe_instants),
    )


@settings(max_examples=300, deadline=None)
@given(appeal_fact=appeals_learned_piece_by_piece(), instant=instants)
def test_an_appeal_known_by_then_in_every_part_is_itself_and_otherwise_rewound(
    appeal_fact: AppealFact, instant: datetime
) -> None:
    """`AppealFact.known_at` skips the rewind when nothing of the appeal was learned after `instant`; what it
    gives is what the rewind gives."""
    if appeal_fact.learned_at <= instant:
        assert appeal_fact.known_at(instant) == appeal_fact._rewound(instant)
    else:
        assert appeal_fact.known_at(instant) is None
