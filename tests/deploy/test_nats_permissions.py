"""deploy/nats run for real, with the permissions rendered for eight partitions (`generate.py
--partitions 8`, the partitioned copies): each service publishes only its own events and uses only its
own consumers; the external subscribers' user reads but never publishes. The committed permissions
(one partition, the default) run in test_direct_permissions.py."""

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import nats
import nats.errors
import pytest
from nats.aio.client import Client as NATS
from nats.js.api import AckPolicy, ConsumerConfig
from nats.js.errors import NotFoundError

from jingzhang.app.services import SERVICES, app_factory
from jingzhang.shared.consumer import consumer_config, consumer_groups, ensure_consumer
from jingzhang.shared.partitions import partition_of, published_subject
from jingzhang.shared.relay import PipelinedPublisher
from jingzhang.shared.runtime import inbox_prefix
from jingzhang.shared.streams import partitioned_stream_name, provision
from tests.deploy.conftest import EIGHT, DeployedNats, password_of

pytestmark = pytest.mark.e2e

Connect = Callable[[str], Coroutine[Any, Any, tuple[NATS, list[str]]]]


@pytest.fixture
async def connect(partitioned_nats: DeployedNats) -> AsyncIterator[Connect]:
    opened: list[NATS] = []

    async def as_user(user: str) -> tuple[NATS, list[str]]:
        errors: list[str] = []

        async def collect(exc: Exception) -> None:
            errors.append(str(exc))

        host = partitioned_nats.url.removeprefix("nats://")
        # credentials in the URL, exactly as NATS_URL carries them in compose and Kubernetes
        url = f"nats://{user}:{password_of(user)}@{host}"
        prefix = "_INBOX" if user == "ops" else inbox_prefix(user)
        nc = await nats.connect(url, error_cb=collect, max_reconnect_attempts=0, inbox_prefix=prefix)
        opened.append(nc)
        return nc, errors

    yield as_user
    for nc in opened:
        await nc.close()


@pytest.fixture
async def provisioned(connect: Connect) -> None:
    ops, _ = await connect("ops")
    await provision(ops.jetstream(), SERVICES, partitions=EIGHT)


async def violation(errors: list[str], subject: str, direction: str = "publish to") -> bool:
    for _ in range(50):
        # nats-py lower-cases the server's -ERR text
        if any(f'permissions violation for {direction} "{subject.lower()}"' in e.lower() for e in errors):
            return True
        await asyncio.sleep(0.02)
    return False


async def stream_messages(connect: Connect, stream: str) -> int:
    ops, _ = await connect("ops")
    info = await ops.jetstream().stream_info(stream)
    return int(info.state.messages)


def group(service: str, source: str) -> Any:
    """The projections of `service` that its consumer group for `source` feeds."""
    return consumer_groups(app_factory(service)().state.runtime.projections)[source]


@pytest.mark.usefixtures("provisioned")
class TestServicePublishing:
    async def test_assignment_publishes_its_own_events_through_the_relays_publisher(self, connect: Connect) -> None:
        nc, errors = await connect("assignment")
        publisher = PipelinedPublisher(nc)

        ack = await asyncio.wait_for(await publisher.publish("jz.assignment.evt.x.1.Y", b"{}", {}), 5)

        assert ack.stream == "JZ_ASSIGNMENT"
        assert errors == []

    async def test_assignment_cannot_publish_appeals_events(self, connect: Connect) -> None:
        nc, errors = await connect("assignment")
        before = await stream_messages(connect, "JZ_APPEALS")

        await nc.publish("jz.appeals.evt.x.1.Y", b"{}")
        await nc.flush()

        assert await violation(errors, "jz.appeals.evt.x.1.Y")
        assert await stream_messages(connect, "JZ_APPEALS") == before

    async def test_a_service_cannot_create_streams(self, connect: Connect) -> None:
        nc, errors = await connect("patrols")

        with pytest.raises(nats.errors.TimeoutError):
            await nc.request("$JS.API.STREAM.CREATE.EVIL", b'{"name":"EVIL","subjects":["jz.>"]}', timeout=0.5)

        assert await violation(errors, "$JS.API.STREAM.CREATE.EVIL")


class TestInboxes:
    async def test_a_service_cannot_listen_to_another_services_replies(self, connect: Connect) -> None:
        nc, errors = await connect("assignment")

        await nc.subscribe("_INBOX_appeals.>")
        await nc.flush()

        assert await violation(errors, "_INBOX_appeals.>", "subscription to")

    async def test_nor_can_the_external_user(self, connect: Connect) -> None:
        nc, errors = await connect("external")

        await nc.subscribe("_INBOX_evaluation.>")
        await nc.flush()

        assert await violation(errors, "_INBOX_evaluation.>", "subscription to")


