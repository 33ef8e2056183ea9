"""The duty calendar: who is away when, who acts for a tier, and the A/B rule that they are never both away.

Absences belong to officers, acting responsibility to enterprises; these functions meet in the middle
through an `AbsenceBook` (officer id -> the intervals they are away) that a handler builds from officer
states, so neither aggregate reads the other's stream. The rule is kept on both paths that could break
it (declaring an absence, assigning a chief); a tier found with nobody acting anyway is recorded, when
it begins and when it ends (`reconcile_nobody_acting`).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from jingzhang.assignment.domain.business_time import BUREAU_TZ
from jingzhang.assignment.domain.enterprise import ChiefTerm, EnterpriseState, EnterpriseStatus, holder_at
from jingzhang.assignment.domain.events import ActingChiefChanged, ChiefTier, NobodyActing, NobodyActingEnded, Slot
from jingzhang.shared.errors import DomainRejected
from jingzhang.shared.events import DomainEvent


@dataclass(frozen=True, slots=True)
class Interval:
    """Half-open `[starts_at, ends_at)`: a return at 09:00 and a departure at 09:00 do not overlap."""

    starts_at: datetime
    ends_at: datetime

    def overlaps(self, other: "Interval") -> bool:
        return self.starts_at < other.ends_at and other.starts_at < self.ends_at

    def contains(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at

    def meet(self, other: "Interval") -> "Interval | None":
        """The time both cover, if any."""
        if not self.overlaps(other):
            return None
        return Interval(max(self.starts_at, other.starts_at), min(self.ends_at, other.ends_at))

    def said(self) -> str:
        """In bureau time, for people: `2025-03-01 09:00 至 2025-03-05 18:00`."""
        start, end = (t.astimezone(BUREAU_TZ).strftime("%Y-%m-%d %H:%M") for t in (self.starts_at, self.ends_at))
        return f"{start} 至 {end}"


AbsenceBook = Mapping[str, Sequence[Interval]]
NO_ABSENCES: AbsenceBook = {}


def is_away(absences: AbsenceBook, officer_id: str, at: datetime) -> bool:
    return any(i.contains(at) for i in absences.get(officer_id, ()))


def acting_chief(state: EnterpriseState, tier: ChiefTier, at: datetime, absences: AbsenceBook) -> str | None:
    """Who answers for `tier` at `at`: A unless A is away or the slot is empty, then B; else nobody."""
    for slot in (Slot.A, Slot.B):
        officer_id = holder_at(state, tier, slot, at)
        if officer_id is not None and not is_away(absences, officer_id, at):
            return officer_id
    return None


def sync_acting(
    state: EnterpriseState,
    absences: AbsenceBook,
    at: datetime,
    reason: str,
    tiers: Iterable[ChiefTier] = tuple(ChiefTier),
) -> list[ActingChiefChanged]:
    """`ActingChiefChanged` for each of `tiers` where who acts at `at` differs from what the recorded
    changes say for then, effective `at`; and again at each change recorded to take effect after `at`.

    A chief relieved or assigned from a later date records who acts from that date when it is decided.
    A check made before that date (an absence starting or ending, the acting worker's pass) compares
    with what is in force at its own instant, so it neither hands the tier back to the chief on their
    way out nor leaves an absence before the date unheeded; a change it records before the scheduled
    one leaves that one standing, and the scheduled one is checked again as of its own date (the terms
    or absences may have changed since it was recorded; nothing else would look at that date again).
    `absences` must hold the intervals of every holder of those tiers: a missing officer counts as present.
    """
    if state.status is EnterpriseStatus.UNREGISTERED:
        return []
    changes: list[ActingChiefChanged] = []
    for tier in tiers:
        timeline = dict(state.acting_timeline.get(tier, ()))
        for when in (at, *sorted(since for since in timeline if since > at)):
            recorded = _acting_at(timeline, when)
            if (now_acting := acting_chief(state, tier, when, absences)) != recorded:
                changes.append(
                    ActingChiefChanged(
                        enterprise_id=state.enterprise_id,
                        tier=tier,
                        officer_id=now_acting,
                        previous_officer_id=recorded,
                        reason=reason,
                        effective_from=when,
                    )
                )
                timeline[when] = now_acting
    return changes


def _in_force(timeline: Mapping[datetime, str | None], at: datetime) -> tuple[datetime, str | None] | None:
    """The change in force at `at` (since when, who acts), if any."""
    since = max((since for since in timeline if since <= at), default=None)
    return None if since is None else (since, timeline[since])


def _acting_at(timeline: Mapping[datetime, str | None], at: datetime) -> str | None:
    change = _in_force(timeline, at)
    return None if change is None else change[1]


ALWAYS = Interval(datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC))


def term_interval(term: ChiefTerm) -> Interval:
    """The time a term covers; an open term, to the end of time."""
    return Interval(term.effective_from, term.effective_until or ALWAYS.ends_at)


@dataclass(frozen=True, slots=True)
class PartnerAbsences:
    """The other slot's holder in one tier of one enterprise, with the times they are away, and `during`:
    the time both terms cover, when the two are partners (a chief relieved from a later date still is
    until then; a chief assigned from a later date only from then)."""

    partner_officer_id: str
    enterprise_id: str
    tier: ChiefTier
    intervals: tuple[Interval, ...]
    during: Interval = ALWAYS


def partners_of(
    state: EnterpriseState, officer_id: str, absences: AbsenceBook, since: datetime | None = None
) -> list[PartnerAbsences]:
    """For each term `officer_id` serves in A or B, each holder of the other slot while both serve, with
    their absences; `since`: only partnerships that last after it (not those long over)."""
    found = []
    for mine in (t for t in state.terms if t.officer_id == officer_id):
        for theirs in partner_terms(state, mine.tier, mine.slot, term_interval(mine)):
            during = term_interval(mine).meet(term_interval(theirs))
            if during is not None and (since is None or during.ends_at > since):
                intervals = tuple(absences.get(theirs.officer_id, ()))
                found.append(PartnerAbsences(theirs.officer_id, state.enterprise_id, mine.tier, intervals, during))
    return found


def partner_terms(state: EnterpriseState, tier: ChiefTier, slot: Slot, within: Interval) -> list[ChiefTerm]:
    """The terms of `tier`'s other slot that overlap `within`: who must be present while `slot`'s holder
    is away, then."""
    other = Slot.B if slot is Slot.A else Slot.A
    return [t for t in state.terms if (t.tier, t.slot) == (tier, other) and term_interval(t).overlaps(within)]


def refuse_double_absence(requested: Interval, partners: Iterable[PartnerAbsences]) -> None:
    """A and B of one tier may never be away together: refuse naming the partner, enterprise and tier."""
    for partner in partners:
        window = requested.meet(partner.during)
        clash = next((i for i in partner.intervals if window is not None and i.overlaps(window)), None)
        if clash is not None:
            raise DomainRejected(
                f"officer {partner.partner_officer_id}, the partner for tier {partner.tier} of enterprise "
                f"{partner.enterprise_id}, is away from {clash.starts_at.isoformat()} "
                f"to {clash.ends_at.isoformat()}: A and B may not be away at the same time",
                code="double_absence",
            )


TIER_ZH = {ChiefTier.BUREAU_LEADER: "局领导", ChiefTier.STATION_CHIEF: "所队长", ChiefTier.POLICE_CHIEF: "辖区警长"}


def refuse_partners_both_away(
    officer_id: str, tier: ChiefTier, absences: AbsenceBook, partner_id: str | None, during: Interval
) -> None:
    """Taking a slot whose partner is away while the newcomer is away too is refused (`during`: the time
    the two would be partners)."""
    if partner_id is None:
        return
    both = [
        meeting
        for mine in absences.get(officer_id, ())
        for theirs in absences.get(partner_id, ())
        if (meet := mine.meet(theirs)) is not None and (meeting := meet.meet(during)) is not None
    ]
    if both:
        when = "、".join(i.said() for i in sorted(both, key=lambda i: i.starts_at))
        raise DomainRejected(
            f"A、B角不能同时离岗：{officer_id} 与{TIER_ZH[tier]}（{tier}）的搭档 {partner_id}"
            f" 在 {when}（北京时间）都已请假。"
            f" / Officers {officer_id} and {partner_id}, the partner in tier {tier}, are both away during {when}"
            " (Asia/Shanghai): A and B may not be away at the same time",
            code="partners_both_away",
        )


def nobody_acting(state: EnterpriseState, at: datetime) -> dict[ChiefTier, datetime]:
    """Tiers of an active enterprise that had someone acting and have nobody at `at`, with since when
    (the change in force then). A change recorded for a later date raises nothing before that date."""
    if state.status is not EnterpriseStatus.ACTIVE:
        return {}
    found = {}
    for tier, timeline in state.acting_timeline.items():
        change = _in_force(dict(timeline), at)
        if change is not None and change[1] is None:
            found[tier] = change[0]
    return found


def reconcile_nobody_acting(state: EnterpriseState, reason: str, at: datetime) -> list[DomainEvent]:
    """`NobodyActing` for tiers that have nobody at `at`, `NobodyActingEnded` for those that no longer do."""
    now = nobody_acting(state, at)
    events: list[DomainEvent] = []
    for tier in ChiefTier:
        if tier in now and tier not in state.nobody_acting:
            events.append(NobodyActing(enterprise_id=state.enterprise_id, tier=tier, since=now[tier], reason=reason))
        elif tier in state.nobody_acting and tier not in now:
            acting = _acting_at(dict(state.acting_timeline.get(tier, ())), at)
            ended_by = acting if state.status is EnterpriseStatus.ACTIVE else None
            events.append(
                NobodyActingEnded(enterprise_id=state.enterprise_id, tier=tier, officer_id=ended_by, reason=reason)
            )
    return events
