"""Reads composed from several endpoints, always with the user's token (so as the user may see them)."""

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from jingzhang.console.api import Api, ApiError
from jingzhang.console.session import User
from jingzhang.shared.auth import Role

T = TypeVar("T")
BUREAU_TZ = ZoneInfo("Asia/Shanghai")
POLL = 0.05
READ_PATIENCE = 5.0
"""Seconds a form waits for the service's read model to show what it just accepted."""
FAN_OUT = 8
"""Requests in flight at once when a page reads one thing per enterprise."""
WORK = (
    "services_on_behalf",
    "hazards_rectified",
    "disputes_mediated",
    "obstruction_cases",
    "legal_trainings",
    "forums_held",
)
MONTHLY = ("weekly_revisits", "joint_patrols", "person_times", "disputes_mediated", "hazards_rectified")
"""What the work-per-month chart draws, from patrols' daily counts."""
RATES = ("enterprises_with_min_chiefs", "key_enterprises_with_office", "visit_compliance")


async def bounded(calls: Iterable[Awaitable[T]], limit: int = FAN_OUT) -> list[T]:
    gate = asyncio.Semaphore(limit)

    async def one(call: Awaitable[T]) -> T:
        async with gate:
            return await call

    return list(await asyncio.gather(*(one(c) for c in calls)))


async def readable(check: Callable[[], Awaitable[bool]], patience: float = READ_PATIENCE) -> None:
    """Waits (a little) until what the user just sent can be read back, so the page they land on shows it:
    a service answers a command once it is recorded, its read models follow a moment later."""
    deadline = time.monotonic() + patience
    for _ in range(int(patience / POLL)):
        if await check() or time.monotonic() > deadline:
            return
        await asyncio.sleep(POLL)


async def services_now(api: Api, token: str) -> datetime:
    """The services' clock where it can be read (a controlled one on the demo stack: `GET /clock`, for
    the bureau), else ours: in production the services run on real time and have no such route."""
    reading = await api.maybe(token, "appeals", "/clock")
    if isinstance(reading, dict) and reading.get("now"):
        return datetime.fromisoformat(str(reading["now"]).replace("Z", "+00:00"))
    return datetime.now(UTC)


async def enterprises(api: Api, user: User, station: str | None = None) -> list[dict[str, Any]]:
    if user.role is Role.ENTERPRISE_CONTACT:
        own = await api.get(user.token, "assignment", f"/enterprises/{user.principal.enterprise_id}")
        return [own]
    if user.role is Role.OFFICER:
        return list(await api.get(user.token, "assignment", f"/officers/{user.principal.officer_id}/enterprises"))
    return list(await api.get(user.token, "assignment", "/enterprises", station=station or own_station(user)))


async def roster(api: Api, user: User) -> list[dict[str, Any]] | None:
    """Every officer the user may see, with their posts (GET /officers, paged); None where not offered."""
    found: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        try:
            page = await api.get(
                user.token, "assignment", "/officers", after=after, limit=500, station=own_station(user)
            )
        except ApiError as exc:
            if exc.status in (403, 404, 405):
                return None
            raise
        found += page.get("officers", [])
        after = page.get("next")
        if not after:
            return found


async def officer_names(api: Api, user: User) -> dict[str, dict[str, str]]:
    """officer → their name and unit, from the roster the user may see (empty where it is not offered):
    pages that list officers by id (the ranking) show whom each id is."""
    return {
        o["officer_id"]: {"name": o.get("name") or o["officer_id"], "unit_name": o.get("unit_name") or ""}
        for o in await roster(api, user) or []
    }


TIERS: tuple[str, ...] = ("bureau_leader", "station_chief", "police_chief")
"""The three chiefs' tiers, in the order the scheme names them (局领导, 所队长, 辖区警长)."""


