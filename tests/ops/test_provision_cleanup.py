"""`jingzhang provision` removes the durable consumers of earlier deployments, on a real nats-server:
`--dry-run` lists them and changes nothing; a real run removes them; every consumer the current code
declares stays, and so does a subscriber's own consumer on a service stream."""

import asyncio

import pytest
from nats.aio.client import Client as NATS
from nats.js.api import AckPolicy, ConsumerConfig
from typer.testing import CliRunner, Result

from jingzhang.app.cli import app
from jingzhang.app.cli.streams import declared_consumers
from jingzhang.app.services import app_factory
from jingzhang.shared.consumer import consumer_groups
from jingzhang.shared.durables import Durable
from jingzhang.shared.local.nats import NatsServer
from jingzhang.shared.partitions import PARTITIONS
from jingzhang.shared.streams import partitioned_stream_name, stream_name
from tests.conftest import EIGHT

runner = CliRunner()

STALE = [
    # a projection since renamed, on the service stream its consumers read (one partition, the default)
    Durable(stream_name("assignment"), "appeals__old_board__assignment"),
    # a consumer of the release before the consumer groups, one per projection
    Durable(stream_name("appeals"), "evaluation__audit__appeals"),
]
SUBSCRIBERS = Durable(stream_name("appeals"), "gov_feed")  # an outside subscriber's own: never ours to remove


async def consumers(nc: NATS, stream: str) -> set[str]:
    return {str(info.config.durable_name) for info in await nc.jetstream().consumers_info(stream)}


async def create(nc: NATS, durable: Durable) -> None:
    config = ConsumerConfig(durable_name=durable.name, ack_policy=AckPolicy.EXPLICIT)
    await nc.jetstream().add_consumer(durable.stream, config)


async def invoke(args: list[str], url: str) -> Result:
    return await asyncio.to_thread(runner.invoke, app, args, env={"NATS_URL": url})


def said(result: Result) -> str:
    return " ".join(result.output.split())


async def test_a_dry_run_lists_stale_consumers_a_run_removes_them_and_declared_ones_stay(
    nats_server: NatsServer, nc: NATS
) -> None:
    declared = sorted(declared_consumers(PARTITIONS))
    kept = [d for d in declared if d.name.startswith(("appeals__revocations__", "evaluation__"))][:12]
    for durable in [*kept, *STALE, SUBSCRIBERS]:
        await create(nc, durable)
    streams = {d.stream for d in [*kept, *STALE, SUBSCRIBERS]}
    before = {s: await consumers(nc, s) for s in streams}

    dry = await invoke(["provision", "--dry-run"], nats_server.url)

    assert dry.exit_code == 0, dry.output
    for durable in STALE:
        assert f"would remove stale consumer {durable} (no projection declares it)" in said(dry)
    assert "dry run: 2 stale consumers, nothing changed" in said(dry)
    assert {s: await consumers(nc, s) for s in streams} == before

    real = await invoke(["provision"], nats_server.url)

    assert real.exit_code == 0, real.output
    assert "updated JZ_APPEALS" in said(real)
    for durable in STALE:
        assert f"removed stale consumer {durable}" in said(real)
    after = {s: await consumers(nc, s) for s in streams}
    assert after == {s: names - {d.name for d in STALE if d.stream == s} for s, names in before.items()}
    assert {d.name for d in kept} <= set().union(*after.values())
    assert SUBSCRIBERS.name in after[SUBSCRIBERS.stream]

    again = await invoke(["provision", "--dry-run"], nats_server.url)
    assert "dry run: 0 stale consumers" in said(again)


@pytest.mark.parametrize(("partitions", "stream", "suffix"), [(1, "JZ_ASSIGNMENT", ""), (8, "JZ_ASSIGNMENT_P8", "__p")])
def test_the_declared_consumers_are_every_services_projections_the_kernels_included(
    partitions: int, stream: str, suffix: str
) -> None:
    """One partition (the default): one durable per service and source, on the source's service stream;
    eight: one per partition, on the source's partitioned copy."""
    declared = declared_consumers(partitions)

    for service in ("assignment", "appeals", "patrols", "evaluation", "notifications"):
        group = {d for d in declared if d.name.startswith(f"{service}__all__assignment{suffix}")}
        assert {d.stream for d in group} == {stream}
        assert len(group) == partitions
        fed = {p.name for p in consumer_groups(app_factory(service)().state.runtime.projections)["assignment"]}
        assert {"revocations", "access"} <= fed  # the kernel's projections read through the service's group


async def test_provisioning_the_default_after_eight_partitions_names_the_copies_and_removes_their_durables(
    nats_server: NatsServer, partitioned_nc: NATS
) -> None:
    """A deployment moving from 8 partitions to the default: `provision` (no count) keeps the copies for
    whoever deletes them and removes the durables on them, which nothing declares any more."""
    on_copies = sorted(declared_consumers(EIGHT))
    for durable in on_copies[:6]:
        await create(partitioned_nc, durable)

    moved = await invoke(["provision"], nats_server.url)

    assert moved.exit_code == 0, moved.output
    for service in ("assignment", "appeals"):
        assert f"unused {partitioned_stream_name(service, EIGHT)} (this deployment has 1 partition(s))" in said(moved)
    for durable in on_copies[:6]:
        assert f"removed stale consumer {durable}" in said(moved)
        assert durable.name not in await consumers(partitioned_nc, durable.stream)


def test_an_unreachable_server_exits_3() -> None:
    result = runner.invoke(app, ["provision", "--dry-run", "--nats-url", "nats://127.0.0.1:1"])

    assert result.exit_code == 3
