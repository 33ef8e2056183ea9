"""总览: the figure table for a period (default: this year by the services' clock), coverage, charts, alerts."""

import json
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from jingzhang.console import data
from jingzhang.console.context import Console
from jingzhang.console.i18n import word


def router(console: Console) -> APIRouter:
    routes = APIRouter()

    @routes.get("/overview")
    async def overview(
        request: Request,
        start: Annotated[date | None, Query(alias="from")] = None,
        end: Annotated[date | None, Query(alias="to")] = None,
    ) -> Response:
        user = await console.user(request)
        api, token = console.api, user.token
        if start is None or end is None:
            start, end = data.year_of(await data.services_now(api, user))
        if end <= start:
            return console.render(request, user, "error.html", status=422, message="to: must come after from")
        span = {"from": start.isoformat(), "to": end.isoformat()}
        figures = await api.get(token, "evaluation", "/figures", **span)
        monthly = await data.bounded(
            api.get(token, "evaluation", "/figures", **{"from": a.isoformat(), "to": b.isoformat()})
            for a, b in data.months(start, end)
        )
        appeals = [a for a in await data.board(api, user, open_only=False) if _within(a, start, end)]
        alerts = {
            "coverage_gaps": await api.maybe(token, "assignment", "/coverage-gaps") or [],
            "nobody_acting": await api.maybe(token, "assignment", "/enterprises/nobody-acting") or [],
            "near_breach": await api.maybe(token, "appeals", "/appeals/near-breach") or [],
            "overdue": await api.maybe(token, "appeals", "/appeals/overdue") or [],
            "overdue_duties": await api.maybe(token, "patrols", "/duties", status="overdue") or [],
            "hazards_overdue": [h for h in await api.maybe(token, "patrols", "/hazards/open") or [] if _late(h)],
        }
        lang = request.cookies.get("lang", "zh")
        charts = _charts(figures, monthly, data.months(start, end), appeals, lang)
        rows = [(name, data.figure_value(value)) for name, value in figures.items() if name not in ("period", "as_of")]
        return console.render(
            request,
            user,
            "overview.html",
            figures=figures,
            rows=rows,
            rates=[(name, data.figure_value(figures.get(name))) for name in data.RATES],
            start=start,
            end=end,
            alerts=alerts,
            charts=json.dumps(charts, ensure_ascii=False).replace("<", "\\u003c"),
            live="appeals assignment patrols evaluation",
        )

    return routes


def _within(appeal: dict[str, Any], start: date, end: date) -> bool:
    received = str(appeal.get("received_at") or "")[:10]
    return start.isoformat() <= received < end.isoformat()


def _late(hazard: dict[str, Any]) -> bool:
    return str(hazard.get("status", "")) == "overdue"


def _charts(
    figures: dict[str, Any],
    monthly: list[dict[str, Any]],
    spans: list[tuple[date, date]],
    appeals: list[dict[str, Any]],
    lang: str,
) -> dict[str, Any]:
    """The data each chart draws: labels already in the page's language."""

    def total(table: dict[str, Any], name: str) -> int:
        value = table.get(name)
        return int(value["total"]) if isinstance(value, dict) and "total" in value else 0

    return {
        "work": {
            "labels": [word(name, lang) for name in data.WORK],
            "values": [total(figures, name) for name in data.WORK],
        },
        "monthly": {
            "labels": [a.strftime("%Y-%m") for a, _ in spans],
            "series": [
                {"name": word(name, lang), "values": [total(m, name) for m in monthly]}
                for name in ("patrol_person_times", "services_on_behalf", "disputes_mediated", "hazards_rectified")
            ],
        },
        "category": [{"name": word(k, lang), "value": v} for k, v in data.tally(appeals, "category").items()],
        "channel": [{"name": word(k, lang), "value": v} for k, v in data.tally(appeals, "channel").items()],
        "response": _response_hours(appeals),
    }


def _response_hours(appeals: list[dict[str, Any]]) -> dict[str, Any]:
    """How long finished appeals took, received to last update, in bands of hours."""
    bands = [("<24h", 24), ("1-3d", 72), ("3-7d", 168), (">7d", 10**9)]
    counts = dict.fromkeys((b for b, _ in bands), 0)
    for appeal in appeals:
        if appeal.get("is_open") or not appeal.get("received_at") or not appeal.get("updated_at"):
            continue
        hours = (_instant(appeal["updated_at"]) - _instant(appeal["received_at"])) / 3600
        counts[next(b for b, limit in bands if hours < limit)] += 1
    return {"labels": list(counts), "values": list(counts.values())}


def _instant(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