def post_groups(posts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An officer's posts as the roster summarises them: per tier (in the scheme's order, then any tier
    the services add later), how many enterprises in each slot (A, B) and the posts themselves by name."""
    tiers = sorted({p["tier"] for p in posts}, key=lambda t: (TIERS.index(t) if t in TIERS else len(TIERS), t))
    groups = []
    for tier in tiers:
        held = sorted((p for p in posts if p["tier"] == tier), key=_slot_then_name)
        groups.append({"tier": tier, "slots": dict(sorted(Counter(p["slot"] for p in held).items())), "posts": held})
    return groups


def _slot_then_name(post: dict[str, Any]) -> tuple[str, str]:
    return str(post["slot"]), str(post.get("enterprise_name") or "")


def own_station(user: User) -> str | None:
    """A station chief's lists are their station's: the services ask them to say so (`?station=`)."""
    return user.principal.station if user.role is Role.STATION_CHIEF else None


def posts_by_enterprise(officers: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, str]]]:
    """enterprise → tier → slot → officer (with unit), from the roster's posts."""
    held: dict[str, dict[str, dict[str, str]]] = {}
    for officer in officers:
        for post in officer.get("posts", []):
            label = officer.get("name") or officer["officer_id"]
            tiers = held.setdefault(post["enterprise_id"], {})
            tiers.setdefault(post["tier"], {})[post["slot"]] = label
            if post["tier"] == "station_chief" and officer.get("unit_name"):
                tiers.setdefault("_station", {})["name"] = officer["unit_name"]
    return held


async def board(api: Api, user: User, station: str | None = None, open_only: bool = True) -> list[dict[str, Any]]:
    """The appeals the user may see: an officer's queue, a contact's own, everyone's for the bureau."""
    if user.role is Role.OFFICER:
        return list(await api.get(user.token, "appeals", f"/officers/{user.principal.officer_id}/queue"))
    listed = await enterprises(api, user, station)
    names = {e["enterprise_id"]: e.get("name", e["enterprise_id"]) for e in listed}
    params = {"open": "true"} if open_only else {}
    lists = await bounded(api.get(user.token, "appeals", f"/enterprises/{ident}/appeals", **params) for ident in names)
    rows = [dict(a, enterprise_name=names[a["enterprise_id"]]) for found in lists for a in found]
    return sorted(rows, key=lambda a: (a.get("due_at") or "9999", a["appeal_id"]))


def state_of(appeal: dict[str, Any]) -> str:
    """`breach` once a time limit passed: the appeals service then escalates it to the next tier with a
    grace window (which clears its own `breached`), so an escalated appeal stays marked; else `warning`."""
    if appeal.get("breached") or int(appeal.get("escalations") or 0) > 0:
        return "breach"
    if appeal.get("warned"):
        return "warning"
    return "ok"


def tally(rows: Iterable[dict[str, Any]], key: str) -> dict[str, int]:
    return dict(Counter(str(r.get(key)) for r in rows).most_common())


def year_of(now: datetime) -> tuple[date, date]:
    year = now.astimezone(BUREAU_TZ).year if now.tzinfo else now.year
    return date(year, 1, 1), date(year + 1, 1, 1)


def months(start: date, end: date) -> list[tuple[date, date]]:
    spans: list[tuple[date, date]] = []
    cursor = date(start.year, start.month, 1)
    while cursor < end and len(spans) < 24:
        following = date(cursor.year + cursor.month // 12, cursor.month % 12 + 1, 1)
        spans.append((max(cursor, start), min(following, end)))
        cursor = following
    return spans


def figure_value(value: Any) -> str:
    """A figure as the table shows it: a total, a rate with its parts, or the value itself."""
    if isinstance(value, dict) and "total" in value:
        return f"{value['total']:,}"
    if isinstance(value, dict) and "denominator" in value:
        percent = value.get("percent")
        shown = "—" if percent is None else f"{percent}%"
        return f"{shown} ({value.get('numerator')}/{value.get('denominator')})"
    return "—" if value is None else str(value)
