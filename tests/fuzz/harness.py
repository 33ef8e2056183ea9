"""Schemathesis' cases for one app, sent through httpx to the app running in the test's own event loop.

Hypothesis drives generation synchronously, so it runs in a worker thread; every request it makes is
handed back to the event loop that runs the app (its asyncpg pool and NATS connection live there)
and the thread waits for the answer. Failures are collected, not raised, so one run reports every
operation that misbehaves instead of stopping (and shrinking) at the first.
"""

import asyncio
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, Case, GenerationMode
from schemathesis.checks import CheckFunction, not_a_server_error
from schemathesis.errors import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

BASE_URL = "http://service"
CHECKS: list[CheckFunction] = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
SEND_TIMEOUT = 30.0
_PATH_PARAMETER = re.compile(r"\{(\w+)\}")
_REQUEST_ARGS = ("method", "url", "headers", "params", "cookies", "json", "data")


@dataclass(frozen=True)
class Finding:
    operation: str
    mode: str
    problem: str
    request: str
    status: int | None


@dataclass
class Report:
    findings: dict[tuple[str, str], Finding] = field(default_factory=dict)
    """The first example of each (operation, problem kind): enough to reproduce, short enough to read."""
    sent: int = 0
    unsatisfiable: list[str] = field(default_factory=list)
    statuses: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))

    def add(self, finding: Finding) -> None:
        kind = finding.problem.splitlines()[0][:80] if finding.problem else "?"
        self.findings.setdefault((finding.operation, kind), finding)

    def render(self) -> str:
        parts = [
            f"{f.operation} [{f.mode}] -> {f.status}\n  {f.problem.strip()[:1500]}\n  request: {f.request[:600]}"
            for f in self.findings.values()
        ]
        return f"{len(self.findings)} problem(s) in {self.sent} requests:\n\n" + "\n\n".join(parts)


ResponseCheck = Callable[[Case, httpx.Response], str | None]
"""Our own checks beyond schemathesis': return what is wrong, or None."""


@dataclass
class Fuzzer:
    client: httpx.AsyncClient
    loop: asyncio.AbstractEventLoop
    headers: dict[str, str]
    extra_checks: tuple[ResponseCheck, ...] = ()
    max_examples: int = 10
    known: dict[str, str] = field(default_factory=dict)
    """Path parameter values naming things that exist (seeded first): half the cases use them, so the
    fuzzer reaches past "404 not found" into the handlers and the domain."""
    report: Report = field(default_factory=Report)

    def run(self, operations: Iterable[APIOperation], modes: Iterable[GenerationMode]) -> Report:
        """Blocking: call it from a worker thread, never from the loop that runs the app."""
        for operation in operations:
            for mode in modes:
                self._fuzz(operation, mode)
        return self.report

    def _fuzz(self, operation: APIOperation, mode: GenerationMode) -> None:
        @settings(
            max_examples=self.max_examples,
            deadline=None,
            derandomize=True,  # the same cases on every run: CI is reproducible
            database=None,
            phases=[Phase.explicit, Phase.generate],  # we collect failures ourselves; nothing to shrink
            suppress_health_check=list(HealthCheck),
            print_blob=False,
        )
        @given(case=self._cases(operation, mode))
        def one(case: Case) -> None:
            self.check(case, mode)

        try:
            one()
        except Unsatisfiable:  # e.g. negative mode on an operation with no input to break: nothing to send
            self.report.unsatisfiable.append(f"{operation.label} [{mode.value}]")

    def _cases(self, operation: APIOperation, mode: GenerationMode) -> st.SearchStrategy[Case]:
        anything = operation.as_strategy(generation_mode=mode)
        existing = {name: self.known[name] for name in _PATH_PARAMETER.findall(operation.path) if name in self.known}
        if not existing:
            return anything
        return st.one_of(operation.as_strategy(generation_mode=mode, path_parameters=existing), anything)

    def check(self, case: Case, mode: GenerationMode) -> None:
        request = prepared(case, self.headers)
        if request is None:
            return  # not sendable over HTTP at all (e.g. a header httpx cannot encode)
        label = case.operation.label
        self.report.sent += 1
        try:
            response = self.send(request)
        except Exception as exc:  # the app raised: a 500 for any real client
            self.report.add(Finding(label, mode.value, f"server error: {exc!r}", describe(request), 500))
            return
        self.report.statuses[label][response.status_code] += 1
        problems: list[str] = []
        try:
            case.validate_response(response, checks=CHECKS, headers=dict(request.headers))
        except FailureGroup as group:
            problems.extend(f"{failure.title}: {failure.message}" for failure in group.exceptions)
        except AssertionError as exc:
            problems.append(str(exc))
        problems.extend(p for p in (check(case, response) for check in self.extra_checks) if p)
        for problem in problems:
            self.report.add(Finding(label, mode.value, problem, describe(request), response.status_code))

    def send(self, request: requests.PreparedRequest) -> httpx.Response:
        assert request.method is not None
        assert request.url is not None
        body = request.body.encode() if isinstance(request.body, str) else request.body
        call = self.client.request(request.method, request.url, headers=dict(request.headers), content=body)
        return asyncio.run_coroutine_threadsafe(call, self.loop).result(SEND_TIMEOUT)


