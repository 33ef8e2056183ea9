"""Handlers on the in-memory event store, with the facts read model faked from domain facts."""

import uuid
from dataclasses import replace
from datetime import timedelta

import pytest

from jingzhang.evaluation.domain.events import ChiefRated, RankingPublished, SpotCheckAnswerRecorded, SpotCheckDrawn
from jingzhang.evaluation.domain.facts import Facts
from jingzhang.evaluation.domain.ranking import DEFAULT_WEIGHTING, Component
from jingzhang.evaluation.domain.ranking_publication import RANKING, PublishRanking
from jingzhang.evaluation.domain.rating import RATING, RateChief
from jingzhang.evaluation.domain.reports import RankingPolicy
from jingzhang.evaluation.domain.spot_check import (
    SPOT_CHECK,
    CloseSpotCheck,
    DrawSpotCheck,
    RecordSpotCheckAnswer,
    SpotCheckState,
    draw_sample,
)
from jingzhang.evaluation.domain.vocabulary import ChiefTier, EnterpriseClass
from jingzhang.evaluation.handlers import (
    Deps,
    close_spot_check,
    draw_spot_check,
    explain_ranking,
    publish_ranking,
    rate_chief,
    record_answer,
    view_figures,
    view_ranking,
    view_scorecard,
    view_spot_check,
)
from jingzhang.shared.auth.policy import Forbidden
from jingzhang.shared.clock import FixedClock, sequential_ids
from jingzhang.shared.envelope import Metadata
from jingzhang.shared.errors import (
    ConcurrencyError,
    DomainRejected,
    InvalidCommand,
    NotFound,
    NotYetKnown,
    UnknownSubject,
)
from jingzhang.shared.store.memory import InMemoryEventStore

from ..unit.builders import appeal, at, duty, enterprise, officer, rating, term
from .fakes import CountingStore, FakeFacts, FakeProducers

META = Metadata(actor="test", correlation_id=uuid.UUID(int=1))
PC = ChiefTier.POLICE_CHIEF
ENTERPRISES = tuple(enterprise(f"e{i}", EnterpriseClass.ABOVE_SCALE) for i in range(1, 7))
OFFICERS = tuple(officer(f"o{i}") for i in range(1, 4))
POLICY = RankingPolicy(DEFAULT_WEIGHTING, min_sample=1, size=10)


def deps(
    facts: Facts, now_month: int = 6, year: int = 2024, sample_size: int = 10, behind: set[str] | None = None
) -> Deps:
    """The facts given, with enterprises e1..e6 and officers o1..o3 unless they name their own;
    evaluation behind the producers in `behind`."""
    store = CountingStore(InMemoryEventStore("evaluation"))
    clock = FixedClock(at(now_month, 1, year=year))
    known = replace(facts, enterprises=facts.enterprises or ENTERPRISES, officers=facts.officers or OFFICERS)
    producers = FakeProducers(behind or set())
    return Deps(store, clock, sequential_ids(), FakeFacts(known), POLICY, sample_size, producers.caught_up)


def reads(d: Deps) -> CountingStore:
    assert isinstance(d.store, CountingStore)
    return d.store


def rate(officer: str = "o1", tier: ChiefTier = PC, level: int = 5, period: str = "2024") -> RateChief:
    return RateChief("e1", officer, tier, period, level, "good")


def answer(enterprise_id: str, satisfied: bool, level: int, comment: str = "") -> RecordSpotCheckAnswer:
    return RecordSpotCheckAnswer("sc1", enterprise_id, satisfied, level, comment)


async def refuse(state: SpotCheckState) -> None:
    raise Forbidden(f"not this spot check ({state.status.value})")


