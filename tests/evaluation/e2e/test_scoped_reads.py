"""Property: a read of one period from the facts that can matter for it (`loader.Scope`) equals the full
recomputation from every fact, for generated histories over three years, any period and any instant.

Generated upstream events go through the kernel's `Applier` into a fresh schema per example (the
consumer's code path, without NATS, as in `test_convergence`); then the figure table, every officer's
scorecard and (for a year) the ranking are computed both ways, as of the instant the handlers would
take: the one asked for, or now but never before the latest fact learned.
"""

import itertools
from dataclasses import replace
from datetime import date, datetime, timedelta

import asyncpg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jingzhang.assignment.domain.events import ChiefRelieved, EnterpriseClass, Slot
from jingzhang.evaluation.domain.events import ChiefRated, SpotCheckAnswerRecorded
from jingzhang.evaluation.domain.facts import Facts, _learned_times
from jingzhang.evaluation.domain.figures import figure_table
from jingzhang.evaluation.domain.period import Period
from jingzhang.evaluation.domain.reports import RankingPolicy, yearly_ranking
from jingzhang.evaluation.domain.scorecard import scorecard
from jingzhang.evaluation.projections.facts import PROJECTION as FACTS
from jingzhang.evaluation.projections.loader import learned_since, read_facts, read_reading
from jingzhang.evaluation.reads import Scope
from jingzhang.shared.applier import Applier, Delivery, Outcome
from jingzhang.shared.envelope import StreamId, encode
from jingzhang.shared.projection import install

from ..samples import (
    BL,
    PC,
    SC,
    Step,
    acknowledged,
    at,
    callback,
    chief,
    closed_unresolved,
    dispute,
    duty,
    enterprise,
    envelope,
    forum,
    forum_appeal_id,
    fulfilled,
    leaflets,
    office,
    officer,
    raised,
    reopened,
    resolved,
    routed,
    visit,
)

OFFICERS = ("o1", "o2", "o3", "o4")
ENTERPRISES = ("e1", "e2")
START = at(1, 1, 0, year=2024)
POLICY = RankingPolicy(min_sample=1)
_schemas = itertools.count()

instants = st.integers(0, 3 * 365 * 24).map(lambda h: START + timedelta(hours=h))
days = instants.map(lambda t: t.date().replace(day=min(t.day, 28)))
"""Days for the sample builders, which record work on the same day of 2025 (there is no 29 February)."""
late = st.sampled_from((timedelta(0), timedelta(0), timedelta(days=3), timedelta(days=40)))


def entered(step: Step, after: timedelta) -> Step:
    return replace(step, occurred_at=step.occurred_at + after)


@st.composite
def assignment(draw: st.DrawFn) -> list[Step]:
    steps = [officer(o) for o in OFFICERS]
    for e in ENTERPRISES:
        steps.append(enterprise(e, draw(st.sampled_from(EnterpriseClass)), when=draw(instants)))
        for o, tier in zip(OFFICERS, (PC, SC, BL, PC), strict=True):
            since = draw(instants)
            steps.append(entered(chief(e, o, tier, since=since), draw(late)))
            if draw(st.booleans()):
                until = since + timedelta(days=draw(st.integers(1, 500)))
                relieved = ChiefRelieved(
                    enterprise_id=e, tier=tier, slot=Slot.A, officer_id=o, effective_from=until, reason="moved"
                )
                steps.append(Step("assignment", "enterprise", e, relieved, until + draw(late)))
        if draw(st.booleans()):
            steps.append(office(e, f"office-{e}", on=draw(instants).date()))
    return steps


