"""Typed route dependencies: the handlers' `Deps` and the read models' query objects, as provided by the root."""

from typing import Annotated

from fastapi import Depends

from jingzhang.notifications.handlers import Deps
from jingzhang.notifications.projections.inbox import PostgresInbox
from jingzhang.notifications.workers import Delivery
from jingzhang.shared.wiring import dependency

HandlerDeps = Annotated[Deps, Depends(dependency(Deps))]
Inbox = Annotated[PostgresInbox, Depends(dependency(PostgresInbox))]
Deliveries = Annotated[Delivery, Depends(dependency(Delivery))]