class TestRatingAChief:
    async def test_given_the_officer_is_the_enterprises_chief_when_rated_then_chief_rated_is_recorded(self) -> None:
        d = deps(Facts(chief_terms=(term("e1", "o1", PC),)))
        decided = await rate_chief(d, rate(), META)
        assert [type(e) for e in decided.events] == [ChiefRated]
        assert decided.state is not None
        assert decided.state.rating_id == rate().rating_id

    async def test_given_the_officer_is_no_chief_of_it_when_rated_then_it_is_refused(self) -> None:
        d = deps(Facts(chief_terms=(term("e2", "o1", PC),)))
        with pytest.raises(DomainRejected) as refused:
            await rate_chief(d, rate(), META)
        assert refused.value.code == "not_a_chief"

    async def test_given_another_tier_when_rated_in_the_wrong_tier_then_it_is_refused(self) -> None:
        d = deps(Facts(chief_terms=(term("e1", "o1", ChiefTier.STATION_CHIEF),)))
        with pytest.raises(DomainRejected):
            await rate_chief(d, rate(), META)

    async def test_given_a_term_that_ended_in_the_period_when_rated_then_it_counts(self) -> None:
        d = deps(Facts(chief_terms=(term("e1", "o1", PC, until=at(3, 1)),)))
        decided = await rate_chief(d, rate(), META)
        assert len(decided.events) == 1

    async def test_given_a_rating_when_the_same_rating_is_retried_then_it_answers_what_the_first_did(self) -> None:
        d = deps(Facts(chief_terms=(term("e1", "o1", PC),)))
        first = await rate_chief(d, rate(), META)
        decided = await rate_chief(d, rate(), META)
        assert (decided.state, decided.events, decided.version) == (first.state, first.events, 1)
        assert len(await d.store.read_stream(RATING.stream(rate().rating_id))) == 1  # nothing new recorded

    async def test_given_a_rating_when_rated_again_differently_then_it_is_refused(self) -> None:
        d = deps(Facts(chief_terms=(term("e1", "o1", PC),)))
        await rate_chief(d, rate(), META)
        with pytest.raises(DomainRejected):
            await rate_chief(d, rate(level=1), META)

    async def test_given_a_stale_expected_version_when_rated_then_it_conflicts(self) -> None:
        d = deps(Facts(chief_terms=(term("e1", "o1", PC),)))
        with pytest.raises(ConcurrencyError):
            await rate_chief(d, replace(rate(), expected_version=3), META)

    async def test_a_new_rating_is_recorded_without_reading_its_stream_and_its_retry_reads_it_once(self) -> None:
        d = deps(Facts(chief_terms=(term("e1", "o1", PC),)))
        await rate_chief(d, rate(), META)
        assert reads(d).reads == {}  # appended at version 0 on the initial state
        await rate_chief(d, rate(), META)
        assert reads(d).reads == {RATING.stream(rate().rating_id): 1}  # the retry's append conflicted: it read


class TestRatingSomeoneNobodyHas:
    """Only facts about someone count: an unknown enterprise or officer is refused as such, not as
    "no chief", and only once evaluation has seen everything assignment published."""

    async def test_given_evaluation_caught_up_when_an_unknown_enterprise_rates_then_unknown_enterprise(self) -> None:
        d = deps(Facts(chief_terms=(term("e1", "o1", PC),)))
        with pytest.raises(UnknownSubject) as refused:
            await rate_chief(d, replace(rate(), enterprise_id="e404"), META)
        assert (refused.value.code, refused.value.field) == ("unknown_enterprise", "enterprise_id")

    async def test_given_assignment_events_still_arriving_when_an_unknown_enterprise_rates_then_not_yet(self) -> None:
        d = deps(Facts(chief_terms=(term("e1", "o1", PC),)), behind={"assignment"})
        with pytest.raises(NotYetKnown) as refused:
            await rate_chief(d, replace(rate(), enterprise_id="e404"), META)
        assert (refused.value.code, refused.value.field) == ("not_yet_known", "enterprise_id")

    async def test_given_an_unknown_officer_when_rated_then_unknown_officer(self) -> None:
        d = deps(Facts(chief_terms=(term("e1", "o1", PC),)))
        with pytest.raises(UnknownSubject) as refused:
            await rate_chief(d, rate(officer="o404"), META)
        assert (refused.value.code, refused.value.field) == ("unknown_officer", "officer_id")

    async def test_given_an_unknown_officer_while_behind_then_not_yet_known(self) -> None:
        d = deps(Facts(chief_terms=(term("e1", "o1", PC),)), behind={"assignment"})
        with pytest.raises(NotYetKnown):
            await rate_chief(d, rate(officer="o404"), META)

    async def test_nothing_is_recorded_for_a_refused_rating(self) -> None:
        d = deps(Facts(chief_terms=(term("e1", "o1", PC),)))
        with pytest.raises(UnknownSubject):
            await rate_chief(d, rate(officer="o404"), META)
        assert reads(d).reads == {}


