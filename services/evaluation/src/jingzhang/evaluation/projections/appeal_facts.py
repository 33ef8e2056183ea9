"""Facts from the appeals service: one row per appeal, filled as its own stream goes by.

The appeal is received (business time) at its `received_at`, from which its time limits run, or for
an appeal raised before appeals published receipts, at its recording (`raised_at`). `routed_at` is when
it first reached a chief (later than intake when the duty desk held it), which says which time limits
were still running for them.

Who gets the credit: whoever holds the appeal (routed, then escalated), and finally the officer the
callback names, which the appeals service records as the holder "for the scorecards". Deadlines:
`first_response_due` is fixed at intake; `due_at` starts at the time limit, moves with approved
extensions and an escalation's grace, stands still while a department works on a referral (the
appeals clock pauses), and restarts with a fresh time limit on reopening. A merged duplicate is
marked and left out of the scorecards: it lives on in the appeal it was merged into.

Its events are read through `upstream.appeals`, evaluation's tolerant reader of them.
"""

from collections.abc import Iterator
from datetime import datetime

from jingzhang.evaluation.domain.vocabulary import ActivityKind
from jingzhang.evaluation.projections import work_facts
from jingzhang.evaluation.upstream.appeals import (
    AppealAcknowledged,
    AppealClosedUnresolved,
    AppealEscalated,
    AppealMerged,
    AppealRaised,
    AppealReferred,
    AppealReopened,
    AppealResolved,
    AppealRouted,
    CallbackRecorded,
    DepartmentReportedBack,
    ExtensionApproved,
    RecurringProblemDetected,
    ReportOutcome,
)
from jingzhang.shared.envelope import Envelope
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.statements import Statement, sql

SQL = """
CREATE TABLE IF NOT EXISTS appeals (
    appeal_id           text PRIMARY KEY,
    event_id            uuid NOT NULL,
    enterprise_id       text NOT NULL,
    channel             text NOT NULL,
    raised_at           timestamptz NOT NULL,
    time_limit          interval NOT NULL,
    first_response_due  timestamptz NOT NULL,
    due_at              timestamptz NOT NULL,
    paused_since        timestamptz,
    officer_id          text,
    slot                text,
    routed_at           timestamptz,
    first_response_at   timestamptz,
    closed_at           timestamptz,
    rating_level        integer,
    rating_resolved     boolean,
    rating_at           timestamptz,
    reopened_at         timestamptz[] NOT NULL DEFAULT '{}',
    merged_into         text,
    recorded_at         timestamptz NOT NULL
);
"""


def plan(env: Envelope, payload: DomainEvent) -> Iterator[Statement]:
    appeal_id = env.stream.aggregate_id
    match payload:
        case RecurringProblemDetected(detected_at=at):  # counted like work, on the day it was found
            yield from work_facts.activity(env, ActivityKind.RECURRING_PROBLEM, (), at, 1, None)
        case AppealRaised():
            yield from _raise(env, payload)
        case AppealRouted(officer_id=officer_id, slot_acting=slot, routed_at=at):
            holder = "officer_id = $2, slot = $3, routed_at = coalesce(routed_at, $4)"
            yield from _set(appeal_id, holder, officer_id, slot, at)
        case AppealEscalated(officer_id=officer_id, slot_acting=slot, extra_time=grace):
            yield from _set(appeal_id, "officer_id = $2, slot = $3, due_at = due_at + $4", officer_id, slot, grace)
        case AppealAcknowledged(acknowledged_at=at) | AppealResolved(resolved_at=at) | AppealReferred(referred_at=at):
            yield from _set(appeal_id, "first_response_at = coalesce(first_response_at, $2)", at)
            yield from _after_response(appeal_id, payload, at)
        case DepartmentReportedBack(outcome=outcome, reported_at=at):
            yield from _resume(appeal_id, at)
            if outcome is ReportOutcome.DONE:
                yield from _set(appeal_id, "closed_at = $2", at)
        case AppealClosedUnresolved(closed_at=at):
            yield from _set(appeal_id, "closed_at = $2", at)
        case ExtensionApproved(extra=extra):
            yield from _set(appeal_id, "due_at = due_at + $2", extra)
        case CallbackRecorded():
            yield from _set(
                appeal_id,
                "officer_id = $2, rating_level = $3, rating_resolved = $4, rating_at = $5",
                payload.officer_id,
                payload.rating,
                payload.resolved,
                payload.recorded_at,
            )
        case AppealReopened(reopened_at=at):
            yield from _set(
                appeal_id,
                "closed_at = NULL, rating_level = NULL, rating_resolved = NULL, rating_at = NULL,"
                " due_at = $2::timestamptz + time_limit, reopened_at = reopened_at || $2::timestamptz",
                at,
            )
        case AppealMerged(into_appeal_id=into):
            yield from _set(appeal_id, "merged_into = $2", into)
        case _:
            return


def _raise(env: Envelope, event: AppealRaised) -> Iterator[Statement]:
    yield sql(
        "INSERT INTO appeals (appeal_id, event_id, enterprise_id, channel, raised_at, time_limit,"
        " first_response_due, due_at, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        " ON CONFLICT (appeal_id) DO NOTHING",
        env.stream.aggregate_id,
        env.event_id,
        event.enterprise_id,
        event.channel,
        event.received,
        event.time_limit,
        event.received + event.first_response_within,
        event.received + event.time_limit,
        env.recorded_at,
    )


def _after_response(appeal_id: str, event: DomainEvent, at: datetime) -> Iterator[Statement]:
    if isinstance(event, AppealResolved):
        yield from _set(appeal_id, "closed_at = $2", at)
    elif isinstance(event, AppealReferred):
        yield from _set(appeal_id, "paused_since = coalesce(paused_since, $2)", at)


def _resume(appeal_id: str, at: datetime) -> Iterator[Statement]:
    """The department reported back: the time it worked is added to our deadline."""
    yield from _set(
        appeal_id,
        "due_at = due_at + greatest($2 - paused_since, interval '0'), paused_since = NULL",
        at,
    )


def _set(appeal_id: str, assignments: str, *values: object) -> Iterator[Statement]:
    yield sql(f"UPDATE appeals SET {assignments} WHERE appeal_id = $1", appeal_id, *values)