@st.composite
def appeals(draw: st.DrawFn) -> list[Step]:
    steps = []
    for n in range(draw(st.integers(0, 10))):
        a, o, t = f"a{n}", draw(st.sampled_from(OFFICERS)), draw(instants)
        steps += [entered(raised(a, t, draw(st.sampled_from(ENTERPRISES))), draw(late)), routed(a, t, o)]
        if draw(st.booleans()):
            steps.append(acknowledged(a, t + timedelta(minutes=draw(st.integers(5, 200))), o))
        closed = t + timedelta(hours=draw(st.integers(1, 60)))
        match draw(st.integers(0, 3)):
            case 0:
                steps.append(resolved(a, closed, o))
            case 1:
                steps.append(closed_unresolved(a, closed, o))
            case 2:
                steps += [
                    resolved(a, closed, o),
                    callback(a, closed + timedelta(days=1), o, draw(st.integers(1, 5)), True),
                ]
                if draw(st.booleans()):
                    steps.append(reopened(a, closed + timedelta(days=2)))
            case _:
                pass
    return steps


@st.composite
def patrols(draw: st.DrawFn) -> list[Step]:
    steps = []
    for n in range(draw(st.integers(0, 8))):
        d, o, due = f"d{n}", draw(st.sampled_from(OFFICERS)), draw(instants)
        steps.append(duty(d, o, due, draw(st.sampled_from(ENTERPRISES))))
        if draw(st.booleans()):
            done = due + timedelta(hours=draw(st.integers(-60, 60)))
            steps += [visit(f"v{n}", (o,), done), fulfilled(d, f"v{n}", done + draw(late) + timedelta(hours=2))]
    for n in range(draw(st.integers(0, 5))):
        steps.append(entered(leaflets(f"l{n}", draw(st.integers(1, 500)), draw(days)), draw(late)))
    for n in range(draw(st.integers(0, 2))):
        steps.append(dispute(f"x{n}", draw(days)))
    if draw(st.booleans()):
        day: date = draw(days)
        steps.append(forum("f1", day, ("r1", "r2")))
        when = datetime(day.year, day.month, day.day, 18, tzinfo=START.tzinfo)
        steps += [raised(forum_appeal_id("f1", r), when + draw(late)) for r in ("r1", "r2")]
    return steps


@st.composite
def own(draw: st.DrawFn) -> list[Step]:
    steps = []
    for n in range(draw(st.integers(0, 6))):
        label = draw(st.sampled_from(("2024", "2025", "2025-03", "2025-12", "2026")))
        o, e, when = draw(st.sampled_from(OFFICERS)), draw(st.sampled_from(ENTERPRISES)), draw(instants)
        event = ChiefRated(
            rating_id=f"r{n}", enterprise_id=e, officer_id=o, tier=PC, period=label,
            level=draw(st.integers(1, 5)), comment="", rated_at=when,
        )  # fmt: skip
        steps.append(Step("evaluation", "rating", f"r{n}", event, when))
    for _ in range(draw(st.integers(0, 4))):
        when, satisfied = draw(instants), draw(st.booleans())
        about = draw(st.none() | st.sampled_from(OFFICERS))
        answer = SpotCheckAnswerRecorded(
            spot_check_id="sc1", enterprise_id=draw(st.sampled_from(ENTERPRISES)), satisfied=satisfied,
            level=5 if satisfied else 2, comment="", answered_at=when, officer_id=about,
        )  # fmt: skip
        steps.append(Step("evaluation", "spot_check", "sc1", answer, when + draw(late)))
    return steps


@st.composite
def periods(draw: st.DrawFn) -> Period:
    match draw(st.integers(0, 2)):
        case 0:
            return Period.year(draw(st.integers(2023, 2026)))
        case 1:
            return Period.month(draw(st.integers(2024, 2026)), draw(st.integers(1, 12)))
        case _:
            start = draw(instants)
            return Period(start, start + timedelta(hours=draw(st.integers(1, 2 * 365 * 24))))


def deliveries(steps: list[Step]) -> list[Delivery]:
    versions: dict[tuple[str, StreamId], int] = {}
    found = []
    for seq, step in enumerate(steps):
        key = (step.service, StreamId(step.aggregate_type, step.aggregate_id))
        versions[key] = versions.get(key, 0) + 1
        env = envelope(step, versions[key], seq)
        found.append(Delivery(env.subject, encode(env)))
    return found


async def applied(pool: asyncpg.Pool, steps: list[Step]) -> str:
    schema = f"proj_facts_s{next(_schemas)}"
    async with pool.acquire() as conn:
        await install(conn, FACTS, schema)
        outcomes = await Applier(FACTS, None, schema=schema).apply_batch(conn, deliveries(steps))
    assert set(outcomes) <= {Outcome.APPLIED}
    return schema


