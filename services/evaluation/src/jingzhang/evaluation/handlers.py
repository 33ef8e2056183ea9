"""One async function per command, and the queries the routes answer.

A command checks what the facts read model must confirm (does the enterprise exist, the officer, is
the officer the enterprise's chief?), then loads its aggregate once, decides and appends through
`shared.aggregate.execute`. Only facts about someone count: an enterprise or officer the read model
does not know is refused with `shared.subjects.require_known`: 422 `unknown_<kind>` naming the field
once evaluation has applied everything assignment published, 409 `not_yet_known` while its events
are still arriving. The handler is where the clock is read (once per command or query) and where a
new spot check gets its id and seed, from the injected id factory. Dependencies come in as `Deps`: the
event store, the clock, the id factory, a `FactsQuery` (the facts read model, or a fake in tests), the
service's policy and `caught_up` (has evaluation applied everything a producer published?).

Queries are read as of an instant, `now` unless the caller names one: the facts learned by then,
and rates that count only what was due by then. A report reads only the facts that can matter for its
period, and is kept while it provably holds (`reads`).
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol, TypeVar

from jingzhang.evaluation.domain.events import RankingPublished, SpotCheckAnswerRecorded, SpotCheckClosed
from jingzhang.evaluation.domain.facts import Facts
from jingzhang.evaluation.domain.figures import FigureTable, figure_table
from jingzhang.evaluation.domain.period import BUREAU_TZ, Period, is_period_label
from jingzhang.evaluation.domain.ranking import Explanation, Ranking
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
from jingzhang.evaluation.reads import Position, ReadCache, Reading, Scope, read_through
from jingzhang.shared.aggregate import Authorize, Decided, execute, load
from jingzhang.shared.clock import Clock, IdFactory
from jingzhang.shared.envelope import Metadata
from jingzhang.shared.errors import ConcurrencyError, DomainRejected, InvalidCommand, NotFound
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.store.protocol import EventStore
from jingzhang.shared.subjects import CaughtUp, require_known

S = TypeVar("S")
R = TypeVar("R")

SEEDS = 2**31
"""Seeds a draw records: 0 .. 2**31 - 1."""


ASSIGNMENT = "assignment"
"""The producer of enterprises and officers."""


class FactsQuery(Protocol):
    async def facts(self) -> Facts: ...

    async def reading(self, scope: Scope, now: datetime) -> Reading:
        """What can matter for `scope`, with the position it was read at (see `reads`)."""
        ...

    async def position(self) -> Position: ...

    async def enterprise_known(self, enterprise_id: str) -> bool: ...

    async def officer_known(self, officer_id: str) -> bool: ...

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
    caught_up: CaughtUp
    """Has evaluation applied everything the named producer published (`Runtime.caught_up`)?"""
    cache: ReadCache = field(default_factory=ReadCache)
    """Answers kept while they provably hold (see `reads`)."""


async def require_enterprise(deps: Deps, enterprise_id: str) -> None:
    await require_known(
        lambda: deps.query.enterprise_known(enterprise_id),
        "enterprise",
        enterprise_id,
        field="enterprise_id",
        producer=ASSIGNMENT,
        caught_up=deps.caught_up,
    )


async def require_officer(deps: Deps, officer_id: str) -> None:
    await require_known(
        lambda: deps.query.officer_known(officer_id),
        "officer",
        officer_id,
        field="officer_id",
        producer=ASSIGNMENT,
        caught_up=deps.caught_up,
    )


# --- ratings -------------------------------------------------------------------------------------


async def rate_chief(
    deps: Deps, cmd: RateChief, meta: Metadata, *, authorize: Authorize[RatingState] | None = None
) -> Decided[RatingState]:
    """Only an enterprise's own chief (at some time in the period, up to now) can be rated by it; an
    enterprise or officer nobody has is refused as such first."""
    now = deps.clock.now()
    period = _period(cmd.period)
    await require_enterprise(deps, cmd.enterprise_id)
    await require_officer(deps, cmd.officer_id)
    tiers = await deps.query.chief_tiers(cmd.enterprise_id, cmd.officer_id, period.start, min(period.end, now))
    if cmd.tier not in tiers:
        raise DomainRejected(
            f"{cmd.officer_id} 在 {cmd.period} 不是 {cmd.enterprise_id} 的{cmd.tier.label}"
            f" ({cmd.officer_id} was not {cmd.tier.value} of {cmd.enterprise_id} in {cmd.period})",
            field="officer_id",
            code="not_a_chief",
        )

    async def attempt() -> Decided[RatingState]:
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
            assume_new=True,  # read the stream only when the append says it is not new (a retry, a race)
        )

    decided = await _once_again(attempt, cmd.expected_version)
    return decided if decided.events or decided.state is None else Decided(1, [decided.state], decided.state)


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

    async def attempt() -> Decided[SpotCheckState]:
        return await execute(
            deps.store,
            REGISTRY,
            SPOT_CHECK,
            draw.spot_check_id,
            lambda state: decide_draw(state, draw, now, cmd),
            meta=meta,
            now=now,
            authorize=authorize,
            assume_new=True,  # read the stream only when the append says it is not new (a retry, a race)
        )

    decided = await _once_again(attempt, None)
    drawn = decided.state.drawn
    return decided if decided.events or drawn is None else Decided(1, [drawn], decided.state)


async def record_answer(
    deps: Deps, cmd: RecordSpotCheckAnswer, meta: Metadata, *, authorize: Authorize[SpotCheckState] | None = None
) -> Decided[SpotCheckState]:
    """On a drawn check, once the caller is authorized on it: an enterprise outside the sample is refused
    as unknown if nobody has it; an answer about a named officer needs the officer to exist and to have
    been one of the enterprise's chiefs in the time the check looks back on (this year and the last)."""
    now = deps.clock.now()

    async def about_someone(state: SpotCheckState) -> None:
        if cmd.enterprise_id not in state.sample:
            await require_enterprise(deps, cmd.enterprise_id)
        if cmd.officer_id is not None:
            await _require_chief_lately(deps, cmd.enterprise_id, cmd.officer_id, now)

    decide = lambda state: decide_answer(state, cmd, now)  # noqa: E731
    decided = await _on_drawn(
        deps, cmd.spot_check_id, decide, meta, now, cmd.expected_version, authorize, about_someone
    )
    return await _first_answer(deps, cmd.spot_check_id, decided, lambda e: _answer_of(e, cmd.enterprise_id))


