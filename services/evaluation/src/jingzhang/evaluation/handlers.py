"""One async function per command: check what the projections know, then load, decide and append.

Dependencies come in as arguments: the event store, the clock and a `FactsQuery` (the facts read
model, or a fake in tests). Ids of new things and the spot check's seed arrive in the command, so
a retried request with the same ids records nothing new.
"""

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from jingzhang.evaluation.domain import ranking_publication, rating, spot_check
from jingzhang.evaluation.domain.events import RankingPublished
from jingzhang.evaluation.domain.facts import Facts
from jingzhang.evaluation.domain.period import BUREAU_TZ, Period, is_period_label
from jingzhang.evaluation.domain.ranking import Ranking
from jingzhang.evaluation.domain.spot_check import SpotCheckComparison, SpotCheckState, SpotCheckStatus
from jingzhang.evaluation.domain.vocabulary import ChiefTier
from jingzhang.evaluation.events import REGISTRY
from jingzhang.evaluation.reports import RankingPolicy, yearly_ranking
from jingzhang.shared.aggregate import Decided, execute, load
from jingzhang.shared.clock import Clock
from jingzhang.shared.envelope import Metadata
from jingzhang.shared.errors import DomainRejected, InvalidCommand, NotFound
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.store.protocol import EventStore


class FactsQuery(Protocol):
    async def facts(self) -> Facts: ...

    async def chief_tiers(
        self, enterprise_id: str, officer_id: str, start: datetime, end: datetime
    ) -> set[ChiefTier]: ...

    async def active_enterprises(self, at: datetime) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class Deps:
    store: EventStore
    clock: Clock
    query: FactsQuery


@dataclass(frozen=True, slots=True)
class RateChief:
    enterprise_id: str
    officer_id: str
    tier: ChiefTier
    period: str
    level: int
    comment: str


async def rate_chief(
    deps: Deps, command: RateChief, meta: Metadata, expected_version: int | None = None
) -> tuple[str, Decided[rating.RatingState]]:
    """Only an enterprise's own chief (at some time in the period, up to now) can be rated by it."""
    now = deps.clock.now()
    if not is_period_label(command.period):
        raise InvalidCommand("period must be YYYY or YYYY-MM", field="period")
    period = Period.parse(command.period)
    tiers = await deps.query.chief_tiers(command.enterprise_id, command.officer_id, period.start, min(period.end, now))
    if command.tier not in tiers:
        raise DomainRejected(
            f"{command.officer_id} was not {command.tier.value} of {command.enterprise_id} in {command.period}",
            field="officer_id",
            code="not_a_chief",
        )
    stream_id = rating.rating_stream_id(command.enterprise_id, command.officer_id, command.period)
    decide_command = rating.RateChief(
        stream_id,
        command.enterprise_id,
        command.officer_id,
        command.tier,
        command.period,
        command.level,
        command.comment,
        now,
    )
    decided = await execute(
        deps.store,
        REGISTRY,
        rating.RATING,
        stream_id,
        lambda state: rating.decide_rate(state, decide_command),
        meta=meta,
        now=now,
        expected_version=expected_version,
    )
    return stream_id, decided


async def draw_spot_check(
    deps: Deps, spot_check_id: str, seed: int, sample_size: int, meta: Metadata
) -> Decided[SpotCheckState]:
    """The population is every enterprise active now, as the facts read model knows them."""
    now = deps.clock.now()
    population = tuple(await deps.query.active_enterprises(now))
    command = spot_check.DrawSpotCheck(spot_check_id, seed, population, sample_size, now)
    return await _spot_check(deps, spot_check_id, lambda s: spot_check.decide_draw(s, command), meta, now, None)


