"""What every page needs: the settings, the services' APIs, live events, templates; rendering a page."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from jingzhang.console.api import Api
from jingzhang.console.i18n import LANGS, word
from jingzhang.console.live import Live
from jingzhang.console.oidc import Oidc
from jingzhang.console.session import User, csrf_token, current_user
from jingzhang.console.settings import ConsoleSettings
from jingzhang.shared.auth import LocalSigningKey, Principal, Role, TokenVerifier

BUREAU_TZ = ZoneInfo("Asia/Shanghai")
HERE = Path(__file__).parent
CLOCK_TOKEN_TTL = timedelta(minutes=10)


@dataclass
class Console:
    settings: ConsoleSettings
    api: Api
    live: Live
    verifier: TokenVerifier
    templates: Jinja2Templates
    oidc: Oidc | None
    dev_key: LocalSigningKey | None
    _clock_token: tuple[str, datetime] | None = None

    def clock_token(self, user: User) -> str:
        """Whose token reads the services' clock: the bureau's own; on the local stack (the demo's
        controlled clock) a short-lived bureau token from the local key, for that read only."""
        if user.role is Role.BUREAU or self.dev_key is None:
            return user.token
        now = datetime.now(UTC)
        if self._clock_token is None or self._clock_token[1] < now:
            principal = Principal("console-clock", Role.BUREAU)
            self._clock_token = (self.dev_key.issue(principal, now, CLOCK_TOKEN_TTL), now + CLOCK_TOKEN_TTL / 2)
        return self._clock_token[0]

    async def user(self, request: Request) -> User:
        return await current_user(request, self.verifier)

    def render(
        self, request: Request, user: User | None, template: str, status: int = 200, **context: Any
    ) -> HTMLResponse:
        lang = language(request)
        return self.templates.TemplateResponse(
            request,
            template,
            {
                "user": user,
                "lang": lang,
                "t": lambda key: word(key, lang),
                "csrf": csrf_token(request) if user else "",
                "nav": navigation(user),
                "path": request.url.path,
                **context,
            },
            status_code=status,
        )


def language(request: Request) -> str:
    lang = request.cookies.get("lang", "zh")
    return lang if lang in LANGS else "zh"


def navigation(user: User | None) -> list[tuple[str, str]]:
    if user is None:
        return []
    if user.role is Role.ENTERPRISE_CONTACT:
        return [("/portal", "portal")]
    items = [("/overview", "overview"), ("/enterprises", "enterprises"), ("/appeals", "appeals")]
    items += [("/officers", "officers"), ("/rankings", "ranking")]
    if user.role is Role.OFFICER:
        items.insert(0, ("/portal", "portal"))
    return items


def bureau_time(value: object, with_time: bool = True) -> str:
    """An instant as people here read it: Asia/Shanghai, minutes."""
    if value is None or value == "":
        return ""
    at = value if isinstance(value, datetime) else _parse(str(value))
    if at is None:
        return str(value)
    if at.tzinfo is None:
        return at.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")
    return at.astimezone(BUREAU_TZ).strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


def _parse(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def templates() -> Jinja2Templates:
    found = Jinja2Templates(directory=str(HERE / "templates"))
    found.env.filters["bj"] = bureau_time
    found.env.filters["bjdate"] = lambda value: bureau_time(value, with_time=False)
    return found
