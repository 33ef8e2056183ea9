"""总览: the figure table for a period (default: this year by the services' clock), coverage, charts, alerts."""

import asyncio
import json
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from jingzhang.console import data
from jingzhang.console.context import Console
from jingzhang.console.i18n import word

ALERTS: dict[str, tuple[str, str, dict[str, str]]] = {
    # alert: the service and path that lists it (each as the user may see it)
    "coverage_gaps": ("assignment", "/coverage-gaps", {}),
    "nobody_acting": ("assignment", "/enterprises/nobody-acting", {}),
    "near_breach": ("appeals", "/appeals/near-breach", {}),
    "overdue": ("appeals", "/appeals/overdue", {}),
    "overdue_duties": ("patrols", "/duties", {"status": "overdue"}),
    "overdue_hazards": ("patrols", "/hazards/open", {}),
}


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
            start, end = data.year_of(await data.services_now(api, console.clock_token(user)))
        if end <= start:
            return console.render(request, user, "error.html", status=422, message="to: must come after from")
        span = {"from": start.isoformat(), "to": end.isoformat()}
        figures = await api.get(token, "evaluation", "/figures", **span)
        monthly = await data.bounded(
            (
                api.maybe(token, "patrols", "/activity-counts", **{"from": a.isoformat(), "to": _last_day(b)})
                for a, b in data.months(start, end)
            ),
            limit=4,
        )
        appeals = [a for a in await data.board(api, user, open_only=False) if _within(a, start, end)]
        station = data.own_station(user)
        scoped = {"station": station} if station else {}
        found = await asyncio.gather(
            *(api.maybe(token, service, path, **params, **scoped) for service, path, params in ALERTS.values())
        )
        alerts: dict[str, list[Any] | None] = dict(zip(ALERTS, found, strict=True))
        if alerts["overdue_hazards"] is not None:
            alerts["overdue_hazards"] = [h for h in alerts["overdue_hazards"] if _late(h)]
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


def _last_day(end: date) -> str:
    """`/activity-counts` takes an inclusive end."""
    return (end - timedelta(days=1)).isoformat()


def _within(appeal: dict[str, Any], start: date, end: date) -> bool:
    received = str(appeal.get("received_at") or "")[:10]
    return start.isoformat() <= received < end.isoformat()


def _late(hazard: dict[str, Any]) -> bool:
    return str(hazard.get("status", "")) == "overdue"


def _charts(
    figures: dict[str, Any],
    monthly: list[dict[str, Any] | None],
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
                {"name": word(name, lang), "values": [(m or {}).get(name, 0) for m in monthly]} for name in data.MONTHLY
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
