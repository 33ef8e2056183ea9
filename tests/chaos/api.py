"""The chaos workload's HTTP client: bounded, journaled, and retrying only what a retry cannot double.

No keep-alive: every request opens its own connection, so a connection refused really means the service
was not listening, and a request never rides a pooled connection to a process that was killed meanwhile.
"""

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from tests.chaos.journal import BROKEN, CONNECT_TIMEOUT, REFUSED, TIMEOUT, Attempt, Command, Journal

RETRY_PAUSE = 0.5


@dataclass(frozen=True)
class Limits:
    timeout: float = 20.0
    """The client's bound on one request: no answer by then counts as a hang (unless the service is paused)."""
    command_deadline: float = 90.0
    """How long a logical command keeps being retried while nothing can have been written."""


class Api:
    def __init__(self, urls: dict[str, str], headers: dict[str, str], journal: Journal, limits: Limits) -> None:
        self.urls = urls
        self.headers = headers
        self.journal = journal
        self.limits = limits
        timeout = httpx.Timeout(limits.timeout, connect=min(5.0, limits.timeout))
        self.client = httpx.AsyncClient(
            timeout=timeout, limits=httpx.Limits(max_keepalive_connections=0, max_connections=64)
        )

    async def close(self) -> None:
        await self.client.aclose()

    async def send(
        self,
        service: str,
        method: str,
        path: str,
        *,
        route: str | None = None,
        json: Any = None,
        params: dict[str, str] | None = None,
        correlation_id: uuid.UUID | None = None,
        probe: bool = False,
    ) -> tuple[Attempt, httpx.Response | None]:
        attempt = Attempt(
            service, method, route or path, self.journal.now(), correlation_id=correlation_id, probe=probe
        )
        headers = dict(self.headers)
        if correlation_id is not None:
            headers["X-Correlation-Id"] = str(correlation_id)
        self.journal.attempts.append(attempt)
        response: httpx.Response | None = None
        try:
            response = await self.client.request(
                method, self.urls[service] + path, json=json, params=params, headers=headers
            )
        except httpx.ConnectTimeout:
            attempt.failure = CONNECT_TIMEOUT
        except httpx.ConnectError:
            attempt.failure = REFUSED
        except httpx.TimeoutException:
            attempt.failure = TIMEOUT
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            attempt.failure = BROKEN
            attempt.excerpt = type(exc).__name__
        attempt.ended = self.journal.now()
        if response is not None:
            _record_answer(attempt, response)
        return attempt, response

    async def read(self, service: str, path: str, *, route: str | None = None, **params: str) -> Any:
        """One GET, journaled; its JSON body when 200, else None (reads are never retried)."""
        _, response = await self.send(service, "GET", path, route=route, params=params or None)
        if response is None or response.status_code != 200:
            return None
        return response.json()

    async def command(
        self,
        service: str,
        kind: str,
        key: str,
        path: str,
        body: dict[str, Any],
        *,
        retry_safe: bool,
        transient: tuple[str, ...] = (),
        route: str | None = None,
    ) -> Command:
        """POST `body` until it is answered for good, or until it is unclear whether it was carried out
        and a repeat could be harmful (`retry_safe` False), or until the command's deadline."""
        command = Command(key, service, kind, retry_safe, body)
        self.journal.commands.append(command)
        deadline = self.journal.now() + self.limits.command_deadline
        while True:
            attempt, response = await self.send(
                service, "POST", path, route=route or kind, json=body, correlation_id=uuid.uuid4()
            )
            command.attempts.append(attempt)
            if attempt.ok and response is not None:
                command.answer = response.json()
                return command
            pause = _again_after(attempt, retry_safe, transient)
            if pause is None or self.journal.now() + pause > deadline:
                return command
            await asyncio.sleep(pause)


def _again_after(attempt: Attempt, retry_safe: bool, transient: tuple[str, ...]) -> float | None:
    """Seconds to wait before sending the command again, or None when it must not be sent again."""
    if attempt.status == 503:
        return _seconds(attempt.retry_after)
    if attempt.status == 409 and attempt.code in transient:
        return RETRY_PAUSE
    if attempt.status is not None:
        return None
    if attempt.failure in (REFUSED, CONNECT_TIMEOUT):
        return RETRY_PAUSE
    return RETRY_PAUSE if retry_safe else None


def _seconds(retry_after: str | None) -> float:
    try:
        return min(max(float(retry_after or "1"), 0.2), 5.0)
    except ValueError:
        return 1.0


def _record_answer(attempt: Attempt, response: httpx.Response) -> None:
    attempt.status = response.status_code
    attempt.retry_after = response.headers.get("retry-after")
    attempt.content_type = response.headers.get("content-type", "")
    if response.status_code >= 400:
        attempt.excerpt = response.text[:300]
        if attempt.content_type.startswith("application/problem+json"):
            try:
                attempt.code = response.json().get("code")
            except ValueError:
                attempt.code = "unparsable"
