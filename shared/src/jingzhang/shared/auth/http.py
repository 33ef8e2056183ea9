"""Authentication and authorization at the HTTP edge: every route but health and metrics needs a token.

`build_app` mounts each service's routers behind `service.edge`, which authenticates the request
(`authenticated`, with the token `bearer_token` reads); routes then declare what they need:
`CommandMeta` (an authenticated, writing principal; auditors are refused) and the service's own scope
checks through `policy`. A refusal is 403 with the reason; a missing or bad token is 401. Both are
problems (RFC 9457) with an RFC 6750 challenge: no error code when the request had no bearer token at
all (§3.1: the client may not know it needs one), `invalid_token` for a token that does not verify,
`insufficient_scope` for a 403.
"""

import uuid
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, TypeVar

import structlog
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBearer

from jingzhang.shared.auth import policy
from jingzhang.shared.auth.links import PostgresAccess
from jingzhang.shared.auth.policy import AccessFacts, Action, EnterpriseLinks, Forbidden, ensure, everything, roles
from jingzhang.shared.auth.principal import Principal, Role
from jingzhang.shared.auth.tokens import InvalidToken, MissingToken, TokenVerifier
from jingzhang.shared.envelope import Metadata
from jingzhang.shared.errors import InvalidCommand
from jingzhang.shared.problems import problem

REALM = "jingzhang"
F = TypeVar("F", bound=Callable[..., Any])

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="A JWT access token from the bureau's OIDC provider (or `jingzhang token issue` locally).",
)


async def authenticate(request: Request) -> Principal:
    """`authenticated` as a router's dependency, for an app not built by `build_app` (whose routers sit
    behind `service.edge`, which authenticates the same way); `bearer` only documents the scheme."""
    return await authenticated(request, bearer_token(request))


def bearer_token(request: Request) -> str | None:
    """The request's bearer token, read as `bearer` (FastAPI's `HTTPBearer`) reads it, without the model
    it builds each time: none without an `Authorization` header naming the scheme and a token."""
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    token = token.strip()
    return token if token and scheme.lower() == "bearer" else None


async def authenticated(request: Request, token: str | None) -> Principal:
    """The principal `token` (`bearer_token`) names, verified, kept on the request for the layers after."""
    if token is None:
        raise MissingToken("missing bearer token: send 'Authorization: Bearer <token>'")
    verifier: TokenVerifier = request.app.state.verifier
    principal = await verifier.verify(token)
    request.state.principal = principal
    structlog.contextvars.bind_contextvars(actor=principal.actor)
    return principal


async def current_principal(request: Request) -> Principal:
    """The principal `authenticated` verified for this request at the router's edge, read back.

    A dependency without dependencies of its own: FastAPI walks every nested dependency of a route on
    every request, cached or not, so `Depends(authenticate)` in a route (and again in each dependency
    that needs the caller) cost a walk of the bearer scheme each time. A route mounted without the
    guard (`build_app` always adds it) is authenticated here instead, so none goes unauthenticated."""
    principal = getattr(request.state, "principal", None)
    if isinstance(principal, Principal):
        return principal
    return await authenticated(request, bearer_token(request))


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


CORRELATION_HEADER = "x-correlation-id"
CORRELATION_PARAMETER: dict[str, Any] = {
    "name": CORRELATION_HEADER,
    "in": "header",
    "required": False,
    "schema": {"anyOf": [{"type": "string", "format": "uuid"}, {"type": "null"}], "title": "X-Correlation-Id"},
}
"""`X-Correlation-Id` in the OpenAPI document of every route that reads it (`reads_correlation`): read
from the request's headers rather than declared as a parameter, which FastAPI would look up and
validate again on every request (2-3 % of a command's CPU), documented as a declaration would be."""

CORRELATION_READERS: set[Callable[..., Any]] = set()
"""The route dependencies that read `X-Correlation-Id` (the edge documents it on their routes)."""


def reads_correlation(dependency: F) -> F:
    """Marks a route dependency that reads `X-Correlation-Id` (`correlation_of`), for the document."""
    CORRELATION_READERS.add(dependency)
    return dependency


def correlation_of(request: Request) -> uuid.UUID | None:
    """The request's `X-Correlation-Id`, if it sent one; a value that is no UUID is a 422 naming the header."""
    raw = request.headers.get(CORRELATION_HEADER)
    if raw is None:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise InvalidCommand("Input should be a valid UUID", field=CORRELATION_HEADER) from None


def metadata_for(principal: Principal, correlation_id: uuid.UUID | None) -> Metadata:
    """The metadata of a command's events: the authenticated actor; auditors never write."""
    if principal.read_only:
        raise Forbidden("auditors have read-only access")
    return Metadata(actor=principal.actor, correlation_id=correlation_id or uuid.uuid4())


@reads_correlation
async def command_metadata(request: Request) -> Metadata:
    """`metadata_for` the caller, as a route dependency (no dependencies of its own: FastAPI walks each
    nested one on every request).

    `async` though it awaits nothing: FastAPI runs a plain function dependency in its thread pool, a
    hand-over to a thread and back on every command."""
    return metadata_for(await current_principal(request), correlation_of(request))


