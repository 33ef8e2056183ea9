"""deploy/nats permissions rendered for one partition (`generate.py --partitions 1`), run for real: a
service creates, pulls and acks its consumer on the source's service stream (there is no copy), hears
its producer's watermark, and still cannot use another service's consumer or read a copy."""

import asyncio
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import nats
import nats.errors
import pytest
from nats.aio.client import Client as NATS

from jingzhang.app.services import SERVICES
from jingzhang.shared.consumer import consumer_config, ensure_consumer
from jingzhang.shared.streams import provision, stream_name
from jingzhang.shared.watermark import Watermark
from tests.deploy.conftest import DeployedNats, nats_env
from tests.deploy.test_nats_configs import generator
from tests.deploy.test_nats_permissions import group
from tests.deploy.test_watermark_permissions import connect, heard_watermark

pytestmark = pytest.mark.e2e
ONE = 1


@dataclass
class DirectNats(DeployedNats):
    """nats-single.conf as shipped, with the permissions rendered for one partition."""

    def write_config(self) -> Path:
        path = super().write_config()
        gen = generator()
        (self.state_dir / "auth.conf").write_text(gen.render_auth(gen.service_consumers(ONE), ONE))
        return path


@pytest.fixture(scope="module")
def direct_nats(monkeypatch_module: pytest.MonkeyPatch) -> Iterator[DirectNats]:
    for name, value in nats_env().items():
        monkeypatch_module.setenv(name, value)
    state = Path(tempfile.mkdtemp(prefix="jz-direct-nats-"))
    server = DirectNats(state).start()
    yield server
    server.stop()
    shutil.rmtree(state, ignore_errors=True)


@pytest.fixture
async def users(direct_nats: DirectNats) -> AsyncIterator[dict[str, tuple[NATS, list[str]]]]:
    opened: dict[str, tuple[NATS, list[str]]] = {}
    for user in ("ops", "assignment", "appeals"):
        errors: list[str] = []
        opened[user] = (await connect(direct_nats, user, errors), errors)
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
