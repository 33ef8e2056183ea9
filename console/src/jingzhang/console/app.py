"""The console's composition root: settings, the services' APIs, live events, sign-in, the pages."""

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sse_starlette.sse import EventSourceResponse
from starlette.middleware.sessions import SessionMiddleware

from jingzhang.console.api import Api, ApiError
from jingzhang.console.context import HERE, Console, templates
from jingzhang.console.live import Live, stream
from jingzhang.console.oidc import Oidc
from jingzhang.console.pages import appeals, enterprises, officers, overview, portal, signin
from jingzhang.console.settings import ConsoleSettings
from jingzhang.shared.auth import LocalSigningKey, TokenVerifier
from jingzhang.shared.auth.tokens import load_public_keys

SECURITY_HEADERS = {
    # everything the pages use is served from here: no CDN, no inline script
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline';"
    " script-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def create_app(settings: ConsoleSettings | None = None) -> FastAPI:
    config = settings or ConsoleSettings()
    console = _console(config)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await console.live.start()
        try:
            yield
        finally:
            await console.live.stop()
            await console.api.close()

    app = FastAPI(title="jingzhang console", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    secret = config.session_secret.get_secret_value() if config.session_secret else secrets.token_urlsafe(32)
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie="jz_console",
        max_age=8 * 3600,
        same_site="lax",  # the OIDC provider's redirect back is a top-level GET from another site
        https_only=config.cookie_secure,
    )
    app.middleware("http")(_security_headers)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for page in (signin, overview, enterprises, appeals, officers, portal):
        app.include_router(page.router(console))
    _handlers(app, console)
    _plain_routes(app, console)
    return app


def _console(config: ConsoleSettings) -> Console:
    dev_key = LocalSigningKey.load(config.dev_signing_key_file) if config.dev_signing_key_file else None
    keys = list(load_public_keys(config.auth_public_key_file.read_bytes())) if config.auth_public_key_file else []
    if dev_key is not None:
        keys.append(dev_key.private.public_key())
    verifier = TokenVerifier(
        public_keys=keys,
        jwks_url=config.auth_jwks_url,
        issuer=config.auth_issuer,
        audience=config.auth_audience,
        role_claim=config.auth_role_claim,
    )
    oidc = None
    if config.oidc_discovery_url and config.oidc_client_id:
        oidc = Oidc(
            discovery_url=config.oidc_discovery_url,
            client_id=config.oidc_client_id,
            client_secret=config.oidc_client_secret.get_secret_value() if config.oidc_client_secret else None,
            redirect_uri=f"{config.base_url()}/auth/callback",
            scope=config.oidc_scope,
        )
    return Console(
        settings=config,
        api=Api(config.service_urls(), config.request_timeout),
        live=Live(config.nats_url),
        verifier=verifier,
        templates=templates(),
        oidc=oidc,
        dev_key=dev_key,
    )


async def _security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    answer = await call_next(request)
    for name, value in SECURITY_HEADERS.items():
        answer.headers.setdefault(name, value)
    return answer


def _handlers(app: FastAPI, console: Console) -> None:
    from jingzhang.console.session import NotSignedIn

    async def not_signed_in(request: Request, _: Exception) -> Response:
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)

    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        if exc.status == 401:
            request.session.clear()
            return await not_signed_in(request, exc)
        try:
            user = await console.user(request)
        except NotSignedIn:
            user = None
        template = "forbidden.html" if exc.status == 403 else "error.html"
        return console.render(request, user, template, status=exc.status, message=exc.detail)

    app.add_exception_handler(NotSignedIn, not_signed_in)
    app.add_exception_handler(ApiError, api_error)


def _plain_routes(app: FastAPI, console: Console) -> None:
    @app.get("/")
    async def home(request: Request) -> Response:
        user = await console.user(request)
        return RedirectResponse(user.home, status_code=303)

    @app.get("/events")
    async def events(request: Request) -> Response:
        await console.user(request)
        return EventSourceResponse(stream(console.live))

    @app.get("/health/live")
    async def live() -> JSONResponse:
        return JSONResponse({"status": "ok"})
