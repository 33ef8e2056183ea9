"""Recurring problems (issue 14 item 4): similar appeals that keep coming, found from the appeals alone.

Two kinds of cluster, each of appeals of one category: the same enterprise again and again
(`enterprise`), and several enterprises of one station's area (`station`: the station of the
enterprise's police chief). Appeals of a key are taken in the order they were received (then by id);
each joins the cluster of the one before it if it came within `window` of it, else starts a new one; a
cluster of at least `threshold` appeals is a recurring problem. The order in which the appeals arrived
here changes nothing: the clusters depend only on the set of appeals. A cluster's id derives from its
kind, key, category and first appeal, so finding it again, or grown, names the same problem.

The `recurring_problem` stream (id = the problem's id) records it found (`RecurringProblemDetected`),
grown (`RecurringProblemGrew`) and the bureau's verdict (`RecurringProblemConfirmed` / `Dismissed`).
"""

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import AwareDatetime

from jingzhang.appeals.domain.vocabulary import Category
from jingzhang.shared.aggregate import Aggregate
from jingzhang.shared.errors import DomainRejected, InvalidCommand, NotFound
from jingzhang.shared.events import DomainEvent

DEFAULT_WINDOW = timedelta(days=30)
DEFAULT_THRESHOLD = 2
HORIZON = timedelta(days=366)
"""How far back the detector looks: a year and a day (a problem found earlier stays recorded)."""


class ClusterKind(StrEnum):
    ENTERPRISE = "enterprise"
    """同一企业反复: the same enterprise, one category."""
    STATION = "station"
    """同一辖区: enterprises of one station's area, one category."""


@dataclass(frozen=True, slots=True)
class AppealFact:
    appeal_id: str
    enterprise_id: str
    station: str | None
    category: Category
    received_at: datetime


@dataclass(frozen=True, slots=True)
class Cluster:
    problem_id: str
    kind: ClusterKind
    scope: str
    """The enterprise's id, or the station's name."""
    category: Category
    appeal_ids: tuple[str, ...]
    first_received_at: datetime
    last_received_at: datetime


def check_rules(window: timedelta, threshold: int) -> None:
    """A window and a threshold the detector can use: both above zero."""
    if window <= timedelta(0):
        raise InvalidCommand("窗口须大于零 (window must be longer than zero)", field="window")
    if threshold <= 0:
        raise InvalidCommand("阈值须大于零 (threshold must be at least 1)", field="threshold")


def detect(
    appeals: Iterable[AppealFact], window: timedelta = DEFAULT_WINDOW, threshold: int = DEFAULT_THRESHOLD
) -> list[Cluster]:
    """Every cluster of at least `threshold` appeals, by kind, scope, category and first receipt."""
    check_rules(window, threshold)
    keyed: dict[tuple[ClusterKind, str, Category], list[AppealFact]] = defaultdict(list)
    for fact in {a.appeal_id: a for a in appeals}.values():
        keyed[(ClusterKind.ENTERPRISE, fact.enterprise_id, fact.category)].append(fact)
        if fact.station:
            keyed[(ClusterKind.STATION, fact.station, fact.category)].append(fact)
    found = [c for key, facts in keyed.items() for c in _chains(key, facts, window) if len(c.appeal_ids) >= threshold]
    return sorted(found, key=lambda c: (c.kind.value, c.scope, c.category.value, c.first_received_at, c.problem_id))


def _chains(key: tuple[ClusterKind, str, Category], facts: list[AppealFact], window: timedelta) -> list[Cluster]:
    ordered = sorted(facts, key=lambda a: (a.received_at, a.appeal_id))
    chains: list[list[AppealFact]] = []
    for fact in ordered:
        if chains and fact.received_at - chains[-1][-1].received_at <= window:
            chains[-1].append(fact)
        else:
            chains.append([fact])
    return [_cluster(key, chain) for chain in chains]


