"""What every enterprise decision shares: the state checks and the consequences of a change.

A command's own events may leave coverage or acting responsibility out of date; `settle` appends the
gap, shortfall, acting and nobody-acting events that bring them in line, so no decide function can
forget them.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime

from jingzhang.assignment.domain.calendar import NO_ABSENCES, AbsenceBook, reconcile_nobody_acting, sync_acting
from jingzhang.assignment.domain.coverage import reconcile_gap, reconcile_shortfalls
from jingzhang.assignment.domain.enterprise import EnterpriseState, EnterpriseStatus, evolve
from jingzhang.assignment.domain.events import ChiefTier
from jingzhang.shared.aggregate import fold
from jingzhang.shared.errors import DomainRejected, NotFound
from jingzhang.shared.events import DomainEvent


def require_registered(state: EnterpriseState, enterprise_id: str) -> None:
    if state.status is EnterpriseStatus.UNREGISTERED:
        raise NotFound("enterprise", enterprise_id)


def require_open(state: EnterpriseState, enterprise_id: str) -> None:
    """Registered and not closed: a suspended enterprise can still be reorganised."""
    require_registered(state, enterprise_id)
    if state.status is EnterpriseStatus.CLOSED:
        raise DomainRejected(f"enterprise {enterprise_id} is closed", code="enterprise_closed")


def require_active(state: EnterpriseState, enterprise_id: str) -> None:
    require_open(state, enterprise_id)
    if state.status is EnterpriseStatus.SUSPENDED:
        raise DomainRejected(f"enterprise {enterprise_id} is suspended", code="enterprise_suspended")


def settle(
    state: EnterpriseState,
    primary: Sequence[DomainEvent],
    reason: str,
    *,
    now: datetime,
    at: datetime | None = None,
    tiers: Iterable[ChiefTier] = (),
    absences: AbsenceBook = NO_ABSENCES,
) -> list[DomainEvent]:
    """`primary` followed by the coverage gap and shortfall events as of `now` (the decision's instant: a
    change dated later is settled again when it takes effect, `projections.term_dates`), for `tiers` at
    `at` the acting-chief changes, then the nobody-acting events those leave due as of `now`."""
    after = fold(evolve, state, primary)
    coverage = [*reconcile_gap(after, reason, now), *reconcile_shortfalls(after, reason, now)]
    # acting depends on terms, not on gaps and shortfalls, so `after` still serves
    acting = sync_acting(after, absences, at, reason, tiers) if at is not None else []
    alarms = reconcile_nobody_acting(fold(evolve, after, acting), reason, now)
    return [*primary, *coverage, *acting, *alarms]
