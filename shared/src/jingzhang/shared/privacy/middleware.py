"""Reveals personal data at the HTTP edge: tokens in JSON responses become what the caller may see.

Everything behind the edge (aggregates, projections, NATS) holds tokens only. The principal is read
when the response starts, from `request.state.principal` (set by the auth layer); no principal
sees what every role sees. A body without the token prefix passes through untouched. What a response
shows of someone in full is recorded in the read log (`reads`), with the route and the caller's
purpose (`request.state.purpose`, from `X-Purpose`), before the response leaves.
"""

import json
from collections.abc import Callable
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jingzhang.shared.clock import Clock, SystemClock
from jingzhang.shared.privacy.keystore import KeyStore
from jingzhang.shared.privacy.policy import Viewer
from jingzhang.shared.privacy.reads import ReadLog, ReadLogFull, reads_of
from jingzhang.shared.privacy.reveal import reveal_text
from jingzhang.shared.privacy.tokens import MARKER
from jingzhang.shared.problems import PROBLEM_MEDIA_TYPE, instance_of, problem_body

log = structlog.get_logger(__name__)

UNAVAILABLE = "personal data cannot be shown now: the key store is unavailable"
UNRECORDED = "personal data cannot be shown now: its reads cannot be recorded (the database is unavailable)"
RETRY_AFTER_SECONDS = 2  # both refusals are passing states (the key store's or the read log's database away)


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


def _unavailable(scope: Scope, detail: str = UNAVAILABLE, code: str = "keystore_unavailable") -> bytes:
    problem = problem_body(503, detail, code, instance=instance_of(scope))
    return json.dumps(problem, separators=(",", ":")).encode()


def route_of(scope: Scope) -> str:
    """`GET /officers/{officer_id}`: the method and the matched route's template, never the raw path."""
    path = getattr(scope.get("route"), "path", None)
    return f"{scope.get('method', '?')} {path or 'unmatched'}"


def _refusal_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The answer's headers as a 503 problem: its media type, and `Retry-After` (the refusal passes)."""
    kept = [(k, v) for k, v in headers if k.lower() not in (b"content-type", b"retry-after")]
    return [*kept, (b"content-type", PROBLEM_MEDIA_TYPE.encode()), (b"retry-after", str(RETRY_AFTER_SECONDS).encode())]


class RevealPersonalData:
    """Pure ASGI middleware; `keys` gives the key store once the service has started (None before);
    `reads`, if given, the read log that records what is shown in full (None before start)."""

    def __init__(
        self,
        app: ASGIApp,
        keys: Callable[[], KeyStore | None],
        reads: Callable[[], ReadLog | None] | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.app = app
        self.keys = keys
        self.reads = reads
        self.clock = clock or SystemClock()

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
                await self._send(start, b"".join(chunks), state, send, scope)

        await self.app(scope, receive, capture)

    async def _send(self, start: Message, body: bytes, state: dict[str, Any], send: Send, scope: Scope) -> None:
        if MARKER not in body:
            await send(start)
            await send({"type": "http.response.body", "body": body, "more_body": False})
            return
        status = start["status"]
        headers = list(start.get("headers", []))
        principal = state.get("principal")
        try:
            seen: dict[str, set[str]] = {}
            body = await self._reveal(body, principal, seen)
            if seen:
                self._record(seen, principal, state, scope)
        except ReadLogFull as exc:  # fail closed: no read goes unrecorded
            log.error("privacy.reads_unrecorded", error=str(exc))
            status, body = 503, _unavailable(scope, UNRECORDED, "read_log_unavailable")
            headers = _refusal_headers(headers)
        except Exception as exc:  # fail closed: no tokens and no half-revealed document
            log.error("privacy.reveal_failed", error=type(exc).__name__)
            status, body = 503, _unavailable(scope)
            headers = _refusal_headers(headers)
        headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})

    async def _reveal(self, body: bytes, principal: Any, seen: dict[str, set[str]]) -> bytes:
        keys = self.keys()
        if keys is None:
            raise RuntimeError("the key store is not started")
        return (await reveal_text(keys, body.decode(), viewer_of(principal), seen=seen)).encode()

    def _record(self, seen: dict[str, set[str]], principal: Any, state: dict[str, Any], scope: Scope) -> None:
        if self.reads is None:
            return
        log_ = self.reads()
        if log_ is None:
            raise ReadLogFull("the read log is not started")
        actor = getattr(principal, "actor", None)
        role = getattr(principal, "role", None)
        route = route_of(scope)
        purpose = state.get("purpose") or route
        reader = actor if isinstance(actor, str) else "anonymous"
        log_.record(reads_of(seen, self.clock.now(), reader, None if role is None else str(role), route, purpose))
