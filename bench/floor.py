"""The kernel floor of the HTTP figure: the bare endpoint's route on the kernel's pipeline, nothing else.

    DATABASE_URL=... NATS_URL=... KEYSTORE_MASTER_KEY=... HTTP_PORT=... python -m bench.floor

`POST /leaflets` takes the bare endpoint's body (`bench.bare.Leaflets`, the same pydantic model) and,
instead of inserting a row, appends one event to a new stream through the kernel's `Runtime` as a
service runs it: the event store's append (expected version 0, the envelope, the key store's
protector), the relay publishing to JetStream (`sync_interval: always`) and a consumer group applying
the event to a projection (`tally`, set-based) in its own transaction, acknowledged after COMMIT. No
token, no domain, no middleware, none of a service's other projections: what separates ours from this
is a service's edge and domain; what separates this from bare is the event-sourced pipeline itself,
which every command pays whatever its edge. Served with the services' options (`SERVER_OPTIONS`,
`tune_gc`). It runs as the `evaluation` service, whose stream nothing else in the figure reads, so its
relay's watermarks mislead no other process.
"""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from fastapi import FastAPI

from bench.bare import Leaflets, run
from jingzhang.shared.envelope import Metadata, NewEvent, StreamId
from jingzhang.shared.projection import Projection, Source
from jingzhang.shared.runtime import Runtime
from jingzhang.shared.settings import ServiceSettings
from jingzhang.shared.testing.sample import AGGREGATE, REGISTRY, TALLY_SQL, Noted, apply_tally, apply_tally_many

SERVICE = "evaluation"
"""A stream the figure provisions and no other process of it follows."""


def projection() -> Projection:
    return Projection(
        name="floor_tally",
        schema_sql=TALLY_SQL,
        sources=(Source(SERVICE, AGGREGATE),),
        registry=REGISTRY,
        apply=apply_tally,
        apply_many=apply_tally_many,
    )


def create_app(settings: ServiceSettings) -> FastAPI:
    runtime = Runtime(SERVICE, settings, projections=(projection(),))
    started: list[bool] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        started.append(True)
        yield
        await runtime.stop()

    app = FastAPI(lifespan=lifespan)

    @app.post("/leaflets", status_code=201)
    async def leaflets(body: Leaflets) -> dict[str, str]:
        event = NewEvent(Noted(amount=body.count, label=""), datetime.now(UTC))
        meta = Metadata(actor="floor", correlation_id=uuid.uuid4())
        await runtime.store.append(StreamId(AGGREGATE, body.activity_id), 0, [event], meta)
        return {"activity_id": body.activity_id}

    @app.get("/health/ready")
    async def ready() -> dict[str, bool]:
        return {"ready": bool(started)}

    return app


def main() -> None:
    run(create_app(ServiceSettings()))


if __name__ == "__main__":
    main()
