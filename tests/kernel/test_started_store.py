"""What a composition root builds before the runtime starts reaches the runtime's store once it has."""

import pytest
from nats.aio.client import Client as NATS

from jingzhang.shared.envelope import StreamId
from jingzhang.shared.runtime import Runtime
from tests.conftest import ServiceEnv

from .sample import AGGREGATE, meta, noted


async def test_the_store_handed_out_before_start_appends_and_reads_once_started(
    service_env: ServiceEnv, provisioned: NATS
) -> None:
    runtime = Runtime("assignment", await service_env.settings("assignment"), relay_enabled=False)
    store = runtime.started_store()
    assert store.service == "assignment"
    with pytest.raises(AttributeError):  # before start there is no store to reach
        await store.read_stream(StreamId(AGGREGATE, "a"))
    await runtime.start()
    try:
        assert await store.append(StreamId(AGGREGATE, "a"), 0, [noted(7)], meta()) == 1
        assert [env.data["amount"] for env in await store.read_stream(StreamId(AGGREGATE, "a"))] == [7]
        assert runtime.pool_of() is runtime.pool
    finally:
        await runtime.stop()