class TestSpotCheck:
    async def test_given_active_enterprises_when_drawn_then_the_sample_is_the_seeded_draw(self) -> None:
        d = deps(Facts(enterprises=ENTERPRISES))
        decided = await draw_spot_check(d, DrawSpotCheck("sc1", seed=7, sample_size=3), META)
        drawn = decided.events[0]
        assert isinstance(drawn, SpotCheckDrawn)
        assert drawn.sample == draw_sample([e.enterprise_id for e in ENTERPRISES], 7, 3)
        assert drawn.population_size == 6

    async def test_given_an_enterprise_not_yet_registered_then_it_is_not_in_the_population(self) -> None:
        later = enterprise("late", EnterpriseClass.ABOVE_SCALE, since=at(9, 1))
        d = deps(Facts(enterprises=(*ENTERPRISES, later)))
        decided = await draw_spot_check(d, DrawSpotCheck("sc1", seed=1, sample_size=6), META)
        drawn = decided.events[0]
        assert isinstance(drawn, SpotCheckDrawn)
        assert "late" not in drawn.sample

    async def test_given_a_drawn_check_when_answered_and_closed_then_the_view_compares_with_ratings(self) -> None:
        facts = Facts(enterprises=ENTERPRISES, ratings=(rating("r1", 5, enterprise="e1"), rating("r2", 2)))
        d = deps(facts)
        drawn = await draw_spot_check(d, DrawSpotCheck("sc1", seed=3, sample_size=6), META)
        answered = await record_answer(d, replace(answer("e1", False, 2, "slow"), expected_version=drawn.version), META)
        assert isinstance(answered.events[0], SpotCheckAnswerRecorded)
        await close_spot_check(d, CloseSpotCheck("sc1"), META)
        view = await view_spot_check(d, "sc1")
        assert (view.comparison.sampled.numerator, view.comparison.sampled.denominator) == (0, 1)
        assert (view.comparison.reported.numerator, view.comparison.reported.denominator) == (1, 2)

    async def test_given_no_such_spot_check_when_answered_then_not_found(self) -> None:
        with pytest.raises(NotFound):
            await record_answer(deps(Facts()), replace(answer("e1", True, 5), spot_check_id="nope"), META)

    async def test_given_no_such_spot_check_when_closed_with_any_version_then_not_found_first(self) -> None:
        with pytest.raises(NotFound):
            await close_spot_check(deps(Facts()), CloseSpotCheck("nope", expected_version=5), META)

    async def test_given_a_draw_without_id_seed_or_size_then_the_handler_gives_them(self) -> None:
        d = deps(Facts(enterprises=ENTERPRISES), sample_size=4)
        decided = await draw_spot_check(d, DrawSpotCheck(), META)
        drawn = decided.events[0]
        assert isinstance(drawn, SpotCheckDrawn)
        new_id, seed = str(uuid.UUID(int=1)), uuid.UUID(int=2).int  # the id factory's first two ids
        assert (decided.state.spot_check_id, drawn.spot_check_id, drawn.seed) == (new_id, new_id, seed)
        assert drawn.sample == draw_sample([e.enterprise_id for e in ENTERPRISES], seed, 4)

    async def test_retried_commands_answer_what_the_first_answered_and_record_nothing(self) -> None:
        d = deps(Facts(enterprises=ENTERPRISES))
        drawn = await draw_spot_check(d, DrawSpotCheck("sc1", seed=3, sample_size=6), META)
        answered = await record_answer(d, answer("e1", True, 5), META)
        await record_answer(d, answer("e2", True, 4), META)
        closed = await close_spot_check(d, CloseSpotCheck("sc1"), META)

        retries = [
            await draw_spot_check(d, DrawSpotCheck("sc1"), META),
            await record_answer(d, answer("e1", True, 5), META),
            await close_spot_check(d, CloseSpotCheck("sc1"), META),
        ]

        firsts = [(drawn.version, drawn.events), (answered.version, answered.events), (closed.version, closed.events)]
        assert [(r.version, r.events) for r in retries] == firsts
        assert (await view_spot_check(d, "sc1")).version == 4

    async def test_the_same_answer_id_with_other_content_is_a_duplicate(self) -> None:
        d = deps(Facts(enterprises=ENTERPRISES))
        await draw_spot_check(d, DrawSpotCheck("sc1", seed=3, sample_size=6), META)
        await record_answer(d, answer("e1", True, 5), META)
        with pytest.raises(DomainRejected) as refused:
            await record_answer(d, answer("e1", False, 2), META)
        assert (refused.value.code, refused.value.field) == ("duplicate", "enterprise_id")
        with pytest.raises(DomainRejected) as redrawn:
            await draw_spot_check(d, DrawSpotCheck("sc1", seed=4), META)
        assert redrawn.value.code == "duplicate"

    async def test_the_draw_reads_no_stream_and_each_later_command_loads_the_spot_check_once(self) -> None:
        d = deps(Facts(enterprises=ENTERPRISES))
        stream = SPOT_CHECK.stream("sc1")
        await draw_spot_check(d, DrawSpotCheck("sc1", seed=3, sample_size=6), META)
        assert reads(d).reads[stream] == 0  # a new check is appended at version 0 on the initial state
        await record_answer(d, answer("e1", True, 5), META)
        assert reads(d).reads[stream] == 1
        await close_spot_check(d, CloseSpotCheck("sc1"), META)
        assert reads(d).reads[stream] == 2

    async def test_a_refusal_on_the_loaded_spot_check_records_nothing(self) -> None:
        d = deps(Facts(enterprises=ENTERPRISES))
        drawn = await draw_spot_check(d, DrawSpotCheck("sc1", seed=3, sample_size=6), META)
        with pytest.raises(Forbidden, match=r"\(open\)"):
            await record_answer(d, answer("e1", True, 5), META, authorize=refuse)
        with pytest.raises(Forbidden):
            await close_spot_check(d, CloseSpotCheck("sc1"), META, authorize=refuse)
        assert (await view_spot_check(d, "sc1")).version == drawn.version

    async def test_given_no_such_spot_check_when_viewed_then_not_found(self) -> None:
        with pytest.raises(NotFound):
            await view_spot_check(deps(Facts()), "nope")


