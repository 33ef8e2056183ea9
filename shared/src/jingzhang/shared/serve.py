"""Run one service's app under uvicorn, settings from the environment: each service's entry point."""

from collections.abc import Callable

from fastapi import FastAPI

from jingzhang.shared.settings import ServiceSettings


def serve(create_app: Callable[[ServiceSettings], FastAPI]) -> None:
    import uvicorn  # imported here: an app built for a test or an export needs no server

    settings = ServiceSettings()
    uvicorn.run(
        create_app(settings),
        host=settings.http_host,
        port=settings.http_port,
        loop="uvloop",
        log_level="warning",
        access_log=False,
    )