async def record_answer(
    deps: Deps,
    spot_check_id: str,
    answer: spot_check.Answer,
    meta: Metadata,
    expected_version: int | None = None,
) -> Decided[SpotCheckState]:
    now = deps.clock.now()
    command = spot_check.RecordSpotCheckAnswer(
        spot_check_id, answer.enterprise_id, answer.satisfied, answer.level, answer.comment, now
    )
    await _require_spot_check(deps, spot_check_id)
    decide = lambda s: spot_check.decide_answer(s, command)  # noqa: E731
    return await _spot_check(deps, spot_check_id, decide, meta, now, expected_version)


async def close_spot_check(
    deps: Deps, spot_check_id: str, meta: Metadata, expected_version: int | None = None
) -> Decided[SpotCheckState]:
    now = deps.clock.now()
    command = spot_check.CloseSpotCheck(spot_check_id, now)
    await _require_spot_check(deps, spot_check_id)
    decide = lambda s: spot_check.decide_close(s, command)  # noqa: E731
    return await _spot_check(deps, spot_check_id, decide, meta, now, expected_version)


async def _spot_check(
    deps: Deps,
    spot_check_id: str,
    decide: Callable[[SpotCheckState], Sequence[DomainEvent]],
    meta: Metadata,
    now: datetime,
    expected_version: int | None,
) -> Decided[SpotCheckState]:
    return await execute(
        deps.store,
        REGISTRY,
        spot_check.SPOT_CHECK,
        spot_check_id,
        decide,
        meta=meta,
        now=now,
        expected_version=expected_version,
    )


async def _require_spot_check(deps: Deps, spot_check_id: str) -> SpotCheckState:
    state, _ = await load(deps.store, REGISTRY, spot_check.SPOT_CHECK, spot_check_id)
    if state.status is SpotCheckStatus.NEW:
        raise NotFound("spot check", spot_check_id)
    return state


@dataclass(frozen=True, slots=True)
class SpotCheckView:
    state: SpotCheckState
    version: int
    comparison: SpotCheckComparison


async def view_spot_check(deps: Deps, spot_check_id: str) -> SpotCheckView:
    """The spot check as recorded, against the ratings its enterprises gave for periods that began in
    the draw's year or the year before (a check drawn in February compares with last year's ratings)."""
    state, version = await load(deps.store, REGISTRY, spot_check.SPOT_CHECK, spot_check_id)
    if state.drawn is None:
        raise NotFound("spot check", spot_check_id)
    drawn_at = state.drawn.drawn_at
    since = Period.year(drawn_at.astimezone(BUREAU_TZ).year - 1).start
    facts = await deps.query.facts()
    ratings = [r for r in facts.ratings if since <= r.period.start <= drawn_at]
    return SpotCheckView(state, version, spot_check.compare_with_reported(state, ratings))


async def publish_ranking(
    deps: Deps, year: int, policy: RankingPolicy, meta: Metadata
) -> Decided[ranking_publication.RankingState]:
    """Publishes the ranking computed from the facts now; republishing the same ranking is a no-op."""
    now = deps.clock.now()
    computed = yearly_ranking(await deps.query.facts(), year, policy)
    command = ranking_publication.PublishRanking(ranking_id(year, computed), year, computed, now)
    return await execute(
        deps.store,
        REGISTRY,
        ranking_publication.RANKING,
        ranking_publication.ranking_stream_id(year),
        lambda state: ranking_publication.decide_publish(state, command),
        meta=meta,
        now=now,
    )


async def published_ranking(deps: Deps, year: int) -> RankingPublished | None:
    stream_id = ranking_publication.ranking_stream_id(year)
    state, _ = await load(deps.store, REGISTRY, ranking_publication.RANKING, stream_id)
    return state


def ranking_id(year: int, computed: Ranking) -> str:
    """Derived from the content, so a retry of the same publication is recognised as the same one."""
    parts = [computed.weighting.model_dump_json(), str(computed.min_rated_appeals)]
    parts += [o.model_dump_json() for o in (*computed.models, *computed.laggards, *computed.unranked)]
    return f"{year}-" + hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]
