"""The floor of the HTTP figure: a bare FastAPI + asyncpg endpoint, one INSERT per request, no auth.

    DATABASE_URL=... HTTP_PORT=... python -m bench.bare

`POST /leaflets` takes the same body as the patrols service's route, validates it with a pydantic
model of the same shape, and inserts it as one row (autocommit, so one durable commit per request) on
a 10-connection pool (the services' default `DB_POOL_MAX`, with their pool settings). Served by uvicorn
with the services' own options, `jingzhang.shared.serve.SERVER_OPTIONS` (uvloop, httptools, no access
log), and the same garbage-collector tuning (`tune_gc`), so the two differ only in what a request does.
"""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Annotated

import asyncpg
from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

from jingzhang.shared import pools as kernel_pools
from jingzhang.shared import sessions
from jingzhang.shared.serve import SERVER_OPTIONS, tune_gc

Ident = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
TABLE = "CREATE TABLE IF NOT EXISTS bare_leaflets (activity_id text PRIMARY KEY, body jsonb NOT NULL)"


class Leaflets(BaseModel):
    model_config = ConfigDict(extra="forbid")

    activity_id: Ident
    enterprise_id: Ident | None = None
    officer_ids: Annotated[list[Ident], Field(max_length=20)]
    occurred_on: date
    count: int = Field(ge=1, le=1_000_000)
    topic: str = Field(max_length=200)


def create_app(url: str) -> FastAPI:
    pools: list[asyncpg.Pool] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # the services' pool settings (`runtime.create_pool`): a connection is reset on release only when
        # it took session state, where asyncpg's default spends a round trip on every request
        pool = await kernel_pools.create(url, min_size=2, max_size=10, reset=sessions.reset)
        await pool.execute(TABLE)
        pools.append(pool)
        yield
        await pool.close()

    app = FastAPI(lifespan=lifespan)

    @app.post("/leaflets", status_code=201)
    async def leaflets(body: Leaflets) -> dict[str, str]:
        await pools[0].execute("INSERT INTO bare_leaflets VALUES ($1, $2)", body.activity_id, body.model_dump_json())
        return {"activity_id": body.activity_id}

    @app.get("/health/ready")
    async def ready() -> dict[str, bool]:
        return {"ready": bool(pools)}

    return app


def run(app: FastAPI) -> None:
    """Serve a contender on HTTP_PORT as the services are served (`SERVER_OPTIONS`, `tune_gc`)."""
    import uvicorn

    tune_gc()  # as `serve` does
    uvicorn.run(app, host="127.0.0.1", port=int(os.environ["HTTP_PORT"]), **SERVER_OPTIONS)


def main() -> None:
    run(create_app(os.environ["DATABASE_URL"]))


if __name__ == "__main__":
    main()
