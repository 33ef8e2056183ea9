"""The services' HTTP APIs, called with the signed-in user's token: the console's only data source."""

from typing import Any

import httpx
import structlog

log = structlog.get_logger(__name__)


class ApiError(Exception):
    """A service answered an error: its status and its problem document (RFC 9457), shown to the user."""

    def __init__(self, service: str, status: int, problem: dict[str, Any]) -> None:
        super().__init__(f"{service}: {status} {problem.get('title', '')}")
        self.service = service
        self.status = status
        self.problem = problem

    @property
    def detail(self) -> str:
        return str(self.problem.get("detail") or self.problem.get("title") or self.status)


class Api:
    """One pooled HTTP client; every call carries the caller's bearer token, never one of the console's."""

    def __init__(self, urls: dict[str, str], timeout: float) -> None:
        self.urls = {name: url.rstrip("/") for name, url in urls.items()}
        self.http = httpx.AsyncClient(timeout=timeout)

    async def close(self) -> None:
        await self.http.aclose()

    async def get(self, token: str, service: str, path: str, **params: Any) -> Any:
        query = {k: v for k, v in params.items() if v is not None and v != ""}
        return await self._send(token, service, "GET", path, params=query)

    async def post(self, token: str, service: str, path: str, body: dict[str, Any]) -> Any:
        return await self._send(token, service, "POST", path, json=body)

    async def maybe(self, token: str, service: str, path: str, **params: Any) -> Any:
        """A read that may be missing (404) or not the caller's to see (403): None then."""
        try:
            return await self.get(token, service, path, **params)
        except ApiError as exc:
            if exc.status in (403, 404):
                return None
            raise

    async def _send(self, token: str, service: str, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}", "X-Purpose": "console"}
        try:
            answer = await self.http.request(method, self.urls[service] + path, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            log.warning("console.api.unreachable", service=service, method=method, path=path, error=repr(exc))
            raise ApiError(service, 503, {"title": "service unreachable", "detail": f"{service}: {exc}"}) from None
        if answer.status_code >= 400:
            try:
                problem = answer.json()
            except ValueError:
                problem = {"title": answer.text[:200]}
            if not isinstance(problem, dict):
                problem = {"title": str(problem)}
            raise ApiError(service, answer.status_code, problem)
        return answer.json() if answer.content else None