@pytest.mark.usefixtures("provisioned")
class TestServiceConsumers:
    async def test_appeals_creates_pulls_and_acks_its_own_consumer_on_assignment(self, connect: Connect) -> None:
        owner, _ = await connect("assignment")
        await owner.jetstream().publish("jz.assignment.evt.enterprise.e1.ChiefAssigned", b"{}")
        copy = partitioned_stream_name("assignment", EIGHT)
        stored = await copied(connect, copy, "jzp.assignment.*.enterprise.e1.ChiefAssigned")
        nc, errors = await connect("appeals")
        partition = partition_of(stored)
        projections = group("appeals", "assignment")
        config = consumer_config("appeals", projections, "assignment", 10, partition, partitions=EIGHT)
        js = nc.jetstream()

        await ensure_consumer(js, config, copy)
        sub = await js.pull_subscribe_bind(durable=str(config.durable_name), stream=copy)
        msgs = await sub.fetch(1, timeout=5)
        await msgs[0].ack_sync(timeout=5)

        assert msgs[0].subject == stored
        assert published_subject(msgs[0].subject) == "jz.assignment.evt.enterprise.e1.ChiefAssigned"
        assert (await js.consumer_info(copy, str(config.durable_name))).num_ack_pending == 0
        assert errors == []

    async def test_appeals_cannot_create_a_consumer_of_patrols(self, connect: Connect) -> None:
        nc, errors = await connect("appeals")
        config = consumer_config("patrols", group("patrols", "assignment"), "assignment", 10, 0, partitions=EIGHT)
        copy = partitioned_stream_name("assignment", EIGHT)
        subject = f"$JS.API.CONSUMER.DURABLE.CREATE.{copy}.{config.durable_name}"

        with pytest.raises(nats.errors.TimeoutError):
            await nc.jetstream().add_consumer(copy, config, timeout=0.5)

        assert await violation(errors, subject)


async def copied(connect: Connect, copy: str, subject: str) -> str:
    """The subject under which the partitioned copy stores a message, once the server has copied it."""
    ops, _ = await connect("ops")
    for _ in range(100):
        try:
            return str((await ops.jetstream().get_last_msg(copy, subject)).subject)
        except NotFoundError:
            await asyncio.sleep(0.05)
    raise AssertionError(f"{copy} never held {subject}")


@pytest.mark.usefixtures("provisioned")
class TestExternalSubscriber:
    async def test_cannot_publish_events(self, connect: Connect) -> None:
        nc, errors = await connect("external")
        before = await stream_messages(connect, "JZ_ASSIGNMENT")

        await nc.publish("jz.assignment.evt.x.1.Y", b"{}")
        await nc.flush()

        assert await violation(errors, "jz.assignment.evt.x.1.Y")
        assert await stream_messages(connect, "JZ_ASSIGNMENT") == before

    async def test_reads_events_through_a_durable_consumer_of_its_own(self, connect: Connect) -> None:
        owner, _ = await connect("appeals")
        await owner.jetstream().publish("jz.appeals.evt.appeal.a1.AppealRaised", b"{}")
        nc, errors = await connect("external")
        js = nc.jetstream()

        await js.add_consumer("JZ_APPEALS", ConsumerConfig(durable_name="city_portal", ack_policy=AckPolicy.EXPLICIT))
        sub = await js.pull_subscribe_bind(durable="city_portal", stream="JZ_APPEALS")
        msgs = await sub.fetch(1, timeout=5)
        await msgs[0].ack_sync(timeout=5)

        assert msgs[0].subject == "jz.appeals.evt.appeal.a1.AppealRaised"
        assert errors == []

    async def test_cannot_pull_from_a_services_consumer(self, connect: Connect) -> None:
        nc, errors = await connect("external")
        durable = "evaluation__all__appeals__p0"
        subject = f"$JS.API.CONSUMER.MSG.NEXT.JZ_APPEALS_P8.{durable}"

        await nc.publish(subject, b'{"batch":1}', reply=nc.new_inbox())
        await nc.flush()

        assert await violation(errors, subject)

    async def test_cannot_forge_an_ack_for_a_services_consumer(self, connect: Connect) -> None:
        nc, errors = await connect("external")
        subject = "$JS.ACK.JZ_APPEALS_P8.evaluation__all__appeals__p0.1.1.1.1700000000000000000.0"

        await nc.publish(subject, b"+ACK")
        await nc.flush()

        assert await violation(errors, subject)
