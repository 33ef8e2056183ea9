"""Who is signed in: the access token kept in the signed, HttpOnly session cookie, verified on every
request like the services verify it; the CSRF token every form carries."""

import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from jingzhang.shared.auth import InvalidToken, Principal, Role, TokenVerifier

CSRF_FIELD = "csrf"


@dataclass(frozen=True)
class User:
    principal: Principal
    token: str

    @property
    def role(self) -> Role:
        return self.principal.role

    @property
    def is_police(self) -> bool:
        return self.role is not Role.ENTERPRISE_CONTACT

    @property
    def home(self) -> str:
        if self.role is Role.ENTERPRISE_CONTACT or self.role is Role.OFFICER:
            return "/portal"
        return "/overview"


class NotSignedIn(Exception):
    """No session, or its token no longer verifies: the sign-in page."""


async def current_user(request: Request, verifier: TokenVerifier) -> User:
    token = request.session.get("token")
    if not isinstance(token, str):
        raise NotSignedIn
    try:
        principal = await verifier.verify(token)
    except InvalidToken:
        request.session.clear()
        raise NotSignedIn from None
    return User(principal, token)


def sign_in(request: Request, token: str) -> None:
    """A fresh session (no fixation): the token and a new CSRF secret."""
    request.session.clear()
    request.session["token"] = token
    request.session[CSRF_FIELD] = secrets.token_urlsafe(32)


def csrf_token(request: Request) -> str:
    token = request.session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[CSRF_FIELD] = token
    return token


def csrf_ok(request: Request, form: dict[str, Any]) -> bool:
    expected = request.session.get(CSRF_FIELD)
    sent = form.get(CSRF_FIELD)
    return isinstance(expected, str) and isinstance(sent, str) and hmac.compare_digest(expected, sent)
