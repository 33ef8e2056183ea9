"""A WeCom (企业微信) group robot, as its webhook API behaves: `POST /cgi-bin/webhook/send?key=KEY` with
`{"msgtype": "text"|"markdown", ...}`, answered `{"errcode": 0, "errmsg": "ok"}`; 93000 for a missing
key, 40008 for an unknown message type, 44004 for empty content, 40058 for content over 4096 bytes,
45009 ("api freq out of limit") past `limit` messages per `window` seconds per robot (20 a minute).
A robot takes no idempotency key: what it accepts it posts, twice if sent twice."""

import asyncio
import json
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

MAX_BYTES = 4096


@dataclass
class Robots:
    """Every robot the sink has seen, by key: what each received, written to `<directory>/<key>.jsonl`."""

    directory: Path | None = None
    limit: int = 20
    window: float = 60.0
    delay: float = 0.0
    """Seconds before answering (a slow robot: lets a test stop a sender mid-delivery)."""
    received: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    refused: int = 0
    in_flight: int = 0
    busy: set[str] = field(default_factory=set)
    """Robots answering errcode -1 ("system busy") to everything, as WeCom does when it is struggling."""
    """Requests admitted and not answered yet (a test stops a sender while one is)."""
    _recent: dict[str, deque[float]] = field(default_factory=dict)

    def route(self) -> Route:
        return Route("/cgi-bin/webhook/send", self.send, methods=["POST"])

    async def send(self, request: Request) -> JSONResponse:
        key = request.query_params.get("key", "")
        if not key:
            return _answer(93000, "invalid webhook url")
        try:
            body = json.loads(await request.body())
        except ValueError:
            return _answer(40058, "invalid json")
        kind = body.get("msgtype") if isinstance(body, dict) else None
        if kind not in ("text", "markdown"):
            return _answer(40008, "invalid message type")
        content = (body.get(kind) or {}).get("content", "")
        if not isinstance(content, str) or not content:
            return _answer(44004, "empty content")
        if len(content.encode()) > MAX_BYTES:
            return _answer(40058, "content exceed max length 4096")
        if key in self.busy:
            return _answer(-1, "system busy")
        if not self._admit(key):
            self.refused += 1
            return _answer(45009, "api freq out of limit")
        self.in_flight += 1
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
        finally:
            self.in_flight -= 1
        self._keep(key, {"received_at": datetime.now(UTC).isoformat(), "msgtype": kind, "content": content})
        return _answer(0, "ok")

    def _admit(self, key: str) -> bool:
        now = time.monotonic()
        recent = self._recent.setdefault(key, deque())
        while recent and recent[0] <= now - self.window:
            recent.popleft()
        if len(recent) >= self.limit:
            return False
        recent.append(now)
        return True

    def _keep(self, key: str, entry: dict[str, Any]) -> None:
        self.received.setdefault(key, []).append(entry)
        if self.directory is not None:
            self.directory.mkdir(parents=True, exist_ok=True)
            with open(self.directory / f"{key}.jsonl", "a", encoding="utf-8") as out:
                out.write(json.dumps(entry, ensure_ascii=False) + "\n")


def _answer(errcode: int, errmsg: str) -> JSONResponse:
    return JSONResponse({"errcode": errcode, "errmsg": errmsg})
