"""Per-officer scorecards (一警一评一考) for a period, as of any instant (default: now; a rate counts only
what was due by then, the rest is `pending`), with the events behind every number. An officer reads
their own; their station chief, the bureau and auditors read them too."""

from dataclasses import asdict
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query

from jingzhang.evaluation import handlers
from jingzhang.evaluation.api.authz import OWN_SCORECARD
from jingzhang.evaluation.api.bodies import AS_OF, PERIOD
from jingzhang.evaluation.api.deps import FactsTables, HandlerDeps
from jingzhang.evaluation.api.views import record_view, value_view
from jingzhang.evaluation.domain.metrics import Rate, Tally
from jingzhang.evaluation.domain.period import in_bureau_time
from jingzhang.shared.errors import InvalidCommand

router = APIRouter(tags=["reports"])


@router.get("/officers/{officer_id}/scorecard", dependencies=[OWN_SCORECARD])
async def get_scorecard(
    officer_id: str, deps: HandlerDeps, period: str = PERIOD, as_of: datetime | None = AS_OF
) -> dict[str, Any]:
    card = await handlers.view_scorecard(deps, officer_id, period, in_bureau_time(as_of) if as_of else None)
    extra = {"period_label": period, "rated_appeals": card.rated_appeals, "sample": card.sample}
    return {**record_view(card), **extra}


@router.get("/officers/{officer_id}/scorecard/evidence", dependencies=[OWN_SCORECARD])
async def get_evidence(
    officer_id: str,
    deps: HandlerDeps,
    query: FactsTables,
    metric: str = Query(description="A scorecard field, e.g. response_rate or hazards_rectified"),
    period: str = PERIOD,
    as_of: datetime | None = AS_OF,
) -> dict[str, Any]:
    card = await handlers.view_scorecard(deps, officer_id, period, in_bureau_time(as_of) if as_of else None)
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