class TestSpotCheckAnswersAboutSomeone:
    async def drawn(self, facts: Facts, behind: set[str] | None = None) -> Deps:
        d = deps(facts, behind=behind)
        await draw_spot_check(d, DrawSpotCheck("sc1", seed=3, sample_size=2), META)
        return d

    def about(self, officer_id: str | None) -> RecordSpotCheckAnswer:
        sampled = draw_sample([e.enterprise_id for e in ENTERPRISES], 3, 2)[0]
        return RecordSpotCheckAnswer("sc1", sampled, True, 5, officer_id=officer_id)

    async def test_an_answer_about_the_enterprises_chief_names_them(self) -> None:
        cmd = self.about("o1")
        d = await self.drawn(Facts(chief_terms=(term(cmd.enterprise_id, "o1", PC),)))

        decided = await record_answer(d, cmd, META)

        recorded = decided.events[0]
        assert isinstance(recorded, SpotCheckAnswerRecorded)
        assert recorded.officer_id == "o1"

    async def test_an_answer_about_an_unknown_officer_is_refused_as_such(self) -> None:
        d = await self.drawn(Facts())
        with pytest.raises(UnknownSubject) as refused:
            await record_answer(d, self.about("o404"), META)
        assert (refused.value.code, refused.value.field) == ("unknown_officer", "officer_id")

    async def test_an_answer_about_an_officer_who_was_no_chief_there_is_refused(self) -> None:
        d = await self.drawn(Facts(chief_terms=(term("elsewhere", "o1", PC),)))
        with pytest.raises(DomainRejected) as refused:
            await record_answer(d, self.about("o1"), META)
        assert (refused.value.code, refused.value.field) == ("not_a_chief", "officer_id")

    async def test_an_answer_from_an_enterprise_nobody_has_is_refused_as_unknown(self) -> None:
        d = await self.drawn(Facts())
        with pytest.raises(UnknownSubject) as refused:
            await record_answer(d, RecordSpotCheckAnswer("sc1", "e404", True, 5), META)
        assert (refused.value.code, refused.value.field) == ("unknown_enterprise", "enterprise_id")

    async def test_an_answer_from_a_known_enterprise_outside_the_sample_is_invalid(self) -> None:
        d = await self.drawn(Facts())
        outside = next(e.enterprise_id for e in ENTERPRISES if e.enterprise_id not in self.sample())
        with pytest.raises(InvalidCommand) as refused:
            await record_answer(d, RecordSpotCheckAnswer("sc1", outside, True, 5), META)
        assert refused.value.field == "enterprise_id"

    async def test_an_unknown_officer_while_assignment_is_behind_is_not_yet_known(self) -> None:
        d = await self.drawn(Facts(), behind={"assignment"})
        with pytest.raises(NotYetKnown):
            await record_answer(d, self.about("o404"), META)

    def sample(self) -> tuple[str, ...]:
        return draw_sample([e.enterprise_id for e in ENTERPRISES], 3, 2)