CommandMeta = Annotated[Metadata, Depends(command_metadata)]


def require_roles(*allowed: Role, what: str) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:
    """A route dependency admitting only `allowed` roles, e.g. `Depends(require_roles(Role.BUREAU, what=...))`."""

    async def check(principal: CurrentPrincipal) -> Principal:
        ensure(roles(principal, allowed, what))
        return principal

    return check


def require_everything(action: Action, what: str) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:
    """Bureau (and, for reads, auditors): for lists and reports across every enterprise or officer."""

    async def check(principal: CurrentPrincipal) -> Principal:
        ensure(everything(principal, action, what))
        return principal

    return check


def _described(text: str) -> str:
    """`text` in the characters an RFC 6750 error_description may hold (printable ASCII, no `"` or `\\`)."""
    return "".join(("'" if c == '"' else "?") if c in '"\\' or not " " <= c <= "~" else c for c in text)


def challenge(error: str | None = None, description: str = "") -> str:
    """An RFC 6750 `WWW-Authenticate` value: the realm, then the error and its description if any."""
    params = [f'realm="{REALM}"']
    if error is not None:
        params.append(f'error="{error}"')
        if description:
            params.append(f'error_description="{_described(description)}"')
    return "Bearer " + ", ".join(params)


def install_auth_errors(app: FastAPI) -> None:
    @app.exception_handler(InvalidToken)
    async def unauthenticated(request: Request, exc: InvalidToken) -> JSONResponse:
        bare = isinstance(exc, MissingToken)
        header = challenge() if bare else challenge("invalid_token", exc.reason)
        headers = {"WWW-Authenticate": header}
        return problem(401, exc.reason, "unauthenticated", "Authorization", scope=request.scope, headers=headers)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> JSONResponse:
        header = challenge("insufficient_scope", exc.reason)
        return problem(403, exc.reason, "forbidden", scope=request.scope, headers={"WWW-Authenticate": header})


def access_facts(request: Request) -> AccessFacts:
    """The service's `AccessFacts`, put on `app.state.access` by its composition root."""
    facts: AccessFacts | None = getattr(request.app.state, "access", None)
    if facts is None:
        raise RuntimeError("this service has no app.state.access: add the access projection to its bootstrap")
    return facts


async def authorize_enterprise(request: Request, principal: Principal, enterprise_id: str, action: Action) -> None:
    """Raise `Forbidden` unless `principal` may read or act for `enterprise_id`."""
    if principal.sees_everything:
        ensure(policy.enterprise(principal, EnterpriseLinks(enterprise_id), action))
        return
    links = await access_facts(request).enterprise(enterprise_id)
    ensure(policy.enterprise(principal, links, action))


async def authorize_officer(request: Request, principal: Principal, officer_id: str, action: Action) -> None:
    """Raise `Forbidden` unless `principal` may read or act for officer `officer_id`."""
    station = None
    if principal.role is Role.STATION_CHIEF and principal.officer_id != officer_id:
        station = await access_facts(request).officer_station(officer_id)
    ensure(policy.officer(principal, officer_id, station, action))


def enterprise_in_path(action: Action) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A route dependency checking the `{enterprise_id}` path parameter."""

    async def check(request: Request, enterprise_id: str, principal: CurrentPrincipal) -> Principal:
        await authorize_enterprise(request, principal, enterprise_id, action)
        return principal

    return check


def officer_in_path(action: Action) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A route dependency checking the `{officer_id}` path parameter."""

    async def check(request: Request, officer_id: str, principal: CurrentPrincipal) -> Principal:
        await authorize_officer(request, principal, officer_id, action)
        return principal

    return check


async def station_scope(
    request: Request, principal: Principal, station: str | None, what: str, instead: str = ""
) -> frozenset[str] | None:
    """The enterprises a list across enterprises may show, `?station=` given or not: None for every one (the
    bureau and auditors without a station); a station's (linked to an officer of it) for the bureau and
    auditors naming one, and for that station's chief, who must name their own. Anyone else: 403 saying
    `what` needs the bureau or an auditor, then where to look instead (a station chief: their `?station=`)."""
    if principal.role is Role.STATION_CHIEF and station is not None and station == principal.station:
        return await _station_access(request).enterprises_of_station(station, principal.officer_id)
    if principal.sees_everything:
        return None if station is None else await _station_access(request).enterprises_of_station(station)
    if principal.role is Role.STATION_CHIEF:
        instead = f"station chiefs list their own station's with ?station={principal.station}"
    reason = everything(principal, Action.READ, what) or what
    raise Forbidden("; ".join(part for part in (reason, instead) if part))


def _station_access(request: Request) -> PostgresAccess:
    facts = access_facts(request)
    if not isinstance(facts, PostgresAccess):
        raise RuntimeError("lists by station read the access projection: app.state.access must be PostgresAccess")
    return facts