def prepared(case: Case, headers: dict[str, str]) -> requests.PreparedRequest | None:
    """What schemathesis would put on the wire for `case`, with our token (as `requests` encodes it)."""
    kwargs = case.as_transport_kwargs(base_url=BASE_URL, headers=headers)
    try:
        request = requests.Request(**{k: v for k, v in kwargs.items() if k in _REQUEST_ARGS}).prepare()
        httpx.Headers(dict(request.headers)).raw  # noqa: B018  # httpx must be able to encode them
    except (ValueError, UnicodeError, requests.exceptions.RequestException):
        return None
    return request


def describe(request: requests.PreparedRequest) -> str:
    body = request.body.decode(errors="replace") if isinstance(request.body, bytes) else request.body
    return f"{request.method} {request.url} {body or ''}".strip()


def load_schema(document: dict[str, Any]) -> schemathesis.BaseSchema:
    """The app's own OpenAPI document; we send the token ourselves, so schemathesis generates no security
    parameters (the missing-token case is its own test, on every operation)."""
    config = schemathesis.Config.from_dict({"generation": {"with-security-parameters": False}})
    return schemathesis.openapi.from_dict(document, config=config)


def operations(schema: schemathesis.BaseSchema, skip: Callable[[APIOperation], bool]) -> list[APIOperation]:
    found = [result.ok() for result in schema.get_all_operations()]
    return [op for op in found if not skip(op)]


def georeport_error(response: httpx.Response) -> str | None:
    """Open311 GeoReport v2 answers its errors as `[{code, description}]` (its spec), not as problems."""
    try:
        body: Any = response.json()
    except json.JSONDecodeError:
        return f"GeoReport error is not JSON: {response.text[:200]!r}"
    fine = (
        isinstance(body, list)
        and body
        and all(
            isinstance(e, dict) and e.get("code") == response.status_code and str(e.get("description", "")).strip()
            for e in body
        )
    )
    return None if fine else f"GeoReport error is not [{{code, description}}]: {body!r:.300}"


def problem_shape(case: Case, response: httpx.Response) -> str | None:
    """Every 4xx is an RFC 9457 problem naming the problem: `application/problem+json` with its status,
    a type and title, a non-empty `detail`; a 422 also names the field."""
    if not 400 <= response.status_code < 500:
        return None
    if case.path.startswith("/open311/"):
        return georeport_error(response)
    if response.headers.get("content-type") != "application/problem+json":
        return f"4xx is not application/problem+json: {response.headers.get('content-type')!r}"
    try:
        body: Any = response.json()
    except json.JSONDecodeError:
        return f"4xx body is not JSON: {response.text[:200]!r}"
    if not isinstance(body, dict) or not isinstance(body.get("detail"), str) or not body["detail"].strip():
        return f"4xx body has no `detail` naming the problem: {body!r:.300}"
    if body.get("status") != response.status_code or not body.get("type") or not body.get("title"):
        return f"4xx problem without its status, type or title: {body!r:.300}"
    if response.status_code == 422 and not body.get("field"):
        return f"422 names no field: {body!r:.300}"
    return None
