"""The chaos checker catches what it is there to catch: a lost, duplicated or half-written command, a 500,
a 503 without Retry-After, a hang outside a pause, an event missing from or doubled in JetStream.
No servers: journal entries and event rows made by hand."""

import uuid
from typing import Any

from tests.chaos.checker import Findings, _check_command, _exactly_once, check_answers, check_refusals
from tests.chaos.faults import Fault, Outcome
from tests.chaos.journal import TIMEOUT, Attempt, Command

ANSWER = {"id": "ent-1", "version": 2, "events": ["EnterpriseRegistered", "CoverageGapOpened"]}


def attempt(status: int | None, *, failure: str | None = None, at: float = 1.0, **extra: Any) -> Attempt:
    return Attempt(
        "assignment",
        "POST",
        "register_enterprise",
        at,
        at + 0.1,
        status=status,
        failure=failure,
        correlation_id=uuid.uuid4(),
        content_type="application/problem+json" if status and status >= 400 else "application/json",
        **extra,
    )


def command(*attempts: Attempt, answer: dict[str, Any] | None = ANSWER) -> Command:
    return Command("ent-1", "assignment", "register_enterprise", True, {}, list(attempts), answer)


def batch(correlation_id: uuid.UUID | None, first_version: int = 1, *, caused: bool = False) -> list[dict[str, Any]]:
    types = ["EnterpriseRegistered", "CoverageGapOpened"]
    return [
        {
            "correlation_id": correlation_id,
            "causation_id": uuid.uuid4() if caused else None,
            "aggregate_type": "enterprise",
            "aggregate_id": "ent-1",
            "version": first_version + n,
            "event_type": kind,
        }
        for n, kind in enumerate(types)
    ]


def problems(cmd: Command, recorded: dict[uuid.UUID, list[dict[str, Any]]]) -> dict[str, list[str]]:
    findings = Findings()
    _check_command(cmd, recorded, findings)  # type: ignore[arg-type]
    return {k: v for k, v in findings.problems.items() if v}


def test_an_acknowledged_command_recorded_once_as_answered_passes() -> None:
    ok = attempt(201)
    assert problems(command(ok), {ok.correlation_id: batch(ok.correlation_id)}) == {}  # type: ignore[dict-item]


def test_a_retry_answered_with_the_first_answer_passes() -> None:
    lost, retried = attempt(None, failure="broken"), attempt(201, at=2.0)
    recorded = {lost.correlation_id: batch(lost.correlation_id)}
    assert problems(command(lost, retried), recorded) == {}  # type: ignore[arg-type]


def test_an_acknowledged_command_with_nothing_recorded_is_lost() -> None:
    assert list(problems(command(attempt(201)), {})) == ["lost"]


def test_a_command_recorded_by_two_attempts_is_duplicated() -> None:
    first, second = attempt(None, failure="broken"), attempt(201, at=2.0)
    recorded = {
        first.correlation_id: batch(first.correlation_id),
        second.correlation_id: batch(second.correlation_id, 3),
    }
    assert list(problems(command(first, second), recorded)) == ["duplicated"]  # type: ignore[arg-type]


def test_a_reaction_under_the_same_correlation_is_not_the_command() -> None:
    ok = attempt(201)
    recorded = {ok.correlation_id: batch(ok.correlation_id) + batch(ok.correlation_id, 3, caused=True)}
    assert problems(command(ok), recorded) == {}  # type: ignore[dict-item]


def test_a_refused_attempt_that_wrote_is_found() -> None:
    refused = attempt(503, retry_after="2")
    found = problems(command(refused, answer=None), {refused.correlation_id: batch(refused.correlation_id)})  # type: ignore[dict-item]
    assert list(found) == ["refused attempt wrote"]


def test_a_commit_the_database_could_not_confirm_answered_by_the_retry_passes() -> None:
    """The postmaster stopped between committing and saying so: 503 `database_unavailable`, then the retry
    under the same id answers what the first attempt recorded (seed 507766)."""
    unconfirmed = attempt(503, retry_after="2", code="database_unavailable")
    retry = attempt(201, at=3.0)
    recorded = {unconfirmed.correlation_id: batch(unconfirmed.correlation_id)}
    assert problems(command(unconfirmed, retry), recorded) == {}  # type: ignore[arg-type]


def test_but_a_refusal_that_wrote_or_a_second_append_is_still_found() -> None:
    refused = attempt(409, code="rejected")
    retry = attempt(201, at=3.0)
    assert list(problems(command(refused, retry), {refused.correlation_id: batch(refused.correlation_id)})) == [  # type: ignore[arg-type]
        "refused attempt wrote"
    ]
    unconfirmed = attempt(503, retry_after="2", code="database_unavailable")
    again = attempt(201, at=3.0)
    twice = {
        unconfirmed.correlation_id: batch(unconfirmed.correlation_id),
        again.correlation_id: batch(again.correlation_id, 3),
    }
    assert list(problems(command(unconfirmed, again), twice)) == ["refused attempt wrote", "duplicated"]  # type: ignore[arg-type]


def test_an_answer_other_than_the_record_is_found() -> None:
    ok = attempt(201)
    found = problems(command(ok), {ok.correlation_id: batch(ok.correlation_id, 4)})  # type: ignore[dict-item]
    assert list(found) == ["recorded otherwise than answered"]


def test_answers_a_chaos_run_must_never_give() -> None:
    pause = Outcome(Fault("pause", "assignment", 8.0, 5.0), started=10.0, ended=18.0)
    attempts = [
        attempt(500),
        attempt(503),
        attempt(None, failure=TIMEOUT, at=30.0),
        attempt(None, failure=TIMEOUT, at=12.0),  # the service was paused: expected
        attempt(503, retry_after="2"),
        attempt(409),
    ]
    findings = Findings()
    check_answers(attempts, [pause], findings)
    found = {k: len(v) for k, v in findings.problems.items() if v}
    assert found == {"5xx other than 503": 1, "503 without Retry-After": 1, "hung past the client's bound": 1}


def test_jetstream_must_hold_every_event_exactly_once() -> None:
    a, b, c, stranger = (uuid.uuid4() for _ in range(4))
    stored = {e: {"aggregate_type": "enterprise", "aggregate_id": "ent-1", "version": 1} for e in (a, b, c)}
    findings = Findings()
    _exactly_once("JZ_ASSIGNMENT", stored, [a, a, b, stranger], findings)
    found = {k: len(v) for k, v in findings.problems.items() if v}
    assert found == {"duplicated in JetStream": 1, "in JetStream, not in the store": 1, "missing from JetStream": 1}


def test_calling_an_acknowledged_enterprise_unknown_is_found() -> None:
    registered = command(attempt(201, at=1.0))
    leaflets = Command(
        "le-1",
        "patrols",
        "distribute_leaflets",
        True,
        {"enterprise_id": "ent-1"},
        [attempt(422, code="unknown_enterprise", at=5.0)],
    )
    early = Command(
        "le-0",
        "patrols",
        "distribute_leaflets",
        True,
        {"enterprise_id": "ent-1"},
        [attempt(422, code="unknown_enterprise", at=0.5)],
    )
    findings = Findings()
    check_refusals([registered, leaflets, early], findings)
    assert [len(v) for v in findings.problems.values() if v] == [1]
