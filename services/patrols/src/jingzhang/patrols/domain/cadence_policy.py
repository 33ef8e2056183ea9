"""The bureau's visit cadence per enterprise class as events (issue 14 item 7): the `visit_cadence`
stream (one stream, `bureau`) holding every change.

A change gives one class its rules (which visits, by which tier's chief, how often) from a business day
on (`effective_from`, bureau time). A period (a week, a month) follows the rules in force on its first
day: the change's own week or month, if it starts mid-way, keeps the old rules, and duties already
planned stay as planned. Without any change a class has today's defaults (`cadence.DEFAULT_RULES`).

A change may not take effect before today (it would rewrite duties already owed); a class's rules name
each kind of visit at most once (a duty's id is its enterprise, kind and period); a retry of the last
change (same class, rules and day) records nothing.
"""

from dataclasses import dataclass, replace
from datetime import date

from pydantic import BaseModel, ConfigDict

from jingzhang.patrols.domain.common import VisitKind, require_text
from jingzhang.patrols.domain.periods import Cadence
from jingzhang.patrols.domain.vocabulary import ChiefTier, EnterpriseClass
from jingzhang.shared.aggregate import Aggregate
from jingzhang.shared.errors import InvalidCommand
from jingzhang.shared.events import DomainEvent

POLICY_ID = "bureau"


class VisitRule(BaseModel):
    """`tier`'s chief owes one visit of `kind` every `cadence` period."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: VisitKind
    tier: ChiefTier
    cadence: Cadence


class VisitCadenceChanged(DomainEvent):
    """From `effective_from` (a business day, bureau time), enterprises of `enterprise_class` owe `rules`."""

    enterprise_class: EnterpriseClass
    rules: tuple[VisitRule, ...]
    effective_from: date
    reason: str


POLICY_EVENTS: tuple[type[DomainEvent], ...] = (VisitCadenceChanged,)


@dataclass(frozen=True, slots=True)
class ChangeVisitCadence:
    enterprise_class: EnterpriseClass
    rules: tuple[VisitRule, ...]
    effective_from: date
    reason: str


@dataclass(frozen=True, slots=True)
class CadenceSchedule:
    """Every change recorded, in the order recorded."""

    changes: tuple[VisitCadenceChanged, ...] = ()

    def rules_on(self, enterprise_class: EnterpriseClass, day: date) -> tuple[VisitRule, ...] | None:
        """The rules set for the class in force on `day`; None where only the default applies. Of two
        changes effective the same day, the later recorded wins."""
        found = [c for c in self.changes if c.enterprise_class is enterprise_class and c.effective_from <= day]
        return max(found, key=lambda c: c.effective_from).rules if found else None


DEFAULT_SCHEDULE = CadenceSchedule()


def evolve(state: CadenceSchedule, event: DomainEvent) -> CadenceSchedule:
    if isinstance(event, VisitCadenceChanged):
        return replace(state, changes=(*state.changes, event))
    return state


VISIT_CADENCE: Aggregate[CadenceSchedule] = Aggregate("visit_cadence", CadenceSchedule(), evolve)


def decide_change(state: CadenceSchedule, cmd: ChangeVisitCadence, today: date) -> list[DomainEvent]:
    if cmd.effective_from < today:
        raise InvalidCommand(
            f"生效日期不能早于今天 (effective_from {cmd.effective_from} is before today, {today})",
            field="effective_from",
        )
    if not cmd.rules:
        raise InvalidCommand("至少一条走访规则 (name at least one rule)", field="rules")
    kinds = [r.kind for r in cmd.rules]
    if len(set(kinds)) < len(kinds):
        raise InvalidCommand("每种走访只能有一条规则 (each kind of visit at most once)", field="rules")
    require_text(cmd.reason, "reason")
    changed = VisitCadenceChanged(
        enterprise_class=cmd.enterprise_class,
        rules=cmd.rules,
        effective_from=cmd.effective_from,
        reason=cmd.reason.strip(),
    )
    if state.changes and _same(state.changes[-1], changed):
        return []  # a retry of the last change
    return [changed]


def _same(recorded: VisitCadenceChanged, retried: VisitCadenceChanged) -> bool:
    left = (recorded.enterprise_class, recorded.rules, recorded.effective_from)
    return left == (retried.enterprise_class, retried.rules, retried.effective_from)
