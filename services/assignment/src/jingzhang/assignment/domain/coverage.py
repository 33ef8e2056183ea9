"""The coverage rule (保证每个企业至少有3个警长包联): every active enterprise has a chief in every tier.

A tier counts as covered when its A or its B slot is held: the report asks for at least three chiefs,
one per tier, and treats A and B as equals. A missing B alone is therefore no gap. Key enterprises
(四有通企: every class but small and micro) must have A and B (AB角) in every tier, so a tier of theirs
held by one chief only is a coverage shortfall, recorded when it begins and when it ends.

Both are judged by the chiefs in post at an instant (`at`, the decision's now): a chief relieved from a
later date still covers the tier until then, and one assigned from a later date only from then. The
acting worker settles them again when such a change takes effect (`projections.term_dates`).
"""

from datetime import datetime

from jingzhang.assignment.domain.enterprise import EnterpriseState, EnterpriseStatus, holder_at
from jingzhang.assignment.domain.events import (
    ChiefTier,
    CoverageGapChanged,
    CoverageGapClosed,
    CoverageGapOpened,
    CoverageShortfallClosed,
    CoverageShortfallOpened,
    Slot,
)
from jingzhang.shared.events import DomainEvent


def missing_tiers(state: EnterpriseState, at: datetime) -> frozenset[ChiefTier]:
    """Tiers without any chief at `at`; only an active enterprise can lack one."""
    if state.status is not EnterpriseStatus.ACTIVE:
        return frozenset()
    return frozenset(t for t in ChiefTier if not any(holder_at(state, t, s, at) for s in Slot))


def shortfalls(state: EnterpriseState, at: datetime) -> dict[ChiefTier, Slot]:
    """Tiers of an active key enterprise held by one chief at `at`, with the slot left vacant (none held: a gap)."""
    if state.status is not EnterpriseStatus.ACTIVE or not state.enterprise_class.is_key_enterprise:
        return {}
    found = {}
    for tier in ChiefTier:
        vacant = [slot for slot in Slot if holder_at(state, tier, slot, at) is None]
        if len(vacant) == 1:
            found[tier] = vacant[0]
    return found


def reconcile_shortfalls(state: EnterpriseState, reason: str, at: datetime) -> list[DomainEvent]:
    """The shortfall events that make the recorded shortfalls match the chiefs at `at`, class and status."""
    now_short = shortfalls(state, at)
    events: list[DomainEvent] = []
    for tier in ChiefTier:
        recorded, now = state.shortfalls.get(tier), now_short.get(tier)
        if recorded == now:
            continue
        if recorded is not None:
            events.append(CoverageShortfallClosed(enterprise_id=state.enterprise_id, tier=tier, reason=reason))
        if now is not None:
            events.append(
                CoverageShortfallOpened(enterprise_id=state.enterprise_id, tier=tier, vacant=now, reason=reason)
            )
    return events


def reconcile_gap(state: EnterpriseState, reason: str, at: datetime) -> list[DomainEvent]:
    """The gap event, if any, that makes the recorded gap match the chiefs at `at` and the status."""
    now_missing = missing_tiers(state, at)
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
