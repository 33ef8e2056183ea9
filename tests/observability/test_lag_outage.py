"""The consumer-lag gauge tells the truth while NATS is away: the last lag JetStream told, marked
unknown (`jingzhang_consumer_lag_known` 0) and ageing, never a 0 nobody measured; known again after."""

import httpx
from nats.aio.client import Client as NATS

from ..conftest import ServiceEnv
from ..kernel.helpers import eventually
from .helpers import Labels, scrape
from .test_metrics import client, enrol_one

__all__ = ["client"]  # the fixture, shared with test_metrics

Samples = dict[str, list[tuple[Labels, float]]]


def by_durable(samples: Samples, name: str) -> dict[str, float]:
    return {labels["durable"]: v for labels, v in samples.get(name, [])}


async def all_known(client: httpx.AsyncClient, known: int) -> Samples:
    found: Samples = {}

    async def agreed() -> bool:
        nonlocal found
        found = await scrape(client)
        told = by_durable(found, "jingzhang_consumer_lag_known")
        return bool(told) and set(told.values()) == {known}

    await eventually(agreed, timeout=30)
    return found


async def test_lag_while_nats_is_away_is_the_last_told_marked_unknown(
    client: httpx.AsyncClient, service_env: ServiceEnv, nc: NATS
) -> None:
    await enrol_one(client)
    before = await all_known(client, 1)
    told = by_durable(before, "jingzhang_consumer_lag")
    assert told
    service_env.nats.stop()
    try:
        during = await all_known(client, 0)
        later = await scrape(client)
    finally:
        service_env.nats.start()
    assert by_durable(during, "jingzhang_consumer_lag").keys() == told.keys()  # no series vanishes
    unknown = {d for d, v in by_durable(later, "jingzhang_consumer_lag_known").items() if v == 0}
    lag, age = "jingzhang_consumer_lag", "jingzhang_consumer_lag_age_seconds"
    for durable in unknown:  # still unknown a scrape later: the same last value, older
        assert by_durable(later, lag)[durable] == by_durable(during, lag)[durable]
        assert by_durable(later, age)[durable] > by_durable(during, age)[durable]
    assert unknown
    after = await all_known(client, 1)
    assert max(by_durable(after, age).values()) < min(by_durable(later, age)[d] for d in unknown)
