"""警长: the roster, an officer's scorecard (一警一评一考) with the evidence behind each rate, and the
yearly ranking with its models and laggards and why."""

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from jingzhang.console import data
from jingzhang.console.context import Console


def router(console: Console) -> APIRouter:
    routes = APIRouter()

    @routes.get("/officers")
    async def officers(request: Request) -> Response:
        user = await console.user(request)
        roster = await data.roster(console.api, user)
        rows = [{**o, "groups": data.post_groups(o.get("posts", []))} for o in roster or []]
        return console.render(request, user, "officers.html", roster=rows, offered=roster is not None)

    @routes.get("/officers/{officer_id}")
    async def scorecard(request: Request, officer_id: str, period: str | None = None) -> Response:
        user = await console.user(request)
        now = await data.services_now(console.api, console.clock_token(user))
        period = period or str(now.year)
        person = await console.api.get(user.token, "assignment", f"/officers/{officer_id}")
        card = await console.api.get(user.token, "evaluation", f"/officers/{officer_id}/scorecard", period=period)
        metric = request.query_params.get("metric")
        evidence = None
        if metric:
            evidence = await console.api.get(
                user.token, "evaluation", f"/officers/{officer_id}/scorecard/evidence", metric=metric, period=period
            )
        return console.render(
            request,
            user,
            "officer.html",
            person=person,
            period=period,
            card=[
                (k, data.figure_value(v), _measured(v)) for k, v in card.items() if k not in ("officer_id", "period")
            ],
            evidence=evidence,
            metric=metric,
        )

    @routes.get("/rankings")
    async def rankings_now(request: Request) -> Response:
        user = await console.user(request)
        now = await data.services_now(console.api, console.clock_token(user))
        return RedirectResponse(f"/rankings/{now.year - 1}", status_code=303)

    @routes.get("/rankings/{year}")
    async def ranking(request: Request, year: int) -> Response:
        user = await console.user(request)
        found, names = await asyncio.gather(
            console.api.get(user.token, "evaluation", f"/rankings/{year}"), data.officer_names(console.api, user)
        )
        return console.render(request, user, "ranking.html", ranking=found, year=year, names=names)

    @routes.get("/rankings/{year}/officers/{officer_id}")
    async def why(request: Request, year: int, officer_id: str) -> Response:
        user = await console.user(request)
        found, names = await asyncio.gather(
            console.api.get(user.token, "evaluation", f"/rankings/{year}/officers/{officer_id}"),
            data.officer_names(console.api, user),
        )
        return console.render(request, user, "ranking_why.html", why=found, year=year, names=names)

    return routes


def _measured(value: Any) -> bool:
    """A scorecard field that has evidence behind it (a count or a rate)."""
    return isinstance(value, dict) and ("total" in value or "denominator" in value)
