"""The report's figure table for any period, as of any past instant, in JSON or CSV: for the police
and auditors, never for enterprise contacts."""

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from jingzhang.evaluation import handlers
from jingzhang.evaluation.api.authz import police_and_auditors
from jingzhang.evaluation.api.bodies import AS_OF, FROM, TO
from jingzhang.evaluation.api.deps import HandlerDeps
from jingzhang.evaluation.api.views import record_view
from jingzhang.evaluation.domain.figures import FigureTable, figure_table_csv
from jingzhang.evaluation.domain.period import in_bureau_time

router = APIRouter(tags=["reports"])


class CsvResponse(PlainTextResponse):
    media_type = "text/csv"  # documented as such in the OpenAPI document, and sent with charset=utf-8


async def _figures(deps: HandlerDeps, start: datetime, end: datetime, as_of: datetime | None) -> FigureTable:
    instant = in_bureau_time(as_of) if as_of else None
    return await handlers.view_figures(deps, in_bureau_time(start), in_bureau_time(end), instant)


@router.get("/figures", dependencies=[police_and_auditors("the figure table")])
async def get_figures(
    deps: HandlerDeps, start: datetime = FROM, end: datetime = TO, as_of: datetime | None = AS_OF
) -> dict[str, Any]:
    return record_view(await _figures(deps, start, end, as_of))


@router.get("/figures.csv", response_class=CsvResponse, dependencies=[police_and_auditors("the figure table")])
async def get_figures_csv(
    deps: HandlerDeps, start: datetime = FROM, end: datetime = TO, as_of: datetime | None = AS_OF
) -> CsvResponse:
    return CsvResponse(figure_table_csv(await _figures(deps, start, end, as_of)))