def now_or_later(facts: Facts, now: datetime) -> datetime:
    """What the handlers took before scoped reads: now, never before the latest fact learned."""
    latest = facts.latest_learned()
    return now if latest is None else max(now, latest)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    history=st.tuples(assignment(), appeals(), patrols(), own()),
    period=periods(),
    as_of=st.none() | instants,
    now=instants,
)
async def test_a_read_of_one_period_equals_the_recomputation_from_every_fact(
    pool: asyncpg.Pool,
    history: tuple[list[Step], ...],
    period: Period,
    as_of: datetime | None,
    now: datetime,
) -> None:
    schema = await applied(pool, [step for part in history for step in part])
    try:
        async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
            await conn.execute(f'SET LOCAL search_path TO "{schema}", public')
            everything = await read_facts(conn)
            reading = await read_reading(conn, Scope(period, as_of or now), now)
    finally:
        await pool.execute(f'DROP SCHEMA "{schema}" CASCADE')
    instant = as_of or now_or_later(everything, now)
    scoped = reading.facts

    assert (as_of or reading.now_or_later(now)) == instant
    exact = everything.latest_learned()
    if exact is not None and exact >= now:  # `Reading.latest`: the latest itself when not before now
        assert reading.latest == exact
    else:  # else no earlier than it and earlier than now
        assert reading.latest is None or ((exact is None or exact <= reading.latest) and reading.latest < now)
    assert figure_table(scoped, period.start, period.end, instant) == figure_table(
        everything, period.start, period.end, instant
    )
    for officer_id in OFFICERS:
        assert scorecard(officer_id, period, scoped, instant) == scorecard(officer_id, period, everything, instant)
    if period == Period.year(period.start.year):
        year = period.start.year
        assert yearly_ranking(scoped, year, POLICY, instant) == yearly_ranking(everything, year, POLICY, instant)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=st.tuples(assignment(), appeals(), patrols(), own()), since=instants)
async def test_the_times_learned_since_an_instant_are_every_kind_of_facts_times_from_then(
    pool: asyncpg.Pool, history: tuple[list[Step], ...], since: datetime
) -> None:
    """What the reading looks for when the indexes' bound is not before now (`loader.learned_since`):
    the learned times of every kind of fact from `since` on, found without loading every fact."""
    schema = await applied(pool, [step for part in history for step in part])
    try:
        async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
            await conn.execute(f'SET LOCAL search_path TO "{schema}", public')
            everything = await read_facts(conn)
            times = set(_learned_times(everything))
            first = min(times)
            assert await learned_since(conn, first) == times
            assert await learned_since(conn, since) == {t for t in times if t >= since}
    finally:
        await pool.execute(f'DROP SCHEMA "{schema}" CASCADE')


async def test_a_read_of_one_year_loads_that_years_facts_only(pool: asyncpg.Pool) -> None:
    """The cost follows the period: earlier years' appeals, duties and work stay in the tables."""
    years = (2023, 2024, 2025)
    history = [
        step for y in years for step in (raised(f"a{y}", at(3, 1, year=y)), duty(f"d{y}", "o1", at(4, 1, year=y)))
    ]
    history += [leaflets(f"l{y}", 10, date(y, 5, 1)) for y in years]
    schema = await applied(pool, [officer("o1"), *history])
    try:
        async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
            await conn.execute(f'SET LOCAL search_path TO "{schema}", public')
            reading = await read_reading(conn, Scope(Period.year(2025), at(1, 1, year=2026)), at(1, 1, year=2026))
    finally:
        await pool.execute(f'DROP SCHEMA "{schema}" CASCADE')

    facts = reading.facts
    assert [a.appeal_id for a in facts.appeals] == ["a2025"]
    assert [d.duty_id for d in facts.duties] == ["d2025"]
    assert [x.at.year for x in facts.activities] == [2025]
    assert [o.officer_id for o in facts.officers] == ["o1"]  # enrolled in 2025, still serving
