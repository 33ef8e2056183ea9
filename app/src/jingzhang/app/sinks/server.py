"""Both sinks on one port (`python -m jingzhang.app.sinks --dir DIR --port 8120`): the robot webhook at
`/cgi-bin/webhook/send?key=...`, the SMS gateway at `/sms/`, a health check at `/health`."""

import argparse
import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from jingzhang.app.sinks import SINK_PORT
from jingzhang.app.sinks.sms import Gateway
from jingzhang.app.sinks.wecom import Robots


@dataclass
class Sinks:
    robots: Robots
    gateway: Gateway

    def app(self) -> Starlette:
        async def health(request: Request) -> JSONResponse:
            return JSONResponse({"ok": True})

        return Starlette(routes=[self.robots.route(), self.gateway.route(), Route("/health", health)])

    @classmethod
    def under(cls, directory: Path | None) -> "Sinks":
        """Sinks writing under `directory` (None: in memory only)."""
        return cls(
            Robots(directory / "wecom" if directory else None),
            Gateway(file=directory / "sms.jsonl" if directory else None),
        )


def webhook_url(base: str, enterprise_id: str) -> str:
    """The local robot's webhook for an enterprise's group (its key is the enterprise id)."""
    return f"{base.rstrip('/')}/cgi-bin/webhook/send?key={enterprise_id}"


@contextlib.asynccontextmanager
async def serving(sinks: Sinks, port: int = 0, host: str = "127.0.0.1") -> AsyncIterator[str]:
    """Serve `sinks` in this event loop until the block ends; yields the base URL."""
    server = uvicorn.Server(
        uvicorn.Config(
            sinks.app(), host=host, port=port, log_level="warning", lifespan="off", timeout_graceful_shutdown=1
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            await task
        await asyncio.sleep(0.02)
    bound = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{bound}"
    finally:
        server.should_exit = True
        await task


def main() -> None:
    parser = argparse.ArgumentParser(description="Local WeCom robot and SMS gateway sinks")
    parser.add_argument("--dir", type=Path, required=True, help="where received messages are written")
    parser.add_argument("--port", type=int, default=SINK_PORT)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    uvicorn.run(Sinks.under(args.dir).app(), host=args.host, port=args.port, log_level="warning")
