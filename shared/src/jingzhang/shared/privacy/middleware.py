"""Reveals personal data at the HTTP edge: tokens in JSON responses become what the caller may see.

Everything behind the edge (aggregates, projections, NATS) holds tokens only. The principal is read
when the response starts, from `request.state.principal` (set by the auth layer); no principal
sees what every role sees. A body without the token prefix passes through untouched.
"""

import json
from collections.abc import Callable
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jingzhang.shared.privacy.keystore import KeyStore
from jingzhang.shared.privacy.policy import Viewer
from jingzhang.shared.privacy.reveal import reveal_text
from jingzhang.shared.privacy.tokens import MARKER
from jingzhang.shared.problems import PROBLEM_MEDIA_TYPE, instance_of, problem_body

log = structlog.get_logger(__name__)

UNAVAILABLE = "personal data cannot be shown now: the key store is unavailable"


def viewer_of(principal: Any) -> Viewer:
    """The masking view of an auth principal, read defensively (its `role` and `person`, if any)."""
    if principal is None:
        return Viewer()
    role = getattr(principal, "role", None)
    person = getattr(principal, "person", None)
    return Viewer(role=None if role is None else str(role), person=person if isinstance(person, str) else None)


def _is_json(headers: list[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        if name.lower() == b"content-type":
            media = value.split(b";", 1)[0].strip().lower()
            return media == b"application/json" or media.endswith(b"+json")
    return False


def _unavailable(scope: Scope) -> bytes:
    problem = problem_body(503, UNAVAILABLE, "keystore_unavailable", instance=instance_of(scope))
    return json.dumps(problem, separators=(",", ":")).encode()


def _retyped(headers: list[tuple[bytes, bytes]], media_type: str) -> list[tuple[bytes, bytes]]:
    kept = [(k, v) for k, v in headers if k.lower() != b"content-type"]
    return [*kept, (b"content-type", media_type.encode())]


class RevealPersonalData:
    """Pure ASGI middleware; `keys` gives the key store once the service has started (None before)."""

    def __init__(self, app: ASGIApp, keys: Callable[[], KeyStore | None]) -> None:
        self.app = app
        self.keys = keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})  # shared with the request the auth layer sees
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start" and _is_json(list(message.get("headers", []))):
                start = message
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                await self._send(start, b"".join(chunks), state.get("principal"), send, scope)

        await self.app(scope, receive, capture)

    async def _send(self, start: Message, body: bytes, principal: Any, send: Send, scope: Scope) -> None:
        if MARKER not in body:
            await send(start)
            await send({"type": "http.response.body", "body": body, "more_body": False})
            return
        status = start["status"]
        headers = list(start.get("headers", []))
        try:
            body = await self._reveal(body, principal)
        except Exception as exc:  # fail closed: no tokens and no half-revealed document
            log.error("privacy.reveal_failed", error=type(exc).__name__)
            status, body = 503, _unavailable(scope)
            headers = _retyped(headers, PROBLEM_MEDIA_TYPE)
        headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})

    async def _reveal(self, body: bytes, principal: Any) -> bytes:
        keys = self.keys()
        if keys is None:
            raise RuntimeError("the key store is not started")
        return (await reveal_text(keys, body.decode(), viewer_of(principal))).encode()
