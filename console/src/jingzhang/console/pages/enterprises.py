"""企业: the list by class and station with each tier's A/B and the office; 一企一档 as a timeline;
the printable notice card (公示牌) with a QR code to the enterprise's appeal form."""

import asyncio
from typing import Any

import segno
from fastapi import APIRouter, Request
from fastapi.responses import Response

from jingzhang.console import data
from jingzhang.console.context import Console


def router(console: Console) -> APIRouter:
    routes = APIRouter()

    @routes.get("/enterprises")
    async def enterprises(request: Request, station: str | None = None, cls: str | None = None) -> Response:
        user = await console.user(request)
        listed = await data.enterprises(console.api, user, station or None)
        officers = await data.roster(console.api, user)
        posts = data.posts_by_enterprise(officers) if officers is not None else {}
        if officers is None:  # no roster here: each enterprise's own record names its chiefs
            files = await data.bounded(
                console.api.get(user.token, "assignment", f"/enterprises/{e['enterprise_id']}") for e in listed
            )
            posts = {f["enterprise_id"]: _tiers(f.get("chiefs", [])) for f in files}
        rows = [dict(e, posts=posts.get(e["enterprise_id"], {})) for e in listed]
        if cls:
            rows = [r for r in rows if r.get("enterprise_class") == cls]
        rows.sort(
            key=lambda r: (r.get("enterprise_class", ""), r["posts"].get("_station", {}).get("name", ""), r["name"])
        )
        stations = sorted({r["posts"].get("_station", {}).get("name", "") for r in rows} - {""})
        return console.render(
            request, user, "enterprises.html", rows=rows, tiers=data.TIERS, stations=stations, station=station, cls=cls
        )

    @routes.get("/enterprises/{enterprise_id}")
    async def enterprise_file(request: Request, enterprise_id: str) -> Response:
        user = await console.user(request)
        api = console.api
        record, appeals, ledger, names = await asyncio.gather(
            api.get(user.token, "assignment", f"/enterprises/{enterprise_id}"),
            api.get(user.token, "appeals", f"/enterprises/{enterprise_id}/appeals"),
            api.maybe(user.token, "patrols", f"/enterprises/{enterprise_id}/ledger"),
            data.officer_names(api, user),
        )
        ledger = ledger or []
        return console.render(
            request,
            user,
            "enterprise.html",
            enterprise=record,
            names=names,
            timeline=_timeline(record, appeals, ledger),
            appeals=appeals,
            live="appeals patrols assignment",
        )

    @routes.get("/enterprises/{enterprise_id}/notice-card")
    async def notice_card(request: Request, enterprise_id: str) -> Response:
        user = await console.user(request)
        card = await console.api.get(user.token, "assignment", f"/enterprises/{enterprise_id}/notice-card")
        link = f"{console.settings.base_url()}/portal/appeal?enterprise_id={enterprise_id}"
        qr = segno.make(link, error="m").svg_inline(scale=4, title=link)
        return console.render(request, user, "notice_card.html", card=card, qr=qr, link=link)

    return routes


def _tiers(chiefs: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    held: dict[str, dict[str, str]] = {}
    for chief in chiefs:
        if chief.get("effective_until") is None:
            held.setdefault(chief["tier"], {})[chief["slot"]] = chief["officer_id"]
    return held


def _timeline(
    record: dict[str, Any], appeals: list[dict[str, Any]], ledger: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The enterprise's life in one list, newest first: registration, chiefs, the office, appeals, work."""
    events: list[dict[str, Any]] = [
        {"at": record.get("registered_on"), "kind": "registered", "text": record.get("name", "")}
    ]
    for chief in record.get("history", []) or record.get("chiefs", []):
        events.append(
            {
                "at": chief.get("effective_from"),
                "kind": chief.get("tier"),
                "text": f"{chief.get('slot')}: {chief.get('officer_id')}",
            }
        )
    office = record.get("office")
    if office:
        events.append(
            {"at": office.get("opened_on"), "kind": "office", "text": office.get("location") or office.get("office_id")}
        )
    for appeal in appeals:
        events.append(
            {
                "at": appeal.get("received_at"),
                "kind": appeal.get("category"),
                "text": appeal.get("description"),
                "href": f"/appeals/{appeal['appeal_id']}",
                "status": appeal.get("status"),
            }
        )
    for line in ledger:
        events.append({"at": line.get("occurred_on"), "kind": line.get("kind"), "text": line.get("summary")})
    return sorted(events, key=lambda e: str(e.get("at") or ""), reverse=True)
