"""deploy/nats run for real, for the watermarks (shared/watermark.py): a service publishes its own relay's
watermark only, hears those of the services it reads and looks at their partitioned copies; nobody can
forge another service's watermark (a forged one could make a service call someone who exists nobody).
And the relay's copy watch (shared/copy_watch.py) may do its job under these permissions."""

import asyncio
import contextlib
from collections.abc import AsyncIterator

import nats
import pytest
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg

from jingzhang.app.services import SERVICES
from jingzhang.shared.copy_watch import CopyWatch
from jingzhang.shared.runtime import inbox_prefix
from jingzhang.shared.streams import partitioned_stream_name, provision
from jingzhang.shared.watermark import Watermark, copied_through, watermark_subject
from tests.deploy.conftest import EIGHT, DeployedNats, password_of

pytestmark = pytest.mark.e2e


async def connect(deployed: DeployedNats, user: str, errors: list[str]) -> NATS:
    async def collect(exc: Exception) -> None:
        errors.append(str(exc).lower())

    host = deployed.url.removeprefix("nats://")
    prefix = "_INBOX" if user == "ops" else inbox_prefix(user)
    url = f"nats://{user}:{password_of(user)}@{host}"
    return await nats.connect(url, error_cb=collect, max_reconnect_attempts=0, inbox_prefix=prefix)


async def heard_watermark(producer: NATS, listener: NATS, service: str, mark: Watermark, errors: list[str]) -> bool:
    """`listener` hears `mark` published by `producer` on `service`'s watermark subject."""
    heard: asyncio.Queue[Msg] = asyncio.Queue()
    await listener.subscribe(watermark_subject(service), cb=heard.put)
    await listener.flush()
    for _ in range(50):  # as a relay does, every 200 ms: one lost on a loaded host is followed by the next
        await producer.publish(watermark_subject(service), mark.encode())
        await producer.flush()
        with contextlib.suppress(TimeoutError):
            got = await asyncio.wait_for(heard.get(), 0.2)
            return Watermark.decode(got.data) == mark
    raise AssertionError(f"no watermark of {service} heard in 10 s; errors: {errors}")


@pytest.fixture
async def users(partitioned_nats: DeployedNats) -> AsyncIterator[dict[str, tuple[NATS, list[str]]]]:
    opened: dict[str, tuple[NATS, list[str]]] = {}
    for user in ("ops", "assignment", "appeals"):
        errors: list[str] = []
        opened[user] = (await connect(partitioned_nats, user, errors), errors)
    await provision(opened["ops"][0].jetstream(), SERVICES, partitions=EIGHT)
    yield opened
    for nc, _ in opened.values():
        await nc.close()


async def test_a_service_hears_its_producers_watermark_and_reads_its_copy(
    users: dict[str, tuple[NATS, list[str]]],
) -> None:
    (assignment, _), (appeals, errors) = users["assignment"], users["appeals"]
    assert await heard_watermark(assignment, appeals, "assignment", Watermark(1.0, 0), errors)
    assert await copied_through(appeals.jetstream(timeout=5), partitioned_stream_name("assignment", EIGHT)) == 0
    assert errors == []


async def test_nobody_forges_another_services_watermark(users: dict[str, tuple[NATS, list[str]]]) -> None:
    (assignment, _), (appeals, errors) = users["assignment"], users["appeals"]
    heard: asyncio.Queue[Msg] = asyncio.Queue()
    await assignment.subscribe(watermark_subject("assignment"), cb=heard.put)
    await assignment.flush()

    await appeals.publish(watermark_subject("assignment"), Watermark(9e9, 0).encode())
    await appeals.flush()

    for _ in range(50):
        if any(f'permissions violation for publish to "{watermark_subject("assignment")}"' in e for e in errors):
            break
        await asyncio.sleep(0.02)
    else:
        raise AssertionError(f"no violation reported: {errors}")
    await asyncio.sleep(0.2)
    assert heard.empty()


async def test_a_relays_copy_watch_may_look_at_its_copy_and_step_its_leader_down(
    users: dict[str, tuple[NATS, list[str]]],
) -> None:
    assignment, errors = users["assignment"]
    watch = CopyWatch(assignment, "assignment", partitions=EIGHT)

    seen = await watch.sight()
    reply = await assignment.request(
        f"$JS.API.STREAM.LEADER.STEPDOWN.{partitioned_stream_name('assignment', EIGHT)}", b"", timeout=5
    )

    assert (seen.origin_last_seq, seen.replicated) == (0, False)
    assert reply.data  # JetStream answered (one server: nobody to hand over to), no permissions violation
    assert errors == []
