"""Facts from the patrols service: duties (owed visits), visits, countable activities, forum appeals.

What counts as what (the figure table and the scorecards read `activities` by kind):
- a joint patrol (警企联动联巡) counts its `person_times`; other visits only fulfil duties;
- a hazard counts once, when rectified; a case only if it is illegal obstruction of construction;
- a dispute at the top risk level (could become a major risk) counts also as a major risk defused, and
  a case that recovered an enterprise's losses counts its yuan as losses recovered, whatever its kind;
- legal and four-preventions trainings are both the report's "legal trainings" (法务咨询、四防);
  chief trainings (恒口公安大讲堂) are counted for the officers who attended;
- a forum counts once, and each appeal collected there is linked by the appeal id it is raised under.
Dates without a time mean the start of that day in bureau time.

Its events are read through `upstream.patrols`, evaluation's tolerant reader of them.
"""

from collections.abc import Iterator
from datetime import date, datetime

from jingzhang.evaluation.domain.period import BUREAU_TZ
from jingzhang.evaluation.domain.vocabulary import ActivityKind
from jingzhang.evaluation.upstream.patrols import (
    MAJOR_RISK,
    CaseHandled,
    CaseKind,
    DisputeMediated,
    DutyFulfilled,
    DutyOverdue,
    DutyReassigned,
    DutyScheduled,
    ForumHeld,
    HazardRectified,
    LeafletsDistributed,
    PatrolCompleted,
    ServiceOnBehalfHandled,
    TrainingHeld,
    TrainingKind,
    VisitKind,
)
from jingzhang.shared.envelope import Envelope
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.statements import Statement, sql

SQL = """
CREATE TABLE IF NOT EXISTS duties (
    duty_id        text PRIMARY KEY,
    event_id       uuid NOT NULL,
    enterprise_id  text NOT NULL,
    officer_id     text,
    due_at         timestamptz NOT NULL,
    visit_id       text,
    fulfilled_at   timestamptz,
    on_time        boolean,
    overdue_at     timestamptz,
    recorded_at    timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS visits (
    visit_id       text PRIMARY KEY,
    event_id       uuid NOT NULL,
    enterprise_id  text NOT NULL,
    kind           text NOT NULL,
    started_at     timestamptz NOT NULL,
    recorded_at    timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS activities (
    event_id       uuid NOT NULL,
    kind           text NOT NULL,
    officer_ids    text[] NOT NULL,
    at             timestamptz NOT NULL,
    count          integer NOT NULL,
    enterprise_id  text,
    recorded_at    timestamptz NOT NULL,
    PRIMARY KEY (event_id, kind)
);
CREATE TABLE IF NOT EXISTS forum_appeals (
    appeal_id      text PRIMARY KEY,
    forum_id       text NOT NULL,
    event_id       uuid NOT NULL,
    recorded_at    timestamptz NOT NULL
);
"""

_TRAININGS = {
    TrainingKind.LEGAL: ActivityKind.LEGAL_TRAINING,
    TrainingKind.FOUR_PREVENTIONS: ActivityKind.LEGAL_TRAINING,
    TrainingKind.CHIEF_TRAINING: ActivityKind.CHIEF_TRAINING,
}


def plan(env: Envelope, payload: DomainEvent) -> Iterator[Statement]:
    match payload:
        case DutyScheduled() | DutyFulfilled() | DutyOverdue() | DutyReassigned():
            yield from _duty(env, payload)
        case PatrolCompleted():
            yield from _visit(env, payload)
        case HazardRectified(officer_ids=officers, rectified_on=day, enterprise_id=enterprise_id):
            yield from activity(env, ActivityKind.HAZARD_RECTIFIED, officers, _start_of(day), 1, enterprise_id)
        case DisputeMediated() | ServiceOnBehalfHandled() | CaseHandled() | TrainingHeld() | LeafletsDistributed():
            at = _start_of(payload.occurred_on)
            for kind, count in _counted(payload):
                yield from activity(env, kind, payload.officer_ids, at, count, payload.enterprise_id)
        case ForumHeld():
            yield from _forum(env, payload)
        case _:
            return


