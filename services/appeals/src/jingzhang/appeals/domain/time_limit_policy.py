"""The bureau's time limits per category as events (issue 14 item 7): the `time_limits` stream, one
stream (`bureau`) holding every change.

A change sets one category's time limit from a business day on (`effective_from`, bureau time). An
appeal takes the limit in force on the day it was received: the latest change for its category
effective on or before that day, else the default of its limit class (`policy.TimeLimits`). An
emergency keeps the emergency limit. The limit an appeal took is written into its `AppealRaised`, so
a later change never moves an appeal already raised, and a replay gives the same deadlines.

A change may not take effect before today (it would change the rules for appeals already received); a
retry of the last change (the same category, limit and day) records nothing.
"""

from dataclasses import dataclass, replace
from datetime import date, timedelta

from jingzhang.appeals.domain.guards import text
from jingzhang.appeals.domain.policy import TimeLimits
from jingzhang.appeals.domain.vocabulary import Category
from jingzhang.shared.aggregate import Aggregate
from jingzhang.shared.errors import InvalidCommand
from jingzhang.shared.events import DomainEvent

POLICY_ID = "bureau"
MAX_LIMIT = timedelta(days=90)
"""The longest time limit a category may be given: a quarter, the longest 12345 practice allows."""
MIN_LIMIT = timedelta(hours=1)


class TimeLimitChanged(DomainEvent):
    """From `effective_from` (a business day, bureau time), appeals of `category` have `time_limit`."""

    category: Category
    time_limit: timedelta
    effective_from: date
    reason: str


POLICY_EVENTS: tuple[type[DomainEvent], ...] = (TimeLimitChanged,)


@dataclass(frozen=True, slots=True)
class ChangeTimeLimit:
    category: Category
    time_limit: timedelta
    effective_from: date
    reason: str


@dataclass(frozen=True, slots=True)
class TimeLimitSchedule:
    """Every change recorded, in the order recorded."""

    changes: tuple[TimeLimitChanged, ...] = ()

    def limit_on(self, category: Category, day: date) -> timedelta | None:
        """The limit set for `category` in force on `day`, None where only the default applies. Of two
        changes effective the same day, the later recorded wins."""
        found = [c for c in self.changes if c.category is category and c.effective_from <= day]
        return max(found, key=lambda c: c.effective_from).time_limit if found else None


DEFAULT_SCHEDULE = TimeLimitSchedule()
"""No change recorded: every category has its class's default."""


def evolve(state: TimeLimitSchedule, event: DomainEvent) -> TimeLimitSchedule:
    if isinstance(event, TimeLimitChanged):
        return replace(state, changes=(*state.changes, event))
    return state


TIME_LIMITS: Aggregate[TimeLimitSchedule] = Aggregate("time_limits", TimeLimitSchedule(), evolve)


def decide_change(state: TimeLimitSchedule, cmd: ChangeTimeLimit, today: date) -> list[DomainEvent]:
    if cmd.effective_from < today:
        raise InvalidCommand(
            f"生效日期不能早于今天 (effective_from {cmd.effective_from} is before today, {today})",
            field="effective_from",
        )
    if not MIN_LIMIT <= cmd.time_limit <= MAX_LIMIT:
        raise InvalidCommand(
            f"办理时限须在 {MIN_LIMIT} 至 {MAX_LIMIT} 之间 (time_limit must lie between 1 hour and 90 days)",
            field="time_limit",
        )
    changed = TimeLimitChanged(
        category=cmd.category,
        time_limit=cmd.time_limit,
        effective_from=cmd.effective_from,
        reason=text(cmd.reason, "reason"),
    )
    if state.changes and _same(state.changes[-1], changed):
        return []  # a retry of the last change
    return [changed]


def _same(recorded: TimeLimitChanged, retried: TimeLimitChanged) -> bool:
    """Judged on everything but the reason, which the store holds sealed (a token, not the retry's words)."""
    left = (recorded.category, recorded.time_limit, recorded.effective_from)
    return left == (retried.category, retried.time_limit, retried.effective_from)


def limit_for(
    base: TimeLimits, schedule: TimeLimitSchedule, category: Category, emergency: bool, day: date
) -> timedelta:
    """The limit of an appeal of `category` received on `day`: the bureau's change in force for its
    category, else its class's default; an emergency's is always the emergency limit."""
    changed = None if emergency else schedule.limit_on(category, day)
    return changed if changed is not None else base.limit(base.limit_class(category, emergency))
