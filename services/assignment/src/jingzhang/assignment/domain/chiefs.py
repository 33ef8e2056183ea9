"""Decisions about the three chiefs: assign (or reassign), relieve, react to an officer leaving, and
re-check who acts when absences change.

Reassignment relieves the previous holder before assigning the next, so history keeps both terms.
Functions that may change who acts take `absences`: the away intervals of the affected tier's holders
(and, when assigning, of the newcomer, who may not be away while their partner in the tier is).
"""

from collections.abc import Mapping
from datetime import datetime

from jingzhang.assignment.domain.business_time import ENROLLED, REGISTERED, require_not_before
from jingzhang.assignment.domain.calendar import (
    ALWAYS,
    NO_ABSENCES,
    AbsenceBook,
    Interval,
    partner_terms,
    refuse_partners_both_away,
    term_interval,
)
from jingzhang.assignment.domain.commands import AssignChief, RelieveChief
from jingzhang.assignment.domain.enterprise import (
    EnterpriseState,
    EnterpriseStatus,
    holder,
    last_change,
    posts_of,
)
from jingzhang.assignment.domain.events import (
    ChiefAssigned,
    ChiefRelieved,
    ChiefTier,
    Slot,
    TaskForceMemberRemoved,
    UnitKind,
)
from jingzhang.assignment.domain.guards import require_open, settle
from jingzhang.assignment.domain.officer import OfficerState, require_serving
from jingzhang.shared.errors import DomainRejected, InvalidCommand
from jingzhang.shared.events import DomainEvent

# 局领导 come from the bureau's leadership; 所队长 and 辖区警长 from a station or a brigade.
UNITS_FOR_TIER: Mapping[ChiefTier, frozenset[UnitKind]] = {
    ChiefTier.BUREAU_LEADER: frozenset({UnitKind.BUREAU_LEADERSHIP}),
    ChiefTier.STATION_CHIEF: frozenset({UnitKind.STATION, UnitKind.BRIGADE}),
    ChiefTier.POLICE_CHIEF: frozenset({UnitKind.STATION, UnitKind.BRIGADE}),
}


def assign_chief(
    state: EnterpriseState,
    cmd: AssignChief,
    officer: OfficerState,
    absences: AbsenceBook = NO_ABSENCES,
    *,
    at: datetime,
    now: datetime | None = None,
) -> list[DomainEvent]:
    """`at`: when the post starts (the command's `effective_from`, or now); not before the enterprise was
    registered nor the officer enrolled. `absences` holds the newcomer's and the tier's holders'.
    `now`: when it is decided (default `at`), the instant coverage is judged at."""
    require_open(state, cmd.enterprise_id)
    _require_can_serve(officer, cmd)
    current = holder(state, cmd.tier, cmd.slot)
    if current == cmd.officer_id:
        return []
    _require_not_posted_elsewhere(state, cmd)
    _require_not_backdated(state, cmd.tier, cmd.slot, at)
    require_not_before(at, state.registered_on, REGISTERED, field="effective_from")
    require_not_before(at, officer.enrolled_on, ENROLLED, field="effective_from")
    serving = Interval(at, ALWAYS.ends_at)
    for partner in partner_terms(state, cmd.tier, cmd.slot, serving):
        if (during := term_interval(partner).meet(serving)) is not None:
            refuse_partners_both_away(cmd.officer_id, cmd.tier, absences, partner.officer_id, during)
    primary: list[DomainEvent] = []
    if current is not None:
        primary.append(_relieved(cmd.enterprise_id, cmd.tier, cmd.slot, current, at, "reassigned"))
    primary.append(
        ChiefAssigned(
            enterprise_id=cmd.enterprise_id, tier=cmd.tier, slot=cmd.slot, officer_id=cmd.officer_id, effective_from=at
        )
    )
    reason = f"{cmd.tier} {cmd.slot} assigned"
    return settle(state, primary, reason, now=now or at, at=at, tiers=(cmd.tier,), absences=absences)


