"""Every service's HTTP API fuzzed from its own OpenAPI document with schemathesis (issue 8, "Bad input").

How: each service runs in-process with its lifespan (real PostgreSQL, real nats-server, as in
`tests/apps.py`), and schemathesis builds its cases from `app.openapi()`. We do not let schemathesis
send them: its ASGI transport (Starlette's TestClient) would run the app on a loop of its own, away
from the pool and NATS connection the lifespan opened on the test's loop, and a uvicorn server in a
thread would need a second loop and a port for no gain. Instead hypothesis generates cases in a
worker thread and each request goes back to the test's loop through httpx's ASGI transport
(`tests/fuzz/harness.py`). Schemathesis then checks each response against the document.

What each response must satisfy:
- no 5xx (`not_a_server_error`);
- its status and body are documented (`status_code_conformance`, `content_type_conformance`,
  `response_schema_conformance`): every problem status is declared as `application/problem+json`
  with our Problem schema;
- a case schemathesis built to be invalid is refused with a 4xx (`negative_data_rejection`);
- every 4xx is an RFC 9457 problem whose `detail` names the problem, and a 422 names its `field`.
Left out: `positive_data_acceptance` (valid-looking ids of things that do not exist rightly get 404,
commands against the wrong state 409) and the checks that send requests of their own
(`ignored_auth`, `use_after_free`, ...): the token is proved separately below, on every operation.

Then every integer field of every command body gets numbers no reader of our events could hold
(2^31, 2^63, 10^400, ...: `tests/fuzz/oversized.py`), each a 422 naming the field.

After the run, nothing is half-written: every stream's versions run 1..n, the relay published
exactly the events PostgreSQL holds (each once), every consumer acked them and none was parked.

Cases are sent as the bureau (the widest surface); schemathesis generates no security parameters,
and a second test proves that a case without a token is a 401 on every operation. Where a service's
sample world is cheap to build (assignment's staffed enterprise), half the cases name things that
exist, so they reach the handlers and the domain instead of stopping at 404.

Bounds: a few cases per operation and mode (`JZ_FUZZ_EXAMPLES` to explore deeper), derandomized (the
same cases on every run), no deadline.
"""

import asyncio
import importlib
import os
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from nats.aio.client import Client as NATS
from schemathesis import APIOperation, Case, GenerationMode

from jingzhang.shared.clock import FixedClock
from jingzhang.shared.runtime import Runtime
from tests.apps import running
from tests.assignment.e2e.scenario import staffed
from tests.assignment.unit.samples import ENTERPRISE_ID, SPARE_STATION_OFFICER
from tests.auth import BUREAU
from tests.conftest import ServiceEnv
from tests.fuzz import invariants, oversized
from tests.fuzz.harness import Fuzzer, georeport_error, load_schema, operations, problem_shape

# Schemathesis' negative mode draws from `random` inside its strategies; hypothesis seeds that module for
# every example (derandomized here), so the cases stay reproducible and the deprecation notice is noise.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Do not use the `random` module:hypothesis.errors.HypothesisDeprecationWarning"
)

SERVICES = ("assignment", "appeals", "patrols", "evaluation", "notifications")
NOW = datetime(2025, 3, 5, 2, tzinfo=UTC)
EXAMPLES = int(os.environ.get("JZ_FUZZ_EXAMPLES", "5"))
"""Per operation and mode. CI runs a few; `JZ_FUZZ_EXAMPLES=200` explores deeper (same seeds, more cases)."""
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


async def _staffed_enterprise(client: httpx.AsyncClient) -> dict[str, str]:
    """The assignment tests' sample world: officers enrolled, an enterprise registered and staffed."""
    await staffed(client)
    return {"enterprise_id": ENTERPRISE_ID, "officer_id": SPARE_STATION_OFFICER}


SEEDS: dict[str, Callable[[httpx.AsyncClient], Awaitable[dict[str, str]]]] = {"assignment": _staffed_enterprise}
"""What exists before a service is fuzzed, named by path parameter (the others start empty)."""


def _not_fuzzed(operation: APIOperation) -> bool:
    """Health routes take no input and answer for the servers, not for the request."""
    return operation.path.startswith("/health/")


async def _app(service_env: ServiceEnv, service: str) -> FastAPI:
    bootstrap = importlib.import_module(f"jingzhang.{service}.bootstrap")
    app: FastAPI = bootstrap.create_app(await service_env.settings(service), FixedClock(NOW))
    return app


@pytest.mark.e2e
@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.slow(seconds=20)
async def test_fuzzed_api_answers_every_case_and_writes_nothing_half(
    service: str, service_env: ServiceEnv, nc: NATS
) -> None:
    app = await _app(service_env, service)
    schema = load_schema(app.openapi())
    async with running(app) as client:
        known = await SEEDS[service](client) if service in SEEDS else {}
        fuzzer = Fuzzer(client, asyncio.get_running_loop(), BUREAU, (problem_shape,), EXAMPLES, known)
        report = await asyncio.to_thread(fuzzer.run, operations(schema, _not_fuzzed), MODES)
        assert not report.findings, report.render()
        assert report.sent > 0
        tried = await oversized.refusals(client, app.openapi())  # the numbers no reader could hold
        assert "expected_version" in tried, tried
        runtime: Runtime = app.state.runtime
        await invariants.settled(runtime)
        assert await invariants.version_gaps(runtime.pool) == []
        published = await invariants.published_event_ids(nc, service)
        assert [e for e, n in Counter(published).items() if n > 1] == [], "an event was published twice"
        assert set(published) == await invariants.stored_event_ids(runtime.pool)
        assert await invariants.parked(runtime) == []


@pytest.mark.e2e
@pytest.mark.parametrize("service", SERVICES)
async def test_every_operation_refuses_a_case_without_token(service: str, service_env: ServiceEnv, nc: NATS) -> None:
    app = await _app(service_env, service)
    schema = load_schema(app.openapi())

    def unauthenticated(case: Case, response: httpx.Response) -> str | None:
        if response.status_code != 401 or response.headers.get("www-authenticate") != 'Bearer realm="jingzhang"':
            return f"expected 401 with a bare Bearer challenge, got {response.status_code}: {response.text[:200]}"
        if case.path.startswith("/open311/"):  # GeoReport v2's own error shape
            return georeport_error(response)
        if response.headers.get("content-type") != "application/problem+json":
            return f"401 is not a problem: {response.headers.get('content-type')!r}"
        return None

    async with running(app, headers={}) as client:
        fuzzer = Fuzzer(client, asyncio.get_running_loop(), {}, (unauthenticated,), max_examples=1)
        report = await asyncio.to_thread(fuzzer.run, operations(schema, _not_fuzzed), (GenerationMode.POSITIVE,))
        assert not report.findings, report.render()
        assert set(report.statuses) == {op.label for op in operations(schema, _not_fuzzed)}
        command = next(op for op in operations(schema, _not_fuzzed) if op.method.upper() == "POST")
        path = command.path.replace("{", "").replace("}", "")  # any id: the guards answer before any lookup
        unstorable = {"json": {"note": "\x00"}}
        assert (await client.post(path, **unstorable)).status_code == 401  # no token: 401 before anything else
        refused = await client.post(path, headers=BUREAU, **unstorable)
        assert (refused.status_code, refused.json()["field"]) == (422, "note")
