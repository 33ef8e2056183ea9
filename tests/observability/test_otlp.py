"""Traces leave the process (issue 19): with `OTEL_TRACES_EXPORTER=otlp` and the standard endpoint
variable, one command yields one trace across services at a local OTLP/HTTP receiver, and a caller's
`traceparent` is honoured: the command joins the caller's trace as a child of the caller's span."""

import uuid
from collections.abc import Iterator

import pytest
from nats.aio.client import Client as NATS

from jingzhang.appeals.bootstrap import create_app as create_appeals
from jingzhang.assignment.bootstrap import create_app as create_assignment

from ..apps import running
from ..assignment.unit.samples import REGISTER
from ..conftest import ServiceEnv
from ..kernel.helpers import eventually
from .otlp_receiver import OtlpReceiver

CALLER_TRACE = 0x4BF92F3577B34DA6A3CE929D0E0E4736
CALLER_SPAN = 0x00F067AA0BA902B7
SERVER, CONSUMER = 2, 5  # OTLP span kinds


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[OtlpReceiver]:
    started = OtlpReceiver().start()
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "otlp")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", started.endpoint)
    monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "100")  # milliseconds: export soon
    yield started
    started.stop()


async def test_one_command_one_trace_across_services_joining_the_callers(
    receiver: OtlpReceiver, service_env: ServiceEnv, nc: NATS
) -> None:
    assignment = create_assignment(await service_env.settings("assignment"))
    appeals = create_appeals(await service_env.settings("appeals"))
    traceparent = f"00-{CALLER_TRACE:032x}-{CALLER_SPAN:016x}-01"
    async with running(appeals), running(assignment) as client:
        answer = await client.post(
            "/enterprises", json=REGISTER.model_dump(mode="json"), headers={"traceparent": traceparent}
        )
        assert answer.status_code == 201, answer.text
        assert answer.headers["x-correlation-id"] == str(uuid.UUID(int=CALLER_TRACE))

        def in_trace(service: str, kind: int) -> list[str]:
            return [
                s.name for s in receiver.spans if s.trace_id == CALLER_TRACE and s.service == service and s.kind == kind
            ]

        async def exported() -> bool:
            return bool(in_trace("jingzhang-appeals", CONSUMER)) and bool(in_trace("jingzhang-assignment", SERVER))

        await eventually(exported, timeout=20)
    server = next(s for s in receiver.spans if s.kind == SERVER and s.name == "POST /enterprises")
    assert (server.trace_id, server.parent_span_id) == (CALLER_TRACE, CALLER_SPAN)
    assert {s.service for s in receiver.spans if s.trace_id == CALLER_TRACE} == {
        "jingzhang-assignment",
        "jingzhang-appeals",
    }
    assert {"apply chiefs", "apply access"} <= set(in_trace("jingzhang-appeals", CONSUMER))