def relieve_chief(
    state: EnterpriseState,
    cmd: RelieveChief,
    absences: AbsenceBook = NO_ABSENCES,
    *,
    at: datetime,
    now: datetime | None = None,
) -> list[DomainEvent]:
    """`at`: when the post ends (the command's `effective_from`, or now); `now`: when it is decided
    (default `at`), the instant coverage is judged at."""
    require_open(state, cmd.enterprise_id)
    current = holder(state, cmd.tier, cmd.slot)
    if current is None:
        return []
    _require_not_backdated(state, cmd.tier, cmd.slot, at)
    primary = [_relieved(cmd.enterprise_id, cmd.tier, cmd.slot, current, at, cmd.reason)]
    reason = f"{cmd.tier} {cmd.slot} relieved"  # not the person's words: those are sealed, gap reasons are not
    return settle(state, primary, reason, now=now or at, at=at, tiers=(cmd.tier,), absences=absences)


def relieve_departed_officer(
    state: EnterpriseState,
    officer_id: str,
    at: datetime,
    reason: str = "officer_retired",
    absences: AbsenceBook = NO_ABSENCES,
    *,
    now: datetime | None = None,
) -> list[DomainEvent]:
    """The enterprise's side of an officer retiring or transferring: end their posts from `at`, reopen
    coverage (judged at `now`, when it is decided; default `at`).

    A policy calls this for every enterprise the officer served, with `reason` `officer_retired` or
    `officer_transferred`; an enterprise they never served records nothing.
    """
    if state.status in (EnterpriseStatus.UNREGISTERED, EnterpriseStatus.CLOSED):
        return []
    posts = posts_of(state, officer_id)
    primary: list[DomainEvent] = [
        _relieved(state.enterprise_id, tier, slot, officer_id, at, reason) for tier, slot in posts
    ]
    if state.task_force is not None and officer_id in state.task_force.members:
        primary.append(TaskForceMemberRemoved(enterprise_id=state.enterprise_id, officer_id=officer_id, reason=reason))
    tiers = tuple(tier for tier, _ in posts)
    return settle(state, primary, reason, now=now or at, at=at, tiers=tiers, absences=absences)


def recheck_acting(state: EnterpriseState, absences: AbsenceBook, at: datetime, reason: str) -> list[DomainEvent]:
    """After an absence starts or ends: who acts for each tier at `at` (`absences` of all its chiefs), and
    whatever coverage, shortfall or nobody-acting event is still due (one recorded before these rules)."""
    if state.status is EnterpriseStatus.UNREGISTERED:
        return []
    return settle(state, [], reason, now=at, at=at, tiers=tuple(ChiefTier), absences=absences)


def _relieved(
    enterprise_id: str, tier: ChiefTier, slot: Slot, officer_id: str, at: datetime, reason: str
) -> ChiefRelieved:
    return ChiefRelieved(
        enterprise_id=enterprise_id,
        tier=tier,
        slot=slot,
        officer_id=officer_id,
        effective_from=at,
        reason=reason,
    )


def _require_can_serve(officer: OfficerState, cmd: AssignChief) -> None:
    require_serving(officer, cmd.officer_id, field="officer_id")
    if officer.unit_kind not in UNITS_FOR_TIER[cmd.tier]:
        raise InvalidCommand(
            f"officer {cmd.officer_id} serves in {officer.unit_kind}, which cannot provide a {cmd.tier}",
            field="officer_id",
        )


def _require_not_posted_elsewhere(state: EnterpriseState, cmd: AssignChief) -> None:
    """Three chiefs means three people: nobody holds two slots of one enterprise."""
    posts = posts_of(state, cmd.officer_id)
    if posts:
        tier, slot = posts[0]
        raise DomainRejected(
            f"officer {cmd.officer_id} already holds {tier} {slot} of enterprise {cmd.enterprise_id}",
            code="already_chief",
        )


def _require_not_backdated(state: EnterpriseState, tier: ChiefTier, slot: Slot, at: datetime) -> None:
    """History is appended, never rewritten: a change cannot predate the slot's last change."""
    since = last_change(state, tier, slot)
    if since is not None and at < since:
        raise InvalidCommand(f"{tier} {slot} last changed at {since.isoformat()}", field="effective_from")
