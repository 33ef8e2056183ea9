"""Handlers on the in-memory event store, with the facts read model faked from domain facts."""

import uuid
from dataclasses import replace
from datetime import timedelta

import pytest

from jingzhang.evaluation.domain.events import ChiefRated, RankingPublished, SpotCheckAnswerRecorded, SpotCheckDrawn
from jingzhang.evaluation.domain.facts import Facts
from jingzhang.evaluation.domain.ranking import Weighting
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
    publish_ranking,
    rate_chief,
    record_answer,
    view_spot_check,
)
from jingzhang.shared.auth.policy import Forbidden
from jingzhang.shared.clock import FixedClock, sequential_ids
from jingzhang.shared.envelope import Metadata
from jingzhang.shared.errors import ConcurrencyError, DomainRejected, NotFound
from jingzhang.shared.store.memory import InMemoryEventStore

from ..unit.builders import appeal, at, enterprise, rating, term
from .fakes import CountingStore, FakeFacts

META = Metadata(actor="test", correlation_id=uuid.UUID(int=1))
PC = ChiefTier.POLICE_CHIEF
ENTERPRISES = tuple(enterprise(f"e{i}", EnterpriseClass.ABOVE_SCALE) for i in range(1, 7))
POLICY = RankingPolicy(Weighting(), min_rated_appeals=1, size=10)


def deps(facts: Facts, now_month: int = 6, year: int = 2024, sample_size: int = 10) -> Deps:
    store = CountingStore(InMemoryEventStore("evaluation"))
    clock = FixedClock(at(now_month, 1, year=year))
    return Deps(store, clock, sequential_ids(), FakeFacts(facts), POLICY, sample_size)


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

    async def test_given_a_rating_when_the_same_rating_is_retried_then_nothing_new_is_recorded(self) -> None:
        d = deps(Facts(chief_terms=(term("e1", "o1", PC),)))
        first = await rate_chief(d, rate(), META)
        decided = await rate_chief(d, rate(), META)
        assert (decided.state, decided.events, decided.version) == (first.state, [], 1)

    async def test_given_a_rating_when_rated_again_differently_then_it_is_refused(self) -> None:
        d = deps(Facts(chief_terms=(term("e1", "o1", PC),)))
        await rate_chief(d, rate(), META)
        with pytest.raises(DomainRejected):
            await rate_chief(d, rate(level=1), META)

    async def test_given_a_stale_expected_version_when_rated_then_it_conflicts(self) -> None:
        d = deps(Facts(chief_terms=(term("e1", "o1", PC),)))
        with pytest.raises(ConcurrencyError):
            await rate_chief(d, replace(rate(), expected_version=3), META)

    async def test_the_rating_stream_is_loaded_once(self) -> None:
        d = deps(Facts(chief_terms=(term("e1", "o1", PC),)))
        await rate_chief(d, rate(), META)
        assert reads(d).reads == {RATING.stream(rate().rating_id): 1}


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

    async def test_each_command_loads_the_spot_check_once(self) -> None:
        d = deps(Facts(enterprises=ENTERPRISES))
        stream = SPOT_CHECK.stream("sc1")
        await draw_spot_check(d, DrawSpotCheck("sc1", seed=3, sample_size=6), META)
        assert reads(d).reads[stream] == 1
        await record_answer(d, answer("e1", True, 5), META)
        assert reads(d).reads[stream] == 2
        await close_spot_check(d, CloseSpotCheck("sc1"), META)
        assert reads(d).reads[stream] == 3

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

    async def test_given_a_published_ranking_when_published_again_then_nothing_new(self) -> None:
        d = deps(self.facts(), now_month=1, year=2025)
        await publish_ranking(d, PublishRanking(2024), META)
        again = await publish_ranking(d, PublishRanking(2024), META)
        assert (again.events, again.version) == ([], 1)
        assert reads(d).reads == {RANKING.stream("2024"): 2}  # once per command

    async def test_given_the_year_is_running_when_published_then_refused(self) -> None:
        d = deps(self.facts(), now_month=11)
        with pytest.raises(DomainRejected):
            await publish_ranking(d, PublishRanking(2024), META)

    async def test_given_facts_changed_after_publication_when_published_again_then_refused(self) -> None:
        d = deps(self.facts(), now_month=1, year=2025)
        await publish_ranking(d, PublishRanking(2024), META)
        later = appeal("a3", officer="o2", raised=at(5, 1), rating=(5, True), responded_after=timedelta(hours=1))
        d2 = replace(d, query=FakeFacts(Facts(chief_terms=self.facts().chief_terms, appeals=(later,))))
        with pytest.raises(DomainRejected):
            await publish_ranking(d2, PublishRanking(2024), META)