def _cluster(key: tuple[ClusterKind, str, Category], chain: list[AppealFact]) -> Cluster:
    kind, scope, category = key
    digest = hashlib.sha256(f"{kind}\x00{scope}\x00{category}\x00{chain[0].appeal_id}".encode()).hexdigest()
    return Cluster(
        problem_id=f"rp-{digest[:16]}",
        kind=kind,
        scope=scope,
        category=category,
        appeal_ids=tuple(a.appeal_id for a in chain),
        first_received_at=chain[0].received_at,
        last_received_at=chain[-1].received_at,
    )


# --- the `recurring_problem` stream ----------------------------------------------------------------


class RecurringProblemDetected(DomainEvent):
    problem_id: str
    kind: ClusterKind
    scope: str
    """The enterprise's id (kind `enterprise`) or the station's name (kind `station`)."""
    category: Category
    appeal_ids: tuple[str, ...]
    detected_at: AwareDatetime


class RecurringProblemGrew(DomainEvent):
    """More appeals joined it: `appeal_ids` is the whole cluster now."""

    appeal_ids: tuple[str, ...]
    grew_at: AwareDatetime


class RecurringProblemConfirmed(DomainEvent):
    note: str
    confirmed_at: AwareDatetime


class RecurringProblemDismissed(DomainEvent):
    note: str
    dismissed_at: AwareDatetime


RECURRING_EVENTS: tuple[type[DomainEvent], ...] = (
    RecurringProblemDetected,
    RecurringProblemGrew,
    RecurringProblemConfirmed,
    RecurringProblemDismissed,
)


class Verdict(StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


@dataclass(frozen=True, slots=True)
class RecurringProblem:
    detected: RecurringProblemDetected | None = None
    appeal_ids: tuple[str, ...] = ()
    verdict: Verdict = Verdict.OPEN


def evolve(state: RecurringProblem, event: DomainEvent) -> RecurringProblem:
    match event:
        case RecurringProblemDetected():
            return RecurringProblem(event, event.appeal_ids)
        case RecurringProblemGrew():
            return replace(state, appeal_ids=event.appeal_ids)
        case RecurringProblemConfirmed():
            return replace(state, verdict=Verdict.CONFIRMED)
        case RecurringProblemDismissed():
            return replace(state, verdict=Verdict.DISMISSED)
        case _:
            return state


RECURRING: Aggregate[RecurringProblem] = Aggregate("recurring_problem", RecurringProblem(), evolve)


def decide_record(state: RecurringProblem, cluster: Cluster, now: datetime) -> list[DomainEvent]:
    """Found: recorded once; grown: the new membership; the same again: nothing."""
    if state.detected is None:
        return [
            RecurringProblemDetected(
                problem_id=cluster.problem_id,
                kind=cluster.kind,
                scope=cluster.scope,
                category=cluster.category,
                appeal_ids=cluster.appeal_ids,
                detected_at=now,
            )
        ]
    if set(cluster.appeal_ids) <= set(state.appeal_ids):
        return []
    grown = tuple(dict.fromkeys((*state.appeal_ids, *cluster.appeal_ids)))
    return [RecurringProblemGrew(appeal_ids=grown, grew_at=now)]


def decide_verdict(
    state: RecurringProblem, problem_id: str, confirm: bool, note: str, now: datetime
) -> list[DomainEvent]:
    """The bureau confirms or dismisses a problem once; saying the same again records nothing."""
    if state.detected is None:
        raise NotFound("recurring problem", problem_id)
    wanted = Verdict.CONFIRMED if confirm else Verdict.DISMISSED
    if state.verdict is wanted:
        return []
    if state.verdict is not Verdict.OPEN:
        raise DomainRejected(f"already {state.verdict.value}", field="problem_id", code="already_decided")
    if not note.strip():
        raise InvalidCommand("note must not be empty", field="note")
    if confirm:
        return [RecurringProblemConfirmed(note=note.strip(), confirmed_at=now)]
    return [RecurringProblemDismissed(note=note.strip(), dismissed_at=now)]
