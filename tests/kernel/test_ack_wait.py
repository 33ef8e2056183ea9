"""The consumers' ack wait is a setting (CONSUMER_ACK_WAIT): how long a killed replica's unacknowledged
events wait before JetStream delivers them to the next owner. A deployed durable takes a changed one."""

import pytest
from nats.aio.client import Client as NATS
from pydantic import ValidationError

from jingzhang.shared.auth.revocations import revocations_projection
from jingzhang.shared.consumer import ACK_WAIT, ProjectionConsumer, consumer_config, ensure_consumer
from jingzhang.shared.settings import ServiceSettings
from jingzhang.shared.streams import consumed_stream


async def test_a_deployed_durable_takes_a_changed_ack_wait_and_keeps_its_filters(nc: NATS) -> None:
    js, projection = nc.jetstream(), revocations_projection()
    await ensure_consumer(js, consumer_config("kernel", projection, "assignment", 10, 1), consumed_stream("assignment"))
    durable = consumer_config("kernel", projection, "assignment", 10, 1).durable_name
    before = await js.consumer_info(consumed_stream("assignment"), str(durable))
    assert before.config.ack_wait == ACK_WAIT

    shorter = consumer_config("kernel", projection, "assignment", 10, 1, ack_wait=4.0)
    await ensure_consumer(js, shorter, consumed_stream("assignment"))

    after = await js.consumer_info(consumed_stream("assignment"), str(durable))
    assert after.config.ack_wait == 4.0
    assert after.config.filter_subjects == before.config.filter_subjects


def test_the_setting_reaches_every_consumer_and_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSUMER_ACK_WAIT", "7.5")
    settings = ServiceSettings()
    consumer = ProjectionConsumer(
        "kernel",
        revocations_projection(),
        None,
        None,
        "assignment",
        ack_wait=settings.consumer_ack_wait,  # type: ignore[arg-type]
    )
    assert consumer.config.ack_wait == 7.5
    for wrong in ("0", "0.5", "3601", "soon"):
        monkeypatch.setenv("CONSUMER_ACK_WAIT", wrong)
        with pytest.raises(ValidationError, match="consumer_ack_wait"):
            ServiceSettings()
