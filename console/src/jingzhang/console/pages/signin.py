"""Signing in and out: the bureau's OIDC provider in production, `/dev-login` on the local stack only."""

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from jingzhang.console.context import Console
from jingzhang.console.oidc import OidcError
from jingzhang.console.session import NotSignedIn, csrf_ok, sign_in
from jingzhang.shared.auth import Principal, Role
from jingzhang.shared.auth.principal import PrincipalError
from jingzhang.shared.problems import ProblemResponse, problem

DEV_TOKEN_TTL = timedelta(hours=8)
Id = Annotated[str | None, Query(pattern=r"^[^\x00]{1,200}$")]


def router(console: Console) -> APIRouter:
    routes = APIRouter()

    @routes.get("/login")
    async def login(request: Request, next: str = "") -> Response:
        if next.startswith("/") and not next.startswith("//"):
            request.session["next"] = next
        roles = [r.value for r in Role] if console.dev_key else []
        return console.render(request, None, "login.html", oidc=console.oidc is not None, dev_roles=roles)

    @routes.get("/login/oidc")
    async def login_oidc(request: Request) -> Response:
        if console.oidc is None:
            return console.render(request, None, "error.html", status=404, message="OIDC is not configured")
        url, pending = await console.oidc.begin()
        request.session["oidc"] = pending
        return RedirectResponse(url, status_code=303)

    @routes.get("/auth/callback")
    async def callback(request: Request, state: str | None = None, code: str | None = None) -> Response:
        pending = request.session.pop("oidc", None)
        if console.oidc is None or not isinstance(pending, dict):
            return console.render(request, None, "error.html", status=400, message="no sign-in in progress")
        try:
            token = await console.oidc.finish(pending, state, code)
            user = await _verified(console, request, token)
        except (OidcError, NotSignedIn) as exc:
            return console.render(request, None, "error.html", status=401, message=str(exc) or "token refused")
        return RedirectResponse(user, status_code=303)

    @routes.post("/logout")
    async def logout(request: Request) -> Response:
        form = dict(await request.form())
        if not csrf_ok(request, form):
            return console.render(request, None, "error.html", status=403, message="CSRF token missing or wrong")
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    @routes.get("/lang/{lang}")
    async def set_language(lang: str, next: str = "/") -> Response:
        target = next if next.startswith("/") and not next.startswith("//") else "/"
        answer = RedirectResponse(target, status_code=303)
        answer.set_cookie("lang", "en" if lang == "en" else "zh", max_age=365 * 86400, samesite="lax", httponly=True)
        return answer

    if console.dev_key is not None:
        key = console.dev_key

        @routes.get("/dev-login", include_in_schema=False)
        async def dev_login(
            request: Request,
            role: str,
            officer_id: Id = None,
            enterprise_id: Id = None,
            station: Id = None,
        ) -> Response:
            """Local stack only: sign in as anyone with the local signing key (404 when none is configured)."""
            try:
                parsed = Role(role)
            except ValueError:
                return _invalid(request, "role", f"one of {', '.join(r.value for r in Role)}")
            subject = officer_id or (f"contact@{enterprise_id}" if enterprise_id else f"{parsed.value}-local")
            try:
                principal = Principal(subject, parsed, enterprise_id, officer_id, station)
            except PrincipalError as exc:
                return _invalid(request, str(exc).split(":", 1)[0], str(exc))
            token = key.issue(principal, datetime.now(UTC), DEV_TOKEN_TTL)
            return RedirectResponse(await _verified(console, request, token), status_code=303)

    return routes


async def _verified(console: Console, request: Request, token: str) -> str:
    """Signs the session in with `token` once it verifies as the services will; where to go next."""
    after = request.session.get("next")
    sign_in(request, token)
    user = await console.user(request)
    return after if isinstance(after, str) else user.home


def _invalid(request: Request, field: str, detail: str) -> ProblemResponse:
    return problem(422, f"{field}: {detail}", "invalid", field, scope=request.scope)