def _answer_of(event: DomainEvent, enterprise_id: str) -> bool:
    return isinstance(event, SpotCheckAnswerRecorded) and event.enterprise_id == enterprise_id


async def _require_chief_lately(deps: Deps, enterprise_id: str, officer_id: str, now: datetime) -> None:
    await require_officer(deps, officer_id)
    since = Period.year(now.astimezone(BUREAU_TZ).year - 1).start
    if not await deps.query.chief_tiers(enterprise_id, officer_id, since, now):
        raise DomainRejected(
            f"{officer_id} 近期不是 {enterprise_id} 的警长 ({officer_id} was no chief of {enterprise_id} since"
            f" {since.date().isoformat()})",
            field="officer_id",
            code="not_a_chief",
        )


async def close_spot_check(
    deps: Deps, cmd: CloseSpotCheck, meta: Metadata, *, authorize: Authorize[SpotCheckState] | None = None
) -> Decided[SpotCheckState]:
    now = deps.clock.now()
    decide = lambda state: decide_close(state, cmd, now)  # noqa: E731
    decided = await _on_drawn(deps, cmd.spot_check_id, decide, meta, now, cmd.expected_version, authorize)
    return await _first_answer(deps, cmd.spot_check_id, decided, lambda e: isinstance(e, SpotCheckClosed))


async def _first_answer(
    deps: Deps, spot_check_id: str, decided: Decided[SpotCheckState], recorded: Callable[[DomainEvent], bool]
) -> Decided[SpotCheckState]:
    """A retry recorded nothing: it answers what the request that did record it answered, the event it
    recorded and the version that brought the check to (read again from the stream, on retries only)."""
    if decided.events:
        return decided
    for env in await deps.store.read_stream(SPOT_CHECK.stream(spot_check_id)):
        payload = env.payload(REGISTRY)
        if recorded(payload):
            return Decided(env.version, [payload], decided.state)
    return decided


async def _once_again(attempt: Callable[[], Awaitable[Decided[S]]], expected_version: int | None) -> Decided[S]:
    """Of two first requests at once, the one that lost the race is decided again, as the retry it is."""
    try:
        return await attempt()
    except ConcurrencyError:
        if expected_version is not None:
            raise
        return await attempt()