def _counted(event: DomainEvent) -> list[tuple[ActivityKind, int]]:
    """What one activity counts as, with its count: its kind, and a major-risk dispute defused or the losses
    a case recovered besides (issue 14); a case of another kind than obstruction counts only its losses."""
    kind = _kind(event)
    counted = [] if kind is None else [(kind, event.count if isinstance(event, LeafletsDistributed) else 1)]
    match event:
        case DisputeMediated(risk_level=risk) if risk == MAJOR_RISK:
            counted.append((ActivityKind.MAJOR_RISK_DEFUSED, 1))
        case CaseHandled(losses_recovered_yuan=yuan) if yuan:
            counted.append((ActivityKind.LOSSES_RECOVERED, yuan))
        case _:
            pass
    return counted


def _kind(event: DomainEvent) -> ActivityKind | None:
    match event:
        case DisputeMediated():
            return ActivityKind.DISPUTE_MEDIATED
        case ServiceOnBehalfHandled():
            return ActivityKind.SERVICE_ON_BEHALF
        case CaseHandled(kind=kind):
            return ActivityKind.OBSTRUCTION_CASE if kind is CaseKind.ILLEGAL_OBSTRUCTION_OF_CONSTRUCTION else None
        case TrainingHeld(kind=kind):
            return _TRAININGS[kind]
        case LeafletsDistributed():
            return ActivityKind.LEAFLETS
        case _:
            return None


def _duty(env: Envelope, event: DomainEvent) -> Iterator[Statement]:
    match event:
        case DutyScheduled():
            yield sql(
                "INSERT INTO duties (duty_id, event_id, enterprise_id, officer_id, due_at, recorded_at)"
                " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (duty_id) DO NOTHING",
                event.duty_id,
                env.event_id,
                event.enterprise_id,
                event.assignee_officer_id,
                event.due_at,
                env.recorded_at,
            )
        case DutyFulfilled(duty_id=duty_id, visit_id=visit_id, on_time=on_time):
            yield sql(
                "UPDATE duties SET visit_id = $2, fulfilled_at = $3, on_time = $4 WHERE duty_id = $1",
                duty_id,
                visit_id,
                env.occurred_at,
                on_time,
            )
        case DutyOverdue(duty_id=duty_id, assignee_officer_id=officer_id):
            # The miss stays with whoever answered for the duty when it fell due.
            yield sql(
                "UPDATE duties SET officer_id = coalesce($2, officer_id), overdue_at = $3 WHERE duty_id = $1",
                duty_id,
                officer_id,
                env.occurred_at,
            )
        case DutyReassigned(duty_id=duty_id, to_officer_id=officer_id):
            yield sql(
                "UPDATE duties SET officer_id = $2 WHERE duty_id = $1 AND overdue_at IS NULL", duty_id, officer_id
            )
        case _:
            return


def _visit(env: Envelope, event: PatrolCompleted) -> Iterator[Statement]:
    yield sql(
        "INSERT INTO visits VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (visit_id) DO NOTHING",
        event.visit_id,
        env.event_id,
        event.enterprise_id,
        event.kind.value,
        event.started_at,
        env.recorded_at,
    )
    if event.kind is VisitKind.JOINT_PATROL:
        where = event.enterprise_id
        yield from activity(env, ActivityKind.PATROL, event.officer_ids, event.started_at, event.person_times, where)


def _forum(env: Envelope, event: ForumHeld) -> Iterator[Statement]:
    at = _start_of(event.occurred_on)
    yield from activity(env, ActivityKind.FORUM, event.officer_ids, at, 1, event.enterprise_id)
    for collected in event.collected_appeals:
        yield sql(
            "INSERT INTO forum_appeals VALUES ($1, $2, $3, $4) ON CONFLICT (appeal_id) DO NOTHING",
            collected.appeal_id,
            event.activity_id,
            env.event_id,
            env.recorded_at,
        )


def activity(
    env: Envelope,
    kind: ActivityKind,
    officer_ids: tuple[str, ...],
    at: datetime,
    count: int,
    enterprise_id: str | None,
) -> Iterator[Statement]:
    yield sql(
        "INSERT INTO activities VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (event_id, kind) DO NOTHING",
        env.event_id,
        kind.value,
        sorted(officer_ids),
        at,
        count,
        enterprise_id,
        env.recorded_at,
    )


def _start_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=BUREAU_TZ)
