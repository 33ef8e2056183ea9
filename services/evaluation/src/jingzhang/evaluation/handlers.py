"""One async function per command, and the queries the routes answer.

A command checks what the facts read model must confirm (is the rated officer the enterprise's chief?),
then loads its aggregate once, decides and appends through `shared.aggregate.execute`. The handler is
where the clock is read (once per command or query) and where a new spot check gets its id and seed,
from the injected id factory. Dependencies come in as `Deps`: the event store, the clock, the id
factory, a `FactsQuery` (the facts read model, or a fake in tests) and the service's policy.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Protocol

from jingzhang.evaluation.domain.events import RankingPublished
from jingzhang.evaluation.domain.facts import Facts
from jingzhang.evaluation.domain.figures import FigureTable, figure_table
from jingzhang.evaluation.domain.period import BUREAU_TZ, Period, is_period_label
from jingzhang.evaluation.domain.ranking import Ranking
from jingzhang.evaluation.domain.ranking_publication import (
    RANKING,
    PublishRanking,
    RankingState,
    decide_publish,
    ranking_stream_id,
)
from jingzhang.evaluation.domain.rating import RATING, RateChief, RatingState, decide_rate
from jingzhang.evaluation.domain.reports import RankingPolicy, yearly_ranking
from jingzhang.evaluation.domain.scorecard import Scorecard, scorecard
from jingzhang.evaluation.domain.spot_check import (
    SPOT_CHECK,
    CloseSpotCheck,
    Draw,
    DrawSpotCheck,
    RecordSpotCheckAnswer,
    SpotCheckComparison,
    SpotCheckState,
    SpotCheckStatus,
    compare_with_reported,
    decide_answer,
    decide_close,
    decide_draw,
)
from jingzhang.evaluation.domain.vocabulary import ChiefTier
from jingzhang.evaluation.events import REGISTRY
from jingzhang.shared.aggregate import Authorize, Decided, execute, load
from jingzhang.shared.clock import Clock, IdFactory
from jingzhang.shared.envelope import Metadata
from jingzhang.shared.errors import DomainRejected, InvalidCommand, NotFound
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.store.protocol import EventStore

SEEDS = 2**31
"""Seeds a draw records: 0 .. 2**31 - 1."""


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
    ids: IdFactory
    query: FactsQuery
    ranking: RankingPolicy
    sample_size: int
    """The sample a draw takes when it names none."""


# --- ratings -------------------------------------------------------------------------------------


async def rate_chief(
    deps: Deps, cmd: RateChief, meta: Metadata, *, authorize: Authorize[RatingState] | None = None
) -> Decided[RatingState]:
    """Only an enterprise's own chief (at some time in the period, up to now) can be rated by it."""
    now = deps.clock.now()
    period = _period(cmd.period)
    tiers = await deps.query.chief_tiers(cmd.enterprise_id, cmd.officer_id, period.start, min(period.end, now))
    if cmd.tier not in tiers:
        raise DomainRejected(
            f"{cmd.officer_id} was not {cmd.tier.value} of {cmd.enterprise_id} in {cmd.period}",
            field="officer_id",
            code="not_a_chief",
        )
    return await execute(
        deps.store,
        REGISTRY,
        RATING,
        cmd.rating_id,
        lambda state: decide_rate(state, cmd, now),
        meta=meta,
        now=now,
        expected_version=cmd.expected_version,
        authorize=authorize,
    )


def _period(label: str) -> Period:
    if not is_period_label(label):
        raise InvalidCommand("period must be YYYY or YYYY-MM", field="period")
    return Period.parse(label)


# --- spot checks ---------------------------------------------------------------------------------


async def draw_spot_check(
    deps: Deps, cmd: DrawSpotCheck, meta: Metadata, *, authorize: Authorize[SpotCheckState] | None = None
) -> Decided[SpotCheckState]:
    """The population is every enterprise active now, as the facts read model knows them. A draw that
    names no id gets a new one and no seed a random one (both from the id factory: random UUIDs in
    service, repeatable in tests); no sample size, the service's."""
    now = deps.clock.now()
    draw = Draw(
        spot_check_id=cmd.spot_check_id or str(deps.ids()),
        seed=cmd.seed if cmd.seed is not None else deps.ids().int % SEEDS,
        sample_size=cmd.sample_size or deps.sample_size,
        population=tuple(await deps.query.active_enterprises(now)),
    )
    return await execute(
        deps.store,
        REGISTRY,
        SPOT_CHECK,
        draw.spot_check_id,
        lambda state: decide_draw(state, draw, now),
        meta=meta,
        now=now,
        authorize=authorize,
    )


