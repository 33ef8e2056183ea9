"""诉求: the live board with a countdown per appeal, filters, the detail with its history, and an
officer's actions (acknowledge, resolve, refer, record a callback) as forms sent to the appeals API."""

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from jingzhang.console import data
from jingzhang.console.api import ApiError
from jingzhang.console.context import Console
from jingzhang.console.session import User, csrf_ok

FILTERS = ("station", "officer", "category", "channel", "state")
ACTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    # action: (appeals API path, the form fields it sends)
    "acknowledge": ("acknowledge", ("note",)),
    "resolve": ("resolve", ("what_was_done",)),
    "refer": ("refer", ("department_id", "note")),
    "callback": ("callback", ("rating", "resolved", "comment", "recorded_by")),
}


def router(console: Console) -> APIRouter:
    routes = APIRouter()

    @routes.get("/appeals")
    async def appeals_board(request: Request) -> Response:
        user = await console.user(request)
        chosen = {name: request.query_params.get(name, "") for name in FILTERS}
        rows, names = await asyncio.gather(
            data.board(console.api, user, chosen["station"] or None), data.officer_names(console.api, user)
        )
        for row in rows:
            row["state"] = data.state_of(row)
            row["officer_name"] = names.get(row.get("officer_id") or "", {}).get("name")
        shown = [r for r in rows if _matches(r, chosen)]
        now = await data.services_now(console.api, console.clock_token(user))
        return console.render(
            request,
            user,
            "appeals.html",
            rows=shown,
            chosen=chosen,
            options={
                key: sorted({str(r.get(key) or "") for r in rows} - {""})
                for key in ("officer_id", "category", "channel")
            },
            names=names,
            now=now.isoformat(),
            live="appeals",
        )

    @routes.get("/appeals/{appeal_id}")
    async def appeal_detail(request: Request, appeal_id: str) -> Response:
        user = await console.user(request)
        appeal = await console.api.get(user.token, "appeals", f"/appeals/{appeal_id}")
        departments = await console.api.maybe(user.token, "appeals", "/departments") or []
        appeal["state"] = data.state_of(appeal)
        now = await data.services_now(console.api, console.clock_token(user))
        return console.render(
            request,
            user,
            "appeal.html",
            appeal=appeal,
            departments=departments,
            now=now.isoformat(),
            message=request.query_params.get("message", ""),
            live="appeals",
        )

    @routes.post("/appeals/{appeal_id}/{action}")
    async def act(request: Request, appeal_id: str, action: str) -> Response:
        user = await console.user(request)
        form = dict(await request.form())
        if not csrf_ok(request, form):
            return console.render(request, user, "error.html", status=403, message="CSRF token missing or wrong")
        if action not in ACTIONS:
            return console.render(request, user, "error.html", status=404, message=f"no action {action}")
        path, fields = ACTIONS[action]
        body: dict[str, Any] = {name: form.get(name, "") for name in fields}
        if action == "callback":
            body.update(rating=_int(form.get("rating")), resolved=form.get("resolved") == "yes")
            body["recorded_by"] = body["recorded_by"] or user.principal.subject
        try:
            answer = await console.api.post(user.token, "appeals", f"/appeals/{appeal_id}/{path}", body)
        except ApiError as exc:
            if exc.status in (403, 404):
                raise
            return console.render(
                request, user, "error.html", status=exc.status, message=exc.detail, field=exc.problem.get("field")
            )
        await data.readable(lambda: _caught_up(console, user, appeal_id, int(answer.get("version", 0))))
        return RedirectResponse(f"/appeals/{appeal_id}", status_code=303)

    return routes


async def _caught_up(console: Console, user: User, appeal_id: str, version: int) -> bool:
    found = await console.api.maybe(user.token, "appeals", f"/appeals/{appeal_id}")
    return isinstance(found, dict) and int(found.get("version", 0)) >= version


def _matches(row: dict[str, Any], chosen: dict[str, str]) -> bool:
    checks = {"officer": "officer_id", "category": "category", "channel": "channel", "state": "state"}
    return all(not chosen[f] or str(row.get(key)) == chosen[f] for f, key in checks.items())


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None
