"""Run one service's app under uvicorn, settings from the environment: each service's entry point."""

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from jingzhang.shared.settings import ServiceSettings

SERVER_OPTIONS: dict[str, Any] = {
    "loop": "uvloop",
    "http": "httptools",  # the C parser: uvicorn's default falls back to h11 (pure Python) when it is missing
    "log_level": "warning",
    "access_log": False,
}
"""How every service is served (and the benchmark's bare endpoint, so the two differ only in the app)."""


def serve(create_app: Callable[[ServiceSettings], FastAPI]) -> None:
    import uvicorn  # imported here: an app built for a test or an export needs no server

    settings = ServiceSettings()
    uvicorn.run(create_app(settings), host=settings.http_host, port=settings.http_port, **SERVER_OPTIONS)
