"""How far ahead the cadence worker plans: the current and the next period of each cadence.

Planning further ahead would fix assignees for visits months away; planning only the current
period would leave an officer no notice of next week's revisit.
"""

from datetime import date

from jingzhang.patrols.domain.cadence import DEFAULT_RULES, CadenceRules, Duty, plan_duties
from jingzhang.patrols.domain.periods import Cadence, Period, period_of
from jingzhang.patrols.domain.snapshot import AssignmentSnapshot


def current_and_next(today: date) -> tuple[Period, ...]:
    """This week, next week, this month and next month."""
    periods = []
    for cadence in Cadence:
        current = period_of(cadence, today)
        periods += [current, period_of(cadence, current.end)]
    return tuple(periods)


def plan_ahead(snapshot: AssignmentSnapshot, today: date, rules: CadenceRules = DEFAULT_RULES) -> list[Duty]:
    """Every duty of the current and next periods, earliest due first; deterministic ids."""
    periods = current_and_next(today)
    keys = {p.key for p in periods}
    end = max(p.end for p in periods)
    return [d for d in plan_duties(snapshot, today, end, rules) if d.period.key in keys]
