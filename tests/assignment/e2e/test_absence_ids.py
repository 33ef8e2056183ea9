"""Feature: an absence declared without an id gets one from the service's id factory, and the answer names it."""

import uuid

from nats.aio.client import Client as NATS

from jingzhang.assignment.bootstrap import create_app
from jingzhang.assignment.domain.events import Slot
from jingzhang.shared.clock import FixedClock, sequential_ids
from tests.apps import running
from tests.conftest import ServiceEnv

from ..unit.samples import OFFICERS, PC, T0, day
from .scenario import enrol_officers, getter, ok, until

PC_A = OFFICERS[(PC, Slot.A)]
IDS = 7  # the prefix of this app's sequential ids


async def test_the_answer_and_the_officer_directory_name_the_id_the_service_gave(
    service_env: ServiceEnv, nc: NATS
) -> None:
    app = create_app(await service_env.settings("assignment"), FixedClock(T0), sequential_ids(IDS))
    async with running(app) as client:
        await enrol_officers(client)
        body = {"starts_at": day(1).isoformat(), "ends_at": day(2).isoformat(), "reason": "training"}

        answer = await ok(client.post(f"/officers/{PC_A}/absences", json=body), 201)

        first = uuid.UUID(int=(IDS << 64) | 1).hex
        assert answer == {"id": first, "version": 2, "events": ["AbsenceDeclared"]}
        officer = await until(getter(client, f"/officers/{PC_A}"), lambda o: bool(o and o["absences"]))
        assert [a["absence_id"] for a in officer["absences"]] == [first]
