"""Run one service's app under uvicorn, settings from the environment: each service's entry point."""

import gc
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

YOUNG_COLLECTION_THRESHOLD = 10_000
"""Allocations (less deallocations) of container objects between two young collections; Python's 700
collected once every ~11 commands and promoted what requests in flight still held, so the old
generation grew and its full collections (~100k objects after start) paused the loop 120-160 ms."""


def tune_gc() -> None:
    """Once the app is built: what was made to build it (modules, classes, routes: ~100k objects) is
    frozen out of every collection, and young collections are rarer. Measured on `POST /leaflets`
    under wrk: garbage collection went from 6-10 % of the service's CPU, with 2-3 full collections of
    120-160 ms per 10 s, to nothing measurable."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, middle, old)


def serve(create_app: Callable[[ServiceSettings], FastAPI]) -> None:
    import uvicorn  # imported here: an app built for a test or an export needs no server

    settings = ServiceSettings()
    app = create_app(settings)
    tune_gc()
    uvicorn.run(app, host=settings.http_host, port=settings.http_port, **SERVER_OPTIONS)
