"""Read routes: spot checks, scorecards with their evidence, rankings and the figure table."""

from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse

from jingzhang.evaluation import handlers
from jingzhang.evaluation.api.access import OWN_SCORECARD, everything, police_and_auditors
from jingzhang.evaluation.api.deps import HandlerDeps, Settings, SpotCheckId, Year, aware
from jingzhang.evaluation.api.deps import Query as FactsQuery
from jingzhang.evaluation.api.views import comparison_view, record_view, value_view
from jingzhang.evaluation.domain.facts import Facts
from jingzhang.evaluation.domain.figures import FigureTable, figure_table, figure_table_csv
from jingzhang.evaluation.domain.metrics import Rate, Tally
from jingzhang.evaluation.domain.period import Period, is_period_label
from jingzhang.evaluation.domain.scorecard import Scorecard, scorecard
from jingzhang.evaluation.reports import yearly_ranking
from jingzhang.shared.errors import InvalidCommand, NotFound

router = APIRouter(tags=["reports"])


class CsvResponse(PlainTextResponse):
    media_type = "text/csv"  # documented as such in the OpenAPI document, and sent with charset=utf-8


PERIOD = Query(description='"2025" (a year) or "2025-03" (a month)')
AS_OF = Query(default=None, description="Only what had been recorded by then; default: everything")


@router.get("/spot-checks/{spot_check_id}", dependencies=[everything("reading a spot check")])
async def get_spot_check(spot_check_id: SpotCheckId, deps: HandlerDeps) -> dict[str, Any]:
    view = await handlers.view_spot_check(deps, spot_check_id)
    drawn = view.state.drawn
    assert drawn is not None  # view_spot_check refuses a spot check never drawn
    return {
        **drawn.model_dump(mode="json"),
        "status": view.state.status.value,
        "version": view.version,
        "answers": [asdict(a) for a in view.state.answers],
        "comparison": comparison_view(view.comparison),
    }


async def _scorecard(
    deps: HandlerDeps, officer_id: str, period: str, as_of: datetime | None
) -> tuple[Scorecard, Facts]:
    facts = await deps.query.facts()
    if not any(o.officer_id == officer_id for o in facts.officers):
        raise NotFound("officer", officer_id)
    return scorecard(officer_id, _period(period), facts, aware(as_of) if as_of else None), facts


def _period(label: str) -> Period:
    if not is_period_label(label):
        raise InvalidCommand("period must be YYYY or YYYY-MM", field="period")
    return Period.parse(label)


@router.get("/officers/{officer_id}/scorecard", dependencies=[OWN_SCORECARD])
async def get_scorecard(
    officer_id: str, deps: HandlerDeps, period: str = PERIOD, as_of: datetime | None = AS_OF
) -> dict[str, Any]:
    card, _ = await _scorecard(deps, officer_id, period, as_of)
    return {**record_view(card), "period_label": period, "rated_appeals": card.rated_appeals}


@router.get("/officers/{officer_id}/scorecard/evidence", dependencies=[OWN_SCORECARD])
async def get_evidence(
    officer_id: str,
    deps: HandlerDeps,
    query: FactsQuery,
    metric: str = Query(description="A scorecard field, e.g. response_rate or hazards_rectified"),
    period: str = PERIOD,
    as_of: datetime | None = AS_OF,
) -> dict[str, Any]:
    card, _ = await _scorecard(deps, officer_id, period, as_of)
    value = getattr(card, metric, None) if metric in card.evidence() else None
    if not isinstance(value, Tally | Rate):
        raise InvalidCommand(f"unknown metric; one of {', '.join(sorted(card.evidence()))}", field="metric")
    hits = value.numerator_ids if isinstance(value, Rate) else value.fact_ids
    events = await query.events_behind(list(value.fact_ids))
    return {
        "officer_id": officer_id,
        "period": period,
        "metric": metric,
        "value": value_view(value),
        "fact_ids": list(value.fact_ids),
        "counted_ids": list(hits),
        "events": [asdict(e) for e in events],
    }


@router.get("/rankings/{year}", dependencies=[police_and_auditors("the ranking")])
async def get_ranking(year: Year, deps: HandlerDeps, app: Settings) -> dict[str, Any]:
    """The ranking computed from the facts now, and the one published for the year, if any."""
    ranking = yearly_ranking(await deps.query.facts(), year, app.policy)
    published = await handlers.published_ranking(deps, year)
    return {
        "year": year,
        "weighting": ranking.weighting.model_dump(),
        "min_rated_appeals": ranking.min_rated_appeals,
        "guard": (
            f"Officers with fewer than {ranking.min_rated_appeals} rated appeals in {year} are not ranked on"
            " rates: too few ratings make a rate noise. They are listed under unranked_on_rates."
        ),
        "models": [o.model_dump() for o in ranking.models],
        "laggards": [o.model_dump() for o in ranking.laggards],
        "unranked_on_rates": [o.model_dump() for o in ranking.unranked],
        "published": published.model_dump(mode="json") if published else None,
    }


async def _figures(deps: HandlerDeps, start: datetime, end: datetime, as_of: datetime | None) -> FigureTable:
    start, end = aware(start), aware(end)
    if end <= start:
        raise InvalidCommand("to must be after from", field="to")
    facts = await deps.query.facts()
    instant = aware(as_of) if as_of else _now_or_later(facts, deps.clock.now())
    return figure_table(facts, start, end, instant)


def _now_or_later(facts: Facts, now: datetime) -> datetime:
    """Without `as_of`, everything the read model holds: recorded times come from the store's clock,
    which an injected clock (a test's, a replay's) may lag behind."""
    recorded: list[datetime] = [fact.recorded_at for group in fields(facts) for fact in getattr(facts, group.name)]
    return max([now, *recorded])


FROM = Query(alias="from", description="Start of the period (inclusive); a date means its midnight, bureau time")
TO = Query(alias="to", description="End of the period (exclusive)")


@router.get("/figures", dependencies=[police_and_auditors("the figure table")])
async def get_figures(
    deps: HandlerDeps, start: datetime = FROM, end: datetime = TO, as_of: datetime | None = AS_OF
) -> dict[str, Any]:
    return record_view(await _figures(deps, start, end, as_of))


@router.get("/figures.csv", response_class=CsvResponse, dependencies=[police_and_auditors("the figure table")])
async def get_figures_csv(
    deps: HandlerDeps, start: datetime = FROM, end: datetime = TO, as_of: datetime | None = AS_OF
) -> CsvResponse:
    table = await _figures(deps, start, end, as_of)
    return CsvResponse(figure_table_csv(table))
