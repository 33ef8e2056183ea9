"""Facts from evaluation's own events: chiefs' ratings and spot-check answers.

A spot-check answer is about the officer it names, or else about the enterprise's chiefs at the time
it was given; which officers those were is joined from `chief_terms` when the facts are loaded, never
here, so an answer applied before the assignment events that explain it ends up credited the same way.
"""

from collections.abc import Iterator

from jingzhang.evaluation.domain.events import ChiefRated, SpotCheckAnswerRecorded
from jingzhang.shared.envelope import Envelope
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.statements import Statement, sql

SQL = """
CREATE TABLE IF NOT EXISTS ratings (
    event_id       uuid PRIMARY KEY,
    rating_id      text NOT NULL,
    enterprise_id  text NOT NULL,
    officer_id     text NOT NULL,
    tier           text NOT NULL,
    period         text NOT NULL,
    level          integer NOT NULL,
    recorded_at    timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS spot_check_answers (
    event_id       uuid PRIMARY KEY,
    spot_check_id  text NOT NULL,
    enterprise_id  text NOT NULL,
    satisfied      boolean NOT NULL,
    level          integer NOT NULL,
    answered_at    timestamptz NOT NULL,
    recorded_at    timestamptz NOT NULL,
    officer_id     text  -- the chief the answer is about; NULL: the enterprise's chiefs at the time
);
"""


def plan(env: Envelope, payload: DomainEvent) -> Iterator[Statement]:
    match payload:
        case ChiefRated():
            yield sql(
                "INSERT INTO ratings VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (event_id) DO NOTHING",
                env.event_id,
                payload.rating_id,
                payload.enterprise_id,
                payload.officer_id,
                payload.tier.value,
                payload.period,
                payload.level,
                env.recorded_at,
            )
        case SpotCheckAnswerRecorded():
            yield sql(
                "INSERT INTO spot_check_answers VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                " ON CONFLICT (event_id) DO NOTHING",
                env.event_id,
                payload.spot_check_id,
                payload.enterprise_id,
                payload.satisfied,
                payload.level,
                payload.answered_at,
                env.recorded_at,
                payload.officer_id,
            )
        case _:
            return