async def record_answer(
    deps: Deps, cmd: RecordSpotCheckAnswer, meta: Metadata, *, authorize: Authorize[SpotCheckState] | None = None
) -> Decided[SpotCheckState]:
    now = deps.clock.now()
    decide = lambda state: decide_answer(state, cmd, now)  # noqa: E731
    return await _on_drawn(deps, cmd.spot_check_id, decide, meta, now, cmd.expected_version, authorize)


async def close_spot_check(
    deps: Deps, cmd: CloseSpotCheck, meta: Metadata, *, authorize: Authorize[SpotCheckState] | None = None
) -> Decided[SpotCheckState]:
    now = deps.clock.now()
    decide = lambda state: decide_close(state, cmd, now)  # noqa: E731
    return await _on_drawn(deps, cmd.spot_check_id, decide, meta, now, cmd.expected_version, authorize)


async def _on_drawn(
    deps: Deps,
    spot_check_id: str,
    decide: Callable[[SpotCheckState], Sequence[DomainEvent]],
    meta: Metadata,
    now: datetime,
    expected_version: int | None,
    authorize: Authorize[SpotCheckState] | None,
) -> Decided[SpotCheckState]:
    """A command on a spot check that must exist: one never drawn is not found, whatever else is asked."""

    async def drawn(state: SpotCheckState) -> None:
        if state.status is SpotCheckStatus.NEW:
            raise NotFound("spot check", spot_check_id)
        if authorize is not None:
            await authorize(state)

    return await execute(
        deps.store,
        REGISTRY,
        SPOT_CHECK,
        spot_check_id,
        decide,
        meta=meta,
        now=now,
        expected_version=expected_version,
        authorize=drawn,
    )


@dataclass(frozen=True, slots=True)
class SpotCheckView:
    state: SpotCheckState
    version: int
    comparison: SpotCheckComparison


async def view_spot_check(deps: Deps, spot_check_id: str) -> SpotCheckView:
    """The spot check as recorded, against the ratings its enterprises gave for periods that began in
    the draw's year or the year before (a check drawn in February compares with last year's ratings)."""
    state, version = await load(deps.store, REGISTRY, SPOT_CHECK, spot_check_id)
    if state.drawn is None:
        raise NotFound("spot check", spot_check_id)
    drawn_at = state.drawn.drawn_at
    since = Period.year(drawn_at.astimezone(BUREAU_TZ).year - 1).start
    facts = await deps.query.facts()
    ratings = [r for r in facts.ratings if since <= r.period.start <= drawn_at]
    return SpotCheckView(state, version, compare_with_reported(state, ratings))


# --- rankings ------------------------------------------------------------------------------------


async def publish_ranking(
    deps: Deps, cmd: PublishRanking, meta: Metadata, *, authorize: Authorize[RankingState] | None = None
) -> Decided[RankingState]:
    """Publishes the ranking computed from the facts now; republishing the same ranking is a no-op."""
    now = deps.clock.now()
    computed = yearly_ranking(await deps.query.facts(), cmd.year, deps.ranking)
    return await execute(
        deps.store,
        REGISTRY,
        RANKING,
        ranking_stream_id(cmd.year),
        lambda state: decide_publish(state, cmd, computed, now),
        meta=meta,
        now=now,
        authorize=authorize,
    )


@dataclass(frozen=True, slots=True)
class RankingView:
    computed: Ranking
    """The ranking the facts give now."""
    published: RankingPublished | None
    """The one published for the year, if any."""


async def view_ranking(deps: Deps, year: int) -> RankingView:
    computed = yearly_ranking(await deps.query.facts(), year, deps.ranking)
    published, _ = await load(deps.store, REGISTRY, RANKING, ranking_stream_id(year))
    return RankingView(computed, published)


# --- scorecards and the figure table -------------------------------------------------------------


async def view_scorecard(deps: Deps, officer_id: str, period: str, as_of: datetime | None) -> Scorecard:
    """An officer's scorecard for a period label, as of an instant (default: everything recorded)."""
    facts = await deps.query.facts()
    if not any(o.officer_id == officer_id for o in facts.officers):
        raise NotFound("officer", officer_id)
    return scorecard(officer_id, _period(period), facts, as_of)


async def view_figures(deps: Deps, start: datetime, end: datetime, as_of: datetime | None) -> FigureTable:
    """The figure table of `[start, end)` as of `as_of`; without it, of everything the facts hold."""
    if end <= start:
        raise InvalidCommand("to must be after from", field="to")
    facts = await deps.query.facts()
    return figure_table(facts, start, end, as_of or _now_or_later(facts, deps.clock.now()))


def _now_or_later(facts: Facts, now: datetime) -> datetime:
    """Recorded times come from the store's clock, which an injected clock (a test's, a replay's) may
    lag behind: "now" is never before the latest record, so nothing the read model holds is left out."""
    recorded: list[datetime] = [fact.recorded_at for group in fields(facts) for fact in getattr(facts, group.name)]
    return max([now, *recorded])