async def _on_drawn(
    deps: Deps,
    spot_check_id: str,
    decide: Callable[[SpotCheckState], Sequence[DomainEvent]],
    meta: Metadata,
    now: datetime,
    expected_version: int | None,
    authorize: Authorize[SpotCheckState] | None,
    then: Callable[[SpotCheckState], Awaitable[None]] | None = None,
) -> Decided[SpotCheckState]:
    """A command on a spot check that must exist: one never drawn is not found, whatever else is asked;
    then the caller is authorized on it, then `then` checks what the command names."""

    async def drawn(state: SpotCheckState) -> None:
        if state.status is SpotCheckStatus.NEW:
            raise NotFound("spot check", spot_check_id)
        if authorize is not None:
            await authorize(state)
        if then is not None:
            await then(state)

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
    """Publishes the ranking computed from the facts now; republishing the same ranking records nothing
    and answers what the publication did."""
    now = deps.clock.now()
    facts = await deps.query.facts()
    computed = yearly_ranking(facts, cmd.year, deps.ranking, _now_or_later(facts, now))

    async def attempt() -> Decided[RankingState]:
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

    decided = await _once_again(attempt, None)
    return decided if decided.events or decided.state is None else Decided(1, [decided.state], decided.state)


@dataclass(frozen=True, slots=True)
class RankingView:
    computed: Ranking
    """The ranking the facts give as of `as_of` (default: now)."""
    published: RankingPublished | None
    """The one published for the year, if any."""
    as_of: datetime | None
    """The instant the caller asked for; None: now."""


async def view_ranking(deps: Deps, year: int, as_of: datetime | None = None) -> RankingView:
    def compute(facts: Facts, instant: datetime) -> Ranking:
        return yearly_ranking(facts, year, deps.ranking, instant)

    computed = await _read(deps, ("ranking", year), Period.year(year), as_of, compute, lambda r, _: r, Ranking)
    published, _ = await load(deps.store, REGISTRY, RANKING, ranking_stream_id(year))
    return RankingView(computed, published, as_of)


@dataclass(frozen=True, slots=True)
class RankedExplanation:
    """One officer's place in a year's ranking and why."""

    ranking: Ranking
    explanation: Explanation
    rank: int | None
    """None: not ranked (below the guard)."""


async def explain_ranking(deps: Deps, year: int, officer_id: str, as_of: datetime | None = None) -> RankedExplanation:
    """Why `officer_id` scored what they did in `year`'s ranking; 404 for an officer who was no chief then."""
    view = await view_ranking(deps, year, as_of)
    explanation = view.computed.explanation(officer_id)
    if explanation is None:
        raise NotFound("chief in the ranking", officer_id)
    rank = next((o.rank for o in view.computed.table if o.officer_id == officer_id), None)
    return RankedExplanation(view.computed, explanation, rank)


# --- scorecards and the figure table -------------------------------------------------------------


async def view_scorecard(deps: Deps, officer_id: str, period: str, as_of: datetime | None) -> Scorecard:
    """An officer's scorecard for a period label, as of an instant (default: now)."""
    if not await deps.query.officer_known(officer_id):
        raise NotFound("officer", officer_id)
    within = _period(period)

    def compute(facts: Facts, instant: datetime) -> Scorecard:
        return scorecard(officer_id, within, facts, instant)

    key = ("scorecard", officer_id, within)
    return await _read(deps, key, within, as_of, compute, lambda c, at: replace(c, as_of=at), Scorecard)


async def view_figures(deps: Deps, start: datetime, end: datetime, as_of: datetime | None) -> FigureTable:
    """The figure table of the business period `[start, end)` as of `as_of` (default: now)."""
    if end <= start:
        raise InvalidCommand("to must be after from", field="to")
    period = Period(start, end)

    def compute(facts: Facts, instant: datetime) -> FigureTable:
        return figure_table(facts, start, end, instant)

    key = ("figures", period)
    return await _read(deps, key, period, as_of, compute, lambda t, at: replace(t, as_of=at), FigureTable)


async def _read(
    deps: Deps,
    key: tuple[object, ...],
    period: Period,
    as_of: datetime | None,
    compute: Callable[[Facts, datetime], R],
    restamp: Callable[[R, datetime], R],
    kind: type[R],
) -> R:
    """A report of `period` from the facts that can matter for it, or kept from an earlier request while
    it provably holds (see `reads`); the clock is read once."""
    now = deps.clock.now()

    async def reading(since: datetime) -> Reading:
        return await deps.query.reading(Scope(period, since), now)

    return await read_through(deps.cache, key, deps.query.position, reading, as_of, now, compute, restamp, kind)


def _now_or_later(facts: Facts, now: datetime) -> datetime:
    """Now, by this service's clock, but never before the latest fact learned: another service's clock
    may run ahead of ours (an injected one in a test, a replay), and what the read model holds is known."""
    latest = facts.latest_learned()
    return now if latest is None else max(now, latest)
