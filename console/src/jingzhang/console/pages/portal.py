"""The phone-first portal (the "mini-program"): an enterprise contact raises and follows appeals, answers
callbacks, rates the chiefs and sees the notice card; an officer sees today's queue and duties and
records a visit in a few taps."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from jingzhang.console import data
from jingzhang.console.api import ApiError
from jingzhang.console.context import BUREAU_TZ, Console
from jingzhang.console.session import User, csrf_ok
from jingzhang.shared.auth import Role

CATEGORIES = (
    "administrative_service",
    "production_disruption",
    "dispute",
    "public_order_trouble_spot",
    "legal_four_preventions",
    "other",
)
CHANNELS = ("police_chief_service_point", "station_chief_liaison_station", "director_direct_line")
VISIT_KINDS = ("weekly_revisit", "leader_meeting", "inspection", "joint_patrol")


def router(console: Console) -> APIRouter:
    routes = APIRouter()

    @routes.get("/portal")
    async def portal(request: Request) -> Response:
        user = await console.user(request)
        message = request.query_params.get("message", "")
        if user.role is Role.ENTERPRISE_CONTACT:
            return await _enterprise_portal(console, request, user, message)
        if user.role is Role.OFFICER:
            return await _officer_portal(console, request, user, message)
        return RedirectResponse(user.home, status_code=303)

    @routes.get("/portal/appeal")
    async def appeal_form(request: Request, enterprise_id: str) -> Response:
        """Where the notice card's QR code leads: the enterprise's appeal form."""
        user = await console.user(request)
        record = await console.api.get(user.token, "assignment", f"/enterprises/{enterprise_id}")
        return console.render(
            request, user, "appeal_form.html", enterprise=record, categories=CATEGORIES, channels=CHANNELS
        )

    @routes.post("/portal/appeals")
    async def raise_appeal(request: Request) -> Response:
        user = await console.user(request)
        form = await _form(console, request, user)
        if isinstance(form, Response):
            return form
        body = {
            "appeal_id": str(uuid4()),
            "enterprise_id": form.get("enterprise_id") or user.principal.enterprise_id,
            "channel": form.get("channel", CHANNELS[0]),
            "category": form.get("category", ""),
            "description": form.get("description", ""),
            "raised_by": form.get("raised_by") or user.principal.subject,
        }
        answer = await _send(console, request, user, "appeals", "/appeals", body, "appeal_raised")
        if answer.status_code == 303:
            path = f"/appeals/{body['appeal_id']}"
            await data.readable(lambda: _found(console, user, "appeals", path, lambda found: found is not None))
        return answer

    @routes.post("/portal/callbacks/{appeal_id}")
    async def answer_callback(request: Request, appeal_id: str) -> Response:
        user = await console.user(request)
        form = await _form(console, request, user)
        if isinstance(form, Response):
            return form
        body = {
            "rating": _int(form.get("rating")),
            "resolved": form.get("resolved") == "yes",
            "comment": form.get("comment", ""),
            "recorded_by": user.principal.subject,
        }
        answer = await _send(console, request, user, "appeals", f"/appeals/{appeal_id}/callback", body, "done")
        if answer.status_code == 303:
            path = f"/appeals/{appeal_id}"
            await data.readable(
                lambda: _found(console, user, "appeals", path, lambda a: bool(a and a.get("callback_rating")))
            )
        return answer

    @routes.post("/portal/ratings")
    async def rate(request: Request) -> Response:
        user = await console.user(request)
        form = await _form(console, request, user)
        if isinstance(form, Response):
            return form
        officer, _, tier = str(form.get("chief", "")).partition("|")
        body = {
            "enterprise_id": user.principal.enterprise_id,
            "officer_id": officer,
            "tier": tier,
            "period": form.get("period", ""),
            "level": _int(form.get("level")),
            "comment": form.get("comment", ""),
        }
        return await _send(console, request, user, "evaluation", "/ratings", body, "done")

    @routes.post("/portal/visits")
    async def record_visit(request: Request) -> Response:
        user = await console.user(request)
        form = await _form(console, request, user)
        if isinstance(form, Response):
            return form
        try:
            started = datetime.fromisoformat(str(form.get("started_at", ""))).replace(tzinfo=BUREAU_TZ)
            minutes = int(str(form.get("minutes", "30")))
        except ValueError:
            return console.render(
                request, user, "error.html", status=422, message="started_at: a date and time", field="started_at"
            )
        body = {
            "visit_id": str(uuid4()),
            "enterprise_id": form.get("enterprise_id", ""),
            "kind": form.get("kind", VISIT_KINDS[0]),
            "officer_ids": [user.principal.officer_id],
            "started_at": started.isoformat(),
            "ended_at": (started + timedelta(minutes=minutes)).isoformat(),
            "location": form.get("location", ""),
            "person_times": _int(form.get("person_times")) or 1,
            "findings": form.get("findings", ""),
        }
        answer = await _send(console, request, user, "patrols", "/visits", body, "visit_recorded")
        if answer.status_code == 303:
            ledger = f"/enterprises/{body['enterprise_id']}/ledger"
            await data.readable(
                lambda: _found(console, user, "patrols", ledger, lambda lines: _has(lines, body["visit_id"]))
            )
        return answer

    return routes


async def _enterprise_portal(console: Console, request: Request, user: User, message: str) -> Response:
    enterprise_id = user.principal.enterprise_id
    api = console.api
    record = await api.get(user.token, "assignment", f"/enterprises/{enterprise_id}")
    appeals = await api.get(user.token, "appeals", f"/enterprises/{enterprise_id}/appeals")
    for appeal in appeals:
        appeal["state"] = data.state_of(appeal)
    now = await data.services_now(api, console.clock_token(user))
    return console.render(
        request,
        user,
        "portal_enterprise.html",
        enterprise=record,
        appeals=appeals,
        categories=CATEGORIES,
        channels=CHANNELS,
        chiefs=[c for c in record.get("chiefs", []) if c.get("effective_until") is None],
        period=str(now.astimezone(BUREAU_TZ).year),
        now=now.isoformat(),
        message=message,
        live="appeals",
    )


async def _officer_portal(console: Console, request: Request, user: User, message: str) -> Response:
    officer_id = user.principal.officer_id
    api = console.api
    queue = await api.get(user.token, "appeals", f"/officers/{officer_id}/queue")
    for appeal in queue:
        appeal["state"] = data.state_of(appeal)
    duties = await api.maybe(user.token, "patrols", f"/officers/{officer_id}/duties") or []
    enterprises = list({e["enterprise_id"]: e for e in await data.enterprises(api, user)}.values())
    now = (await data.services_now(api, console.clock_token(user))).astimezone(BUREAU_TZ)
    return console.render(
        request,
        user,
        "portal_officer.html",
        queue=queue,
        duties=duties,
        enterprises=enterprises,
        kinds=VISIT_KINDS,
        default_start=now.strftime("%Y-%m-%dT%H:%M"),
        now=now.isoformat(),
        message=message,
        live="appeals patrols",
    )


async def _found(console: Console, user: User, service: str, path: str, holds: Callable[[Any], bool]) -> bool:
    return holds(await console.api.maybe(user.token, service, path))


def _has(lines: Any, ref_id: str) -> bool:
    return isinstance(lines, list) and any(line.get("ref_id") == ref_id for line in lines)


async def _form(console: Console, request: Request, user: User) -> dict[str, Any] | Response:
    form = dict(await request.form())
    if not csrf_ok(request, form):
        return console.render(request, user, "error.html", status=403, message="CSRF token missing or wrong")
    return form


async def _send(
    console: Console, request: Request, user: User, service: str, path: str, body: dict[str, Any], done: str
) -> Response:
    try:
        await console.api.post(user.token, service, path, body)
    except ApiError as exc:
        if exc.status in (401, 403, 404):
            raise
        field = exc.problem.get("field")
        return console.render(request, user, "error.html", status=exc.status, message=exc.detail, field=field)
    return RedirectResponse(f"/portal?message={done}", status_code=303)


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None
