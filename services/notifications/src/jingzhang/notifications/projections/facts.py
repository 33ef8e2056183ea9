"""The facts a consumer decides with, kept in its own schema: enterprises' names and station chiefs,
appeals' enterprise, category and time limit, duties' enterprise and due time, registered groups.

The dispatch reactor and the inbox projection each keep their own copy (`FACTS_SQL` in their schema)
and apply the same rules (`domain.rules`), so the inbox rebuilt by a replay holds the very
notifications the reactor decided, under the same ids, without the reactor running again. Hence every
instant a decision reads the facts at comes from the event decided (`told_at`), never from a clock:
a replay, days later, reads them as the reactor did. The chiefs are dated (`chief_terms`); the
reactor's copy of them is created beside its first tables (see there).
"""

from datetime import datetime

import asyncpg

from jingzhang.notifications.domain.channels import GroupWebhookRegistered
from jingzhang.notifications.domain.rules import AppealFacts, DutyFacts, Facts
from jingzhang.notifications.projections import chief_terms
from jingzhang.notifications.upstream import appeals, assignment, patrols
from jingzhang.shared.envelope import Envelope
from jingzhang.shared.events import DomainEvent

FACTS_SQL = (
    """
CREATE TABLE IF NOT EXISTS enterprises (enterprise_id text PRIMARY KEY, name text NOT NULL);
CREATE TABLE IF NOT EXISTS appeals (
    appeal_id text PRIMARY KEY, enterprise_id text NOT NULL, category text NOT NULL,
    due_at timestamptz NOT NULL, emergency boolean NOT NULL
);
CREATE TABLE IF NOT EXISTS duties (
    duty_id text PRIMARY KEY, enterprise_id text NOT NULL, kind text NOT NULL, due_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS groups (enterprise_id text PRIMARY KEY);
"""
    + chief_terms.TERMS_SQL
)

STATION = "station_chief"


async def learn(conn: asyncpg.Connection, env: Envelope, event: DomainEvent) -> None:
    """Record what `event` tells about enterprises, appeals, duties and groups (idempotent upserts)."""
    match event:
        case assignment.EnterpriseRegistered():
            await conn.execute(
                "INSERT INTO enterprises VALUES ($1, $2) ON CONFLICT (enterprise_id) DO UPDATE SET name = $2",
                event.enterprise_id,
                event.name,
            )
        case assignment.ChiefAssigned():
            await chief_terms.assigned(conn, event)
        case assignment.ChiefRelieved():
            await chief_terms.relieved(conn, event)
        case assignment.ActingChiefChanged():
            await chief_terms.acting_changed(conn, event)
        case appeals.AppealRaised():
            await conn.execute(
                "INSERT INTO appeals VALUES ($1, $2, $3, $4, $5) ON CONFLICT (appeal_id) DO NOTHING",
                env.stream.aggregate_id,
                event.enterprise_id,
                event.category,
                (event.received_at or event.raised_at) + event.time_limit,
                event.emergency,
            )
        case patrols.DutyScheduled():
            await conn.execute(
                "INSERT INTO duties VALUES ($1, $2, $3, $4) ON CONFLICT (duty_id) DO NOTHING",
                event.duty_id,
                event.enterprise_id,
                event.kind,
                event.due_at,
            )
        case GroupWebhookRegistered():
            await conn.execute("INSERT INTO groups VALUES ($1) ON CONFLICT DO NOTHING", event.enterprise_id)
        case _:
            pass


async def facts_for(conn: asyncpg.Connection, env: Envelope, event: DomainEvent) -> Facts:
    """What the rules need to decide on `event`, read only as far as its kind needs."""
    match event:
        case appeals.AppealRaised():
            return await _enterprise(conn, event.enterprise_id)
        case (
            appeals.AppealRouted()
            | appeals.DeadlineWarningRaised()
            | appeals.DeadlineBreached()
            | appeals.AppealEscalated()
            | appeals.AppealReferred()
            | appeals.AppealResolved()
            | appeals.DepartmentReportedBack()
        ):
            return await _appeal(conn, env.stream.aggregate_id)
        case assignment.ChiefAssigned() | assignment.ChiefRelieved():
            return await _enterprise(conn, event.enterprise_id)
        case assignment.CoverageGapOpened() | assignment.CoverageGapChanged() | assignment.NobodyActing():
            found = await _enterprise(conn, event.enterprise_id)
            return Facts(
                event.enterprise_id,
                found.enterprise_name,
                found.group_registered,
                await chief_terms.acting_at(conn, event.enterprise_id, STATION, told_at(env)),
            )
        case patrols.DutyScheduled():
            return await _enterprise(conn, event.enterprise_id)
        case patrols.DutyOverdue() | patrols.DutyReassigned():
            return await _duty(conn, event.duty_id)
        case _:
            return Facts()


async def _enterprise(conn: asyncpg.Connection, enterprise_id: str) -> Facts:
    row = await conn.fetchrow(
        "SELECT (SELECT name FROM enterprises WHERE enterprise_id = $1) AS name,"
        " EXISTS (SELECT 1 FROM groups WHERE enterprise_id = $1) AS grouped",
        enterprise_id,
    )
    assert row is not None
    return Facts(enterprise_id, row["name"], row["grouped"])


async def _appeal(conn: asyncpg.Connection, appeal_id: str) -> Facts:
    row = await conn.fetchrow(
        "SELECT a.*, e.name, EXISTS (SELECT 1 FROM groups g WHERE g.enterprise_id = a.enterprise_id) AS grouped"
        " FROM appeals a LEFT JOIN enterprises e USING (enterprise_id) WHERE a.appeal_id = $1",
        appeal_id,
    )
    if row is None:
        return Facts()
    appeal = AppealFacts(row["enterprise_id"], row["category"], row["due_at"], row["emergency"])
    return Facts(row["enterprise_id"], row["name"], row["grouped"], appeal=appeal)


async def _duty(conn: asyncpg.Connection, duty_id: str) -> Facts:
    row = await conn.fetchrow(
        "SELECT d.*, e.name FROM duties d LEFT JOIN enterprises e USING (enterprise_id) WHERE d.duty_id = $1", duty_id
    )
    if row is None:
        return Facts()
    return Facts(row["enterprise_id"], row["name"], duty=DutyFacts(row["enterprise_id"], row["kind"], row["due_at"]))


def told_at(env: Envelope) -> datetime:
    """The instant the station chiefs are read at for the event in `env` that tells them (a coverage gap,
    nobody acting): when it happened, the moment the alarm is raised. Whoever holds the post then is the
    one to act on it: a chief relieved from next Monday still answers today and must arrange
    cover before leaving; one assigned from next month does not answer yet. Not `NobodyActing.since`: a
    backdated one (nobody acting since last week, found today) would tell last week's chief, perhaps
    gone since; one scheduled (nobody from next Monday) would tell, today, whoever takes over then. Never
    a clock: the inbox's replay reads these facts again long after, and must read the reactor's answer."""
    return env.occurred_at
