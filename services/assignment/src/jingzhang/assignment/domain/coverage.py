"""The coverage rule (保证每个企业至少有3个警长包联): every active enterprise has a chief in every tier.

A tier counts as covered when its A or its B slot is held: the report asks for at least three chiefs,
one per tier, and treats A and B as equals. A missing B alone is therefore no gap; `missing_backups`
lists such tiers for key projects, where the report expects A/B pairs (四有通企), as a softer signal.
"""

from jingzhang.assignment.domain.enterprise import EnterpriseState, EnterpriseStatus, holder
from jingzhang.assignment.domain.events import (
    ChiefTier,
    CoverageGapChanged,
    CoverageGapClosed,
    CoverageGapOpened,
    Slot,
)
from jingzhang.shared.events import DomainEvent


def missing_tiers(state: EnterpriseState) -> frozenset[ChiefTier]:
    """Tiers without any chief; only an active enterprise can lack one."""
    if state.status is not EnterpriseStatus.ACTIVE:
        return frozenset()
    return frozenset(t for t in ChiefTier if not any(holder(state, t, s) for s in Slot))


def missing_backups(state: EnterpriseState) -> frozenset[ChiefTier]:
    """Tiers of an active key project with fewer than both A and B."""
    if state.status is not EnterpriseStatus.ACTIVE or not state.enterprise_class.is_key_project:
        return frozenset()
    return frozenset(t for t in ChiefTier if not all(holder(state, t, s) for s in Slot))


def reconcile_gap(state: EnterpriseState, reason: str) -> list[DomainEvent]:
    """The gap event, if any, that makes the recorded gap match the state's chiefs and status."""
    now_missing = missing_tiers(state)
    if now_missing == state.gap:
        return []
    if not now_missing:
        return [CoverageGapClosed(enterprise_id=state.enterprise_id, reason=reason)]
    missing = _ordered(now_missing)
    if not state.gap:
        return [CoverageGapOpened(enterprise_id=state.enterprise_id, missing=missing, reason=reason)]
    return [CoverageGapChanged(enterprise_id=state.enterprise_id, missing=missing, reason=reason)]


def _ordered(tiers: frozenset[ChiefTier]) -> tuple[ChiefTier, ...]:
    return tuple(t for t in ChiefTier if t in tiers)
