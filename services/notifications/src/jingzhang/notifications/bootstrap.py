"""The notifications service's composition root: settings, clock, projections, the dispatch reactor,
the channel adapters and the delivery worker, routes.

The delivery worker runs by the service's clock (quiet hours) and, through the kernel's ticker, once
more at each `PUT /clock` of the demo. Its HTTP client lives as long as the app."""

import asyncio
import logging
from collections.abc import Callable

import httpx
from fastapi import FastAPI

from jingzhang.notifications.api import ROUTERS
from jingzhang.notifications.channels.port import ChannelAdapter
from jingzhang.notifications.channels.sms import SmsGateway
from jingzhang.notifications.channels.wecom import WeComRobot
from jingzhang.notifications.domain.vocabulary import Channel
from jingzhang.notifications.events import SERVICE
from jingzhang.notifications.handlers import Deps
from jingzhang.notifications.metrics import notifications_metrics
from jingzhang.notifications.projections import directory, inbox
from jingzhang.notifications.projections.directory import PostgresDirectory
from jingzhang.notifications.projections.inbox import PostgresInbox
from jingzhang.notifications.reactors import dispatch
from jingzhang.notifications.settings import NotificationsSettings
from jingzhang.notifications.workers import Delivery, delivery_worker
from jingzhang.shared.auth.links import access_projection
from jingzhang.shared.clock import Clock, IdFactory, clock_for
from jingzhang.shared.privacy.keystore import KeyStore
from jingzhang.shared.runtime import Runtime
from jingzhang.shared.service import ServiceSpec, Worker, build_app
from jingzhang.shared.settings import ServiceSettings
from jingzhang.shared.wiring import provide

PROJECTIONS = (access_projection(), directory.PROJECTION, inbox.PROJECTION, dispatch.REACTOR)


def create_app(
    settings: ServiceSettings | None = None, clock: Clock | None = None, ids: IdFactory | None = None
) -> FastAPI:
    """`ids` is accepted as every root does; notification ids are derived from their causes, never drawn."""
    config = NotificationsSettings.of(settings)
    # httpx logs each request's URL at INFO: a robot's URL carries its key, which is never logged
    logging.getLogger("httpx").setLevel(logging.WARNING)
    clock = clock or clock_for(config.clock_start)
    client = httpx.AsyncClient(timeout=config.delivery_timeout)
    holder: list[Runtime] = []
    directory_reads = PostgresDirectory(lambda: holder[0].pool, lambda source: holder[0].caught_up(source))
    adapters = _adapters(config, directory_reads, lambda: _keys(holder[0]), client)
    delivery = Delivery(clock, config, adapters)
    app = build_app(
        ServiceSpec(
            name=SERVICE,
            title="jingzhang notifications",
            description="Tells the acting chief, the enterprise group and officers in time (WeCom, SMS, inbox)",
            settings=config,
            projections=(*PROJECTIONS[:-1], dispatch.reactor(config)),
            routers=ROUTERS,
            workers=[delivery_worker(delivery), _closes(client)],
            metrics=[notifications_metrics()],
            clock=clock,
        )
    )
    runtime: Runtime = app.state.runtime
    holder.append(runtime)
    provide(
        app,
        Deps(runtime.started_store(), clock, directory_reads),
        PostgresInbox(runtime.pool_of, config.console_url),
        delivery,
    )
    return app


def _keys(runtime: Runtime) -> KeyStore:
    assert runtime.keystore is not None, "the runtime opens its key store at start"
    return runtime.keystore


def _adapters(
    config: NotificationsSettings, reads: PostgresDirectory, keys: Callable[[], KeyStore], client: httpx.AsyncClient
) -> dict[Channel, ChannelAdapter]:
    return {
        Channel.WECOM: WeComRobot(reads, keys, client, config.robot_rate_window),
        Channel.SMS: SmsGateway(
            reads,
            keys,
            client,
            config.sms_gateway_url,
            config.sms_access_key_id,
            config.sms_access_key_secret.get_secret_value(),
            config.sms_sign_name,
        ),
    }


def _closes(client: httpx.AsyncClient) -> Worker:
    """Closes the channels' HTTP client when the service stops."""

    async def wait(runtime: Runtime, stop: asyncio.Event) -> None:
        await stop.wait()
        await client.aclose()

    return wait
