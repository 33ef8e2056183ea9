"""deploy/nats permissions as committed (`generate.py`, the default of one partition), run for real: a
service creates, pulls and acks its consumer on the source's service stream (there is no copy), hears
its producer's watermark, and still cannot use another service's consumer or read a copy. The
partitioned layout (`generate.py --partitions 8`) runs in test_nats_permissions.py."""

import asyncio
from collections.abc import AsyncIterator

import nats
import nats.errors
import pytest
from nats.aio.client import Client as NATS

from jingzhang.app.services import SERVICES
from jingzhang.shared.consumer import consumer_config, ensure_consumer
from jingzhang.shared.streams import provision, stream_name
from jingzhang.shared.watermark import Watermark
from tests.deploy.conftest import NATS_DIR, DeployedNats
from tests.deploy.test_nats_configs import generator
from tests.deploy.test_nats_permissions import group
from tests.deploy.test_watermark_permissions import connect, heard_watermark

pytestmark = pytest.mark.e2e
ONE = 1


def test_the_committed_permissions_are_those_of_one_partition() -> None:
    gen = generator()
    assert (NATS_DIR / "auth.conf").read_text() == gen.render_auth(gen.service_consumers(ONE), ONE)
    assert "_P8" not in (NATS_DIR / "auth.conf").read_text()


@pytest.fixture
async def users(deployed_nats: DeployedNats) -> AsyncIterator[dict[str, tuple[NATS, list[str]]]]:
    opened: dict[str, tuple[NATS, list[str]]] = {}
    for user in ("ops", "assignment", "appeals"):
        errors: list[str] = []
        opened[user] = (await connect(deployed_nats, user, errors), errors)
    await provision(opened["ops"][0].jetstream(), SERVICES, partitions=ONE)
    yield opened
    for nc, _ in opened.values():
        await nc.close()


async def test_appeals_uses_its_consumer_on_assignments_stream_and_hears_its_watermark(
    users: dict[str, tuple[NATS, list[str]]],
) -> None:
    (assignment, _), (appeals, errors) = users["assignment"], users["appeals"]
    await assignment.jetstream().publish("jz.assignment.evt.enterprise.e1.ChiefAssigned", b"{}")
    config = consumer_config("appeals", group("appeals", "assignment"), "assignment", 10, 0, partitions=ONE)
    js = appeals.jetstream()
    await ensure_consumer(js, config, stream_name("assignment"))
    sub = await js.pull_subscribe_bind(durable=str(config.durable_name), stream=stream_name("assignment"))
    msgs = await sub.fetch(1, timeout=5)
    await msgs[0].ack_sync(timeout=5)
    assert msgs[0].subject == "jz.assignment.evt.enterprise.e1.ChiefAssigned"

    assert await heard_watermark(assignment, appeals, "assignment", Watermark(1.0, 1), errors)
    assert errors == []


async def test_appeals_cannot_create_patrols_consumer_on_assignments_stream(
    users: dict[str, tuple[NATS, list[str]]],
) -> None:
    appeals, errors = users["appeals"]
    config = consumer_config("patrols", group("patrols", "assignment"), "assignment", 10, 0, partitions=ONE)
    with pytest.raises(nats.errors.TimeoutError):
        await appeals.jetstream().add_consumer(stream_name("assignment"), config, timeout=0.5)
    subject = f"$JS.API.CONSUMER.DURABLE.CREATE.{stream_name('assignment')}.{config.durable_name}"
    for _ in range(50):
        if any(f'permissions violation for publish to "{subject.lower()}"' in e.lower() for e in errors):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no permissions violation for {subject}: {errors}")
