"""`python -m jingzhang.console`: the console alone, as its container runs it (settings from the environment)."""

from jingzhang.console.app import create_app
from jingzhang.console.settings import ConsoleSettings


def main() -> None:
    import uvicorn  # imported here: an app built for a test needs no server

    settings = ConsoleSettings()
    uvicorn.run(
        create_app(settings),
        host=settings.http_host,
        port=settings.http_port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=5,  # open live pages (SSE) would otherwise hold a stop
    )


if __name__ == "__main__":
    main()
