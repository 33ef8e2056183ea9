"""An enterprise applied while the service waited to catch up counts: the directory is read again
after `caught_up` says so, never refused on what was read before (a 422 for an enterprise registered
a moment earlier stopped `up --demo` in January)."""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import cast

import pytest

from jingzhang.notifications.domain.channels import RegisterGroupWebhook
from jingzhang.notifications.handlers import Deps, register_webhook
from jingzhang.notifications.projections.directory import PostgresDirectory
from jingzhang.shared.clock import FixedClock
from jingzhang.shared.envelope import Metadata
from jingzhang.shared.errors import UnknownSubject
from jingzhang.shared.store.memory import InMemoryEventStore

NOW = datetime(2025, 1, 6, 9, tzinfo=UTC)


@dataclass
class Arriving:
    """A directory that learns the enterprise while `caught_up` waits (or never, if it does not arrive)."""

    arrives: bool
    waited: list[str] = field(default_factory=list)

    async def caught_up(self, producer: str) -> bool:
        self.waited.append(producer)
        return True

    async def enterprise_known(self, enterprise_id: str) -> bool:
        return self.arrives and bool(self.waited)


def deps(directory: Arriving) -> Deps:
    return Deps(InMemoryEventStore("notifications"), FixedClock(NOW), cast(PostgresDirectory, directory))


META = Metadata(actor="bureau", correlation_id=uuid.UUID("5f0c1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f"))


async def test_an_enterprise_applied_while_waiting_is_registered() -> None:
    directory = Arriving(arrives=True)

    decided = await register_webhook(deps(directory), RegisterGroupWebhook("ent-024", "https://q.invalid/x", "b"), META)

    assert directory.waited == ["assignment"]
    assert decided.events  # registered, not refused


async def test_an_enterprise_nobody_registered_is_still_unknown() -> None:
    with pytest.raises(UnknownSubject):
        await register_webhook(
            deps(Arriving(arrives=False)), RegisterGroupWebhook("ent-x", "https://q.invalid/x", "b"), META
        )