class TestReadingNow:
    """Queries read as of now unless told otherwise: an appeal minutes old is pending, not missed."""

    FACTS = Facts(
        chief_terms=(term("e1", "o1", PC),),
        appeals=(
            appeal("a1", raised=at(6, 1, hour=8), responded_after=None, closed_after=None),
            appeal("a2", raised=at(6, 1, hour=8), responded_after=None, closed_after=None),
        ),
        duties=(duty("d1", due=at(6, 7), missed=True),),
    )

    async def test_the_scorecard_read_now_counts_young_appeals_and_undue_visits_as_pending(self) -> None:
        card = await view_scorecard(deps(self.FACTS), "o1", "2024", None)  # now: 1 June, 09:00

        assert card.as_of == at(6, 1)
        assert (card.response_rate.denominator, card.response_rate.pending) == (0, 2)
        assert (card.visit_compliance.denominator, card.visit_compliance.pending) == (0, 1)

    async def test_the_scorecard_as_of_a_later_instant_counts_them_as_missed(self) -> None:
        card = await view_scorecard(deps(self.FACTS), "o1", "2024", at(6, 20))

        assert (card.response_rate.numerator, card.response_rate.denominator) == (0, 2)

    async def test_the_figure_table_as_of_defaults_to_now(self) -> None:
        table = await view_figures(deps(self.FACTS), at(1, 1, hour=0), at(12, 31, hour=0), None)

        assert table.as_of == at(6, 1)
        assert table.visit_compliance.pending_ids == (self.FACTS.duties[0].fact_id,)


class TestKeptAnswers:
    """A report is kept while it provably holds (`reads`): the same facts, and no time limit or due time
    passed since; then it is served again with the instant asked for."""

    FACTS = TestReadingNow.FACTS  # appeals raised 1 June 8:00 (first response due the next day), a visit due 7 June
    YEAR_START, YEAR_END = at(1, 1, hour=0), at(1, 1, hour=0, year=2025)

    async def test_read_again_before_anything_falls_due_it_is_served_as_kept(self) -> None:
        d = deps(self.FACTS)
        first = await view_figures(d, self.YEAR_START, self.YEAR_END, None)
        assert isinstance(d.clock, FixedClock)
        d.clock.advance(timedelta(minutes=5))

        again = await view_figures(d, self.YEAR_START, self.YEAR_END, None)

        assert again == replace(first, as_of=at(6, 1) + timedelta(minutes=5))
        assert (d.cache.hits, d.cache.misses) == (1, 1)

    async def test_once_a_visit_falls_due_it_is_computed_again(self) -> None:
        d = deps(self.FACTS)
        await view_figures(d, self.YEAR_START, self.YEAR_END, None)
        assert isinstance(d.clock, FixedClock)
        d.clock.set(at(6, 7, hour=10))

        table = await view_figures(d, self.YEAR_START, self.YEAR_END, None)

        assert (table.visit_compliance.denominator, table.visit_compliance.pending) == (1, 0)
        assert d.cache.hits == 0

    async def test_once_a_fact_is_applied_it_is_computed_again(self) -> None:
        d = deps(self.FACTS)
        before = await view_scorecard(d, "o1", "2024", None)
        assert isinstance(d.query, FakeFacts)
        late = appeal("a3", raised=at(5, 20), responded_after=timedelta(minutes=5), closed_after=None)
        d.query.known = replace(d.query.known, appeals=(*d.query.known.appeals, late))

        after = await view_scorecard(d, "o1", "2024", None)

        assert (before.appeals_handled.total, after.appeals_handled.total) == (2, 3)
        assert d.cache.hits == 0

    async def test_an_earlier_instant_than_the_kept_one_is_computed_again(self) -> None:
        d = deps(self.FACTS)
        await view_scorecard(d, "o1", "2024", None)

        earlier = await view_scorecard(d, "o1", "2024", at(5, 1))

        assert (earlier.as_of, earlier.appeals_handled.total) == (at(5, 1), 0)
        assert d.cache.hits == 0

    async def test_a_ranking_read_twice_is_computed_once(self) -> None:
        d = deps(TestPublishingTheRanking().facts(), now_month=1, year=2025)

        first = await view_ranking(d, 2024)
        again = await view_ranking(d, 2024)

        assert again.computed == first.computed
        assert (d.cache.hits, d.cache.misses) == (1, 1)


class TestPublishingTheRanking:
    def facts(self) -> Facts:
        terms = (term("e1", "o1", PC), term("e1", "o2", ChiefTier.STATION_CHIEF))
        appeals = (appeal("a1", officer="o1", rating=(5, True)), appeal("a2", officer="o2", rating=(1, False)))
        return Facts(chief_terms=terms, appeals=appeals)

    async def test_given_the_year_is_over_when_published_then_models_and_laggards_are_recorded(self) -> None:
        d = deps(self.facts(), now_month=1, year=2025)
        decided = await publish_ranking(d, PublishRanking(2024), META)
        published = decided.events[0]
        assert isinstance(published, RankingPublished)
        assert [o.officer_id for o in published.models] == ["o1"]
        assert [o.officer_id for o in published.laggards] == ["o2"]

    async def test_given_a_published_ranking_when_published_again_then_it_answers_as_the_first(self) -> None:
        d = deps(self.facts(), now_month=1, year=2025)
        first = await publish_ranking(d, PublishRanking(2024), META)
        again = await publish_ranking(d, PublishRanking(2024), META)
        assert (again.events, again.version) == (first.events, 1)
        assert reads(d).reads == {RANKING.stream("2024"): 2}  # once per command

    async def test_given_the_year_is_running_when_published_then_refused(self) -> None:
        d = deps(self.facts(), now_month=11)
        with pytest.raises(DomainRejected):
            await publish_ranking(d, PublishRanking(2024), META)

    async def test_the_ranking_comes_back_with_its_weights_and_guard(self) -> None:
        view = await view_ranking(deps(self.facts(), now_month=1, year=2025), 2024)

        assert (view.computed.weighting, view.computed.min_sample) == (POLICY.weighting, POLICY.min_sample)
        assert (view.published, view.as_of) == (None, None)

    async def test_each_score_is_explained_down_to_its_facts(self) -> None:
        explained = await explain_ranking(deps(self.facts(), now_month=1, year=2025), 2024, "o2")

        assert explained.rank == 2
        parts = {p.component: p for p in explained.explanation.parts}
        assert parts[Component.SATISFACTION].fact_ids == ("a2",)
        assert sum(p.contribution for p in explained.explanation.parts) == explained.explanation.score

    async def test_an_officer_who_was_no_chief_that_year_has_no_explanation(self) -> None:
        with pytest.raises(NotFound):
            await explain_ranking(deps(self.facts(), now_month=1, year=2025), 2024, "o3")

    async def test_a_ranking_as_of_an_instant_ignores_what_was_recorded_later(self) -> None:
        campaign = at(1, 20, year=2025)
        late = (rating("r1", 1, officer="o1", learned=campaign), rating("r2", 5, officer="o2", learned=campaign))
        d = deps(replace(self.facts(), ratings=late), now_month=2, year=2025)

        then = await view_ranking(d, 2024, at(1, 10, year=2025))
        now = await view_ranking(d, 2024)

        assert [o.officer_id for o in then.computed.table] == ["o1", "o2"]
        assert [o.officer_id for o in now.computed.table] == ["o2", "o1"]
        assert then.as_of == at(1, 10, year=2025)

    async def test_given_facts_changed_after_publication_when_published_again_then_refused(self) -> None:
        d = deps(self.facts(), now_month=1, year=2025)
        await publish_ranking(d, PublishRanking(2024), META)
        later = appeal("a3", officer="o2", raised=at(5, 1), rating=(5, True), responded_after=timedelta(hours=1))
        d2 = replace(d, query=FakeFacts(Facts(chief_terms=self.facts().chief_terms, appeals=(later,))))
        with pytest.raises(DomainRejected):
            await publish_ranking(d2, PublishRanking(2024), META)
